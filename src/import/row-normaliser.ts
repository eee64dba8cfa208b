import { localised, type LocalisedText, type MessageParams } from '../shared/messages.js';
import { joinTexts } from '../shared/localised.js';
import { cleanName, identityKey, normalisePhone, normaliseUserId, normaliseUsername, type TargetIdentity } from '../targets/identity.js';

/**
 * `full_name` is a name written first name first («Anna Lee», «Иван Петров»); `full_name_surname_first` is a column
 * whose heading says the surname comes first — Russian «ФИО» («Иванов Иван Иванович») — and is split the other way.
 */
export type Field = 'username' | 'user_id' | 'phone' | 'first_name' | 'last_name' | 'full_name' | 'full_name_surname_first' | 'psd';

/** Header spellings recognised for each field (lower-cased, spaces/dashes as underscores). */
const HEADER_ALIASES: Record<Field, string[]> = {
  username: ['username', 'user_name', 'user', 'login', 'nick', 'nickname', 'handle', 'telegram', 'tg', 'ник', 'логин', 'юзернейм', 'имя_пользователя'],
  user_id: ['id', 'user_id', 'userid', 'platform_id', 'tg_id', 'telegram_id', 'uid', 'айди'],
  phone: ['phone', 'phone_number', 'mobile', 'tel', 'telephone', 'author_phone', 'msisdn', 'телефон', 'номер'],
  first_name: ['first_name', 'firstname', 'first', 'given_name', 'имя'],
  last_name: ['last_name', 'lastname', 'last', 'surname', 'family_name', 'фамилия'],
  full_name: ['name', 'full_name', 'fullname', 'display_name', 'displayname', 'имя_и_фамилия', 'имя_фамилия'],
  // A heading that names the surname first: what is under it is written that way (a CRM's «ФИО» column).
  full_name_surname_first: ['фио', 'ф_и_о', 'фамилия_имя_отчество', 'фамилия_имя', 'фамилия_и_имя', 'фамилия_имя_и_отчество'],
  psd: ['platform_specific_data'],
};

/** The fields a person can be found by: a header row must name one of them to be worth skipping rows for. */
export const IDENTIFIER_FIELDS: ReadonlySet<Field> = new Set(['username', 'user_id', 'phone', 'psd']);

// Dots, commas and dashes are spelling, not meaning: «Ф.И.О.», «Фамилия, имя, отчество» and «first-name» are the
// names they spell. A trailing one («Ф.И.О.») is dropped; a leading underscore is kept (a database's «_id» is its own
// row id, not a Telegram user id).
const canonicalHeader = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/^\uFEFF/, '')
    .replace(/[\s\-.,]+/g, '_')
    .replace(/(?<=.)_+$/, '');

/** Maps a file's header row to fields; null when no header is recognised (the row is data). */
export function detectColumns(headers: string[]): Map<number, Field> | null {
  const mapping = new Map<number, Field>();
  headers.forEach((h, i) => {
    const c = canonicalHeader(String(h ?? ''));
    for (const [field, aliases] of Object.entries(HEADER_ALIASES) as Array<[Field, string[]]>) {
      if (aliases.includes(c) && ![...mapping.values()].includes(field)) {
        mapping.set(i, field);
        return;
      }
    }
  });
  return mapping.size ? mapping : null;
}

// The rows of one file share their keys (a CSV's header, a JSON array's shape): the mapping of the last key list is
// kept, so a million-row import detects its columns once instead of once per row.
let lastKeys: string[] = [];
let lastMapping: Map<number, Field> | null = null;
const sameKeys = (a: string[], b: string[]) => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** Object keys (JSON rows) to fields, using the same aliases. */
export function fieldsOfObject(obj: Record<string, unknown>): Partial<Record<Field, unknown>> {
  const out: Partial<Record<Field, unknown>> = {};
  const keys = Object.keys(obj);
  if (!sameKeys(keys, lastKeys)) {
    lastMapping = detectColumns(keys);
    lastKeys = keys;
  }
  lastMapping?.forEach((field, i) => {
    out[field] = obj[keys[i]!];
  });
  return out;
}

