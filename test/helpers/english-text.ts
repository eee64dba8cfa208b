/**
 * Finds English sentences in text that should be Russian: runs of three or more Latin-alphabet words in a row.
 * Proper nouns and product identifiers (Telegram, CSV, @usernames, URLs, codes like NO_READY_ADMIN, the names
 * a test seeded) are taken out first, so "Загрузите CSV или XLSX" passes and "No account can invite" does not.
 */
const ALWAYS_ALLOWED = [
  /https?:\/\/\S+/g, // URLs
  /\bt\.me\b(?:\/\S+)?/g,
  /\bid\b/g, // «ссылка, @имя или id»
  /@[A-Za-z0-9_]+/g, // @usernames
  /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g, // codes: NO_READY_ADMIN, FLOOD_WAIT
  /\b[A-Z]{2,}\b/g, // enum values and abbreviations: HIGH, MEDIUM, LOW
  /\b[A-Za-z0-9_-]+\.(?:csv|xlsx|json|txt|xls)\b/gi, // file names
  /\bmultipart\/form-data\b/g,
  /\b(?:Telegram|CSV|XLSX|XLS|JSON|TXT|UTF-8|Windows-1251|Excel|GramJS|StringSession|FloodWait|PeerFlood|QR|API|ID|IANA|UUID|HTTP|SMS|Bearer|NUL|my\.telegram\.org|Europe\/Moscow)\b/g,
];

export function englishRuns(text: string, allow: Array<string | RegExp> = []): string[] {
  let t = text;
  for (const a of [...ALWAYS_ALLOWED, ...allow]) {
    t = typeof a === 'string' ? t.split(a).join(' ¦ ') : t.replace(a, ' ¦ ');
  }
  // A "word" is Latin letters (with inner ' or -); words count as a run when only spaces or light punctuation
  // stand between them on the same line.
  const runs = t.match(/[A-Za-z][A-Za-z'’-]*(?:[ \t,:;.!?()"]+[A-Za-z][A-Za-z'’-]*){2,}/g) ?? [];
  return runs.filter((r) => (r.match(/[A-Za-z][A-Za-z'’-]*/g) ?? []).length >= 3);
}

export const hasCyrillic = (text: string) => /[А-Яа-яЁё]/.test(text);
