/**
 * A person looked up the way people write them, in a task's recipients or the do-not-contact list: a username with or
 * without @ or as its t.me link, part of a name, an id, or a phone as written («+7 999 123», «8 (999) 123-45-67»).
 * Phones are stored bare (+79991234567), so a number is also matched by its digits, and a leading 8 also as the +7 it
 * may stand for. The patterns are for LIKE/ILIKE (`%` and `_` in the text match themselves).
 */
export interface PersonSearch {
  /** The text itself, for usernames, names, ids and notes. */
  like: string;
  /** The text read as a phone number (none unless it is one: digits, spaces, +, -, brackets, dots). */
  phones: string[];
}

const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function personSearch(raw: string): PersonSearch {
  const trimmed = raw.trim();
  // A link names the username after the host; whatever follows it (a message id, ?start=…) is not part of it.
  const link = /^(?:https?:\/\/)?(?:www\.)?(?:t|telegram)\.me\/([^/?#]*)/i.exec(trimmed);
  const text = (link ? link[1]! : trimmed).replace(/^@/, '');
  const digits = /^[+\d\s\-().]+$/.test(trimmed) ? raw.replace(/\D/g, '') : '';
  const phones = digits.length < 3 ? [] : [digits, ...(digits.startsWith('8') ? [`+7${digits.slice(1)}`] : [])];
  return { like: containing(text), phones: phones.map(containing) };
}