/** A rejected row says why in English (`reason`, what logs and old API clients read) and in both languages (`text`). */
export type NormalisedRow = { ok: true; target: TargetIdentity; key: string } | { ok: false; reason: string; text: LocalisedText };

/** A rejected row from its problems (catalogue codes with params, src/shared/domain-messages.ts), joined by "; ". */
export function rejected(...problems: Array<[key: string, params?: MessageParams]>): NormalisedRow {
  const text = joinTexts(problems.map(([key, params]) => localised(key, params)));
  return { ok: false, reason: text.en, text };
}

/**
 * What a lone value is: a phone (+…, digits written with spaces, dashes or brackets, or a Russian mobile number as
 * 11 bare digits, 79… or 89…: no Telegram user id is that large), a numeric id, or a username/link.
 */
function loneValueField(value: string): 'phone' | 'user_id' | 'username' {
  if (/^\+/.test(value) || (/^[\d\s\-()]{8,}$/.test(value) && /[\s\-()]/.test(value)) || /^[78]9\d{9}$/.test(value)) return 'phone';
  return /^\d+$/.test(value) ? 'user_id' : 'username';
}

/** A lone value (TXT line, one-column CSV): guess whether it is a phone, a numeric id or a username/link. */
export function normaliseLoneValue(raw: string): NormalisedRow {
  const value = raw.trim();
  if (!value) return rejected(['ROW.empty']);
  return normaliseFields({ [loneValueField(value)]: value }, value);
}

/** A value quoted in a refusal: its first 40 characters, and «…» when it had more. */
const shortened = (v: string) => (v.length > 40 ? `${v.slice(0, 40)}…` : v);

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && !v.trim());

const NO_PSD: Record<string, unknown> = Object.freeze({});

/** An initial or two («И», «И.», «И.И.»): not a name to greet anyone by (two-letter names, «Ян», have no dots). */
const INITIALS = /^\p{L}\.?$|^\p{L}\.\p{L}\.?$/u;

/**
 * «Иванов Иван Иванович» → first name «Иван», last name «Иванов». The patronymic (and anything after it, «… оглы»)
 * is dropped: there is no field for it, and appended to the last name it would be shown and reported as part of the
 * surname («Иванов Иванович»), which it is not; kept in the first name, `{first_name}` would no longer be the first
 * name. A lone word is the first name: in a «ФИО» field people type just «Анна» far more often than just a surname,
 * and a lone surname is no worse off than before. An initial in the first name's place («Иванов И. И.») is no first
 * name: `{first_name}` then takes its fallback rather than greeting «Здравствуйте, И.!».
 */
export function splitSurnameFirst(name: string): { first_name: string | null; last_name: string | null } {
  const [surname, first] = name.split(' ');
  if (first === undefined) return { first_name: surname ?? null, last_name: null };
  return { first_name: INITIALS.test(first) ? null : first, last_name: surname ?? null };
}

