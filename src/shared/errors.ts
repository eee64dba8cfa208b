import { renderMessage, type Lang, type MessageParams } from './messages.js';

/**
 * An error meant for the API caller: it carries the HTTP status, a stable machine code
 * and a sentence a person can read. Anything else that escapes a handler is a 500.
 *
 * `i18n` names the sentence in the catalogue (src/shared/messages.ts) with its params, so the error
 * handler can say it in the request's language; `message` stays the English sentence.
 */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly i18n?: { key?: string; params?: MessageParams },
  ) {
    super(message);
  }

  /** The sentence in `lang`: the catalogue's when it has one (by i18n key, else by code), else the English message. */
  text(lang: Lang): string {
    if (lang === 'en') return this.message;
    return (this.i18n?.key ? renderMessage(this.i18n.key, lang, this.i18n.params) : null) ?? renderMessage(this.code, lang, this.i18n?.params) ?? this.message;
  }
}

export const notFound = (what: string) => new AppError(404, 'NOT_FOUND', `${what} was not found.`, undefined, { key: `NOT_FOUND.${what}` });
export const conflict = (code: string, message: string, i18n?: { key?: string; params?: MessageParams }) => new AppError(409, code, message, undefined, i18n);
export const badRequest = (code: string, message: string, details?: unknown) => new AppError(400, code, message, details);
