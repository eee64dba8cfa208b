import { renderTargetReason, type LocalisedText } from './messages.js';

/**
 * Texts said in both languages ({ru, en}, see LocalisedText in src/shared/messages.ts): built where the
 * reasons arise, and the reader's language picked only when answering.
 */

/** Several texts joined, each language on its own. */
export function joinTexts(texts: LocalisedText[], separator = '; '): LocalisedText {
  return { ru: texts.map((t) => t.ru).join(separator), en: texts.map((t) => t.en).join(separator) };
}

/** "Label: reason" in both languages. */
export function labelled(label: string, text: LocalisedText): LocalisedText {
  return { ru: `${label}: ${text.ru}`, en: `${label}: ${text.en}` };
}

/** A sentence kept in both languages (`message_text`) as `message` in the reader's. */
const inLang = <M extends { message?: string; message_text?: LocalisedText }>({ message_text, ...rest }: M, lang: 'ru' | 'en') => ({
  ...rest,
  message: message_text?.[lang] ?? rest.message,
});

/**
 * A list's `errors: [{row, reason, reason_text}]` as the reader reads it: `reason` in their language; so are a
 * background import's `notes` and its refused `start`, kept in both languages (the job's reader may read either).
 */
export function localiseRowErrors<
  T extends {
    errors?: Array<{ row: number; reason: string; reason_text?: LocalisedText }>;
    notes?: Array<{ code: string; message: string; message_text?: LocalisedText }>;
    start?: { status: string } | { error: string; message: string; message_text?: LocalisedText };
  },
>(report: T, lang: 'ru' | 'en'): T {
  if (!report?.errors && !report?.notes && !report?.start) return report;
  return {
    ...report,
    ...(report.errors ? { errors: report.errors.map(({ reason_text, ...e }) => ({ ...e, reason: reason_text?.[lang] ?? e.reason })) } : {}),
    ...(report.notes ? { notes: report.notes.map((n) => inLang(n, lang)) } : {}),
    ...(report.start && 'error' in report.start ? { start: inLang(report.start, lang) } : {}),
  };
}

/** Reason counts ({code, reason|message, count}) with each reason said from its code in the reader's language. */
export function localiseReasonCounts<T extends { code: string | null; reason?: string | null; message?: string | null }>(items: T[], lang: 'ru' | 'en'): T[] {
  return items.map((r) =>
    'message' in r
      ? { ...r, message: renderTargetReason(r.code, r.message ?? null, lang) }
      : { ...r, reason: renderTargetReason(r.code, r.reason ?? null, lang) },
  );
}