/** Normalises one record; a row without any usable identifier is rejected with the reason. */
export function normaliseFields(f: Partial<Record<Field, unknown>>, shown: string = ''): NormalisedRow {
  let psd: Record<string, unknown> = NO_PSD;
  if (f.psd) {
    if (typeof f.psd === 'string') {
      try {
        psd = JSON.parse(f.psd) as Record<string, unknown>;
      } catch {
        /* not JSON: ignored, other columns still count */
      }
    } else if (typeof f.psd === 'object') psd = f.psd as Record<string, unknown>;
  }
  let rawUsername = f.username ?? psd.username;
  let rawId = f.user_id ?? psd.user_id;
  let rawPhone = f.phone ?? psd.phone;
  const username = normaliseUsername(rawUsername);
  // A list pasted under one "username" heading often mixes in phones (+7 916 …) and numeric ids, which can never be
  // usernames: read as the lone values they are, as a TXT line would be, when the row has no phone or id of its own.
  if (!username && typeof rawUsername === 'string' && blank(rawId) && blank(rawPhone)) {
    const value = rawUsername.trim();
    const field = loneValueField(value);
    if (field === 'phone') [rawPhone, rawUsername] = [value, undefined];
    else if (field === 'user_id') [rawId, rawUsername] = [value, undefined];
  }
  const user_id_platform = normaliseUserId(rawId);
  const phone = normalisePhone(rawPhone);
  let first_name = cleanName(f.first_name ?? psd.first_name);
  let last_name = cleanName(f.last_name ?? psd.last_name);
  const surnameFirst = cleanName(f.full_name_surname_first);
  const full = cleanName(f.full_name);
  if (!first_name && !last_name) {
    // A «ФИО» column says how its names are ordered, so it is preferred to a generic «name» beside it.
    if (surnameFirst) ({ first_name, last_name } = splitSurnameFirst(surnameFirst));
    else if (full) {
      const [first, ...rest] = full.split(' ');
      first_name = first ?? null;
      last_name = rest.join(' ') || null;
    }
  }
  const target: TargetIdentity = { username, user_id_platform, phone, first_name, last_name };
  const key = identityKey(target);
  if (!key) {
    const problems: Array<[string, MessageParams]> = [];
    if (rawUsername !== undefined && rawUsername !== null && String(rawUsername).trim())
      problems.push(['ROW.bad_username', { value: shortened(String(rawUsername)) }]);
    if (rawId !== undefined && rawId !== null && String(rawId).trim()) problems.push(['ROW.bad_user_id', { value: shortened(String(rawId)) }]);
    if (rawPhone !== undefined && rawPhone !== null && String(rawPhone).trim()) problems.push(['ROW.bad_phone', { value: String(rawPhone).slice(0, 4) }]);
    if (problems.length) return rejected(...problems);
    return shown ? rejected(['ROW.no_identifier_in', { value: shortened(shown) }]) : rejected(['ROW.no_identifier']);
  }
  return { ok: true, target, key };
}

/**
 * The column of a row that holds a NUL byte (PostgreSQL text cannot store one; a file full of them is usually
 * UTF-16 without a byte-order mark, or not text at all): its values and, one level down, nested objects (psd).
 */
export function nulColumn(record: unknown): string | null {
  if (typeof record === 'string') return record.includes('\u0000') ? 'value' : null;
  if (!record || typeof record !== 'object') return null;
  // for…in rather than Object.entries: this runs on every imported row, and the pairs would be garbage at once.
  for (const key in record as Record<string, unknown>) {
    if (!Object.hasOwn(record, key)) continue;
    const value = (record as Record<string, unknown>)[key];
    if (key.includes('\u0000')) return key.replace(/\u0000/g, '');
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return key;
      continue;
    }
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (k.includes('\u0000') || (typeof v === 'string' && v.includes('\u0000'))) return `${key}.${k.replace(/\u0000/g, '')}`;
      }
    }
  }
  return null;
}

export const nulRow = (column: string): NormalisedRow =>
  column === 'value' ? rejected(['ROW.nul_value']) : rejected(['ROW.nul_column', { column: column.slice(0, 40) }]);

/** A record as a JSON object or a bare string. */
export function normaliseRecord(record: unknown): NormalisedRow {
  const nul = nulColumn(record);
  if (nul !== null) return nulRow(nul);
  if (typeof record === 'string') return normaliseLoneValue(record);
  if (typeof record === 'number') return normaliseLoneValue(String(record));
  if (record && typeof record === 'object' && !Array.isArray(record)) {
    return normaliseFields(fieldsOfObject(record as Record<string, unknown>));
  }
  return rejected(['ROW.not_record']);
}
