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

/** A list's `errors: [{row, reason, reason_text}]` as the reader reads it: `reason` in their language. */
export function localiseRowErrors<T extends { errors?: Array<{ row: number; reason: string; reason_text?: LocalisedText }> }>(report: T, lang: 'ru' | 'en'): T {
  if (!report?.errors) return report;
  return { ...report, errors: report.errors.map(({ reason_text, ...e }) => ({ ...e, reason: reason_text?.[lang] ?? e.reason })) };
}

/** Reason counts ({code, reason|message, count}) with each reason said from its code in the reader's language. */
export function localiseReasonCounts<T extends { code: string | null; reason?: string | null; message?: string | null }>(items: T[], lang: 'ru' | 'en'): T[] {
  return items.map((r) =>
    'message' in r
      ? { ...r, message: renderTargetReason(r.code, r.message ?? null, lang) }
      : { ...r, reason: renderTargetReason(r.code, r.reason ?? null, lang) },
  );
}
