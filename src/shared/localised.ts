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
export function localiseRowErrors<
  T extends {
    errors?: Array<{ row: number; reason: string; reason_text?: LocalisedText }>;
    notes?: Array<{ code: string; message: string; message_text?: LocalisedText }>;
  },
>(report: T, lang: 'ru' | 'en'): T {
  if (!report?.errors && !report?.notes) return report;
  return {
    ...report,
    ...(report.errors ? { errors: report.errors.map(({ reason_text, ...e }) => ({ ...e, reason: reason_text?.[lang] ?? e.reason })) } : {}),
    // A background import's notes keep both languages (the reader of the job may read either).
    ...(report.notes ? { notes: report.notes.map(({ message_text, ...n }) => ({ ...n, message: message_text?.[lang] ?? n.message })) } : {}),
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
