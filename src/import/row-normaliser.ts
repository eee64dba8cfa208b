import { cleanName, identityKey, normalisePhone, normaliseUserId, normaliseUsername, type TargetIdentity } from '../targets/identity.js';

export type Field = 'username' | 'user_id' | 'phone' | 'first_name' | 'last_name' | 'full_name' | 'psd';

/** Header spellings recognised for each field (lower-cased, spaces/dashes as underscores). */
const HEADER_ALIASES: Record<Field, string[]> = {
  username: ['username', 'user_name', 'user', 'login', 'nick', 'nickname', 'handle', 'telegram', 'tg', 'ник', 'логин', 'юзернейм', 'имя_пользователя'],
  user_id: ['id', 'user_id', 'userid', 'platform_id', 'tg_id', 'telegram_id', 'uid', 'айди'],
  phone: ['phone', 'phone_number', 'mobile', 'tel', 'telephone', 'author_phone', 'msisdn', 'телефон', 'номер'],
  first_name: ['first_name', 'firstname', 'first', 'given_name', 'имя'],
  last_name: ['last_name', 'lastname', 'last', 'surname', 'family_name', 'фамилия'],
  full_name: ['name', 'full_name', 'fullname', 'display_name', 'displayname', 'фио'],
  psd: ['platform_specific_data'],
};

const canonicalHeader = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/^\uFEFF/, '')
    .replace(/[\s\-.]+/g, '_');

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

/** Object keys (JSON rows) to fields, using the same aliases. */
export function fieldsOfObject(obj: Record<string, unknown>): Partial<Record<Field, unknown>> {
  const out: Partial<Record<Field, unknown>> = {};
  const keys = Object.keys(obj);
  const mapping = detectColumns(keys);
  mapping?.forEach((field, i) => {
    out[field] = obj[keys[i]!];
  });
  return out;
}

export type NormalisedRow = { ok: true; target: TargetIdentity; key: string } | { ok: false; reason: string };

/** A lone value (TXT line, one-column CSV): guess whether it is a phone, a numeric id or a username/link. */
export function normaliseLoneValue(raw: string): NormalisedRow {
  const value = raw.trim();
  if (!value) return { ok: false, reason: 'empty line' };
  const fields: Partial<Record<Field, unknown>> = {};
  if (/^\+/.test(value) || (/^[\d\s\-()]{8,}$/.test(value) && /[\s\-()]/.test(value))) fields.phone = value;
  else if (/^\d+$/.test(value)) fields.user_id = value;
  else fields.username = value;
  return normaliseFields(fields, value);
}

/** Normalises one record; a row without any usable identifier is rejected with the reason. */
export function normaliseFields(f: Partial<Record<Field, unknown>>, shown: string = ''): NormalisedRow {
  let psd: Record<string, unknown> = {};
  if (f.psd) {
    if (typeof f.psd === 'string') {
      try {
        psd = JSON.parse(f.psd) as Record<string, unknown>;
      } catch {
        /* not JSON: ignored, other columns still count */
      }
    } else if (typeof f.psd === 'object') psd = f.psd as Record<string, unknown>;
  }
  const rawUsername = f.username ?? psd.username;
  const rawId = f.user_id ?? psd.user_id;
  const rawPhone = f.phone ?? psd.phone;
  const username = normaliseUsername(rawUsername);
  const user_id_platform = normaliseUserId(rawId);
  const phone = normalisePhone(rawPhone);
  let first_name = cleanName(f.first_name ?? psd.first_name);
  let last_name = cleanName(f.last_name ?? psd.last_name);
  const full = cleanName(f.full_name);
  if (full && !first_name && !last_name) {
    const [first, ...rest] = full.split(' ');
    first_name = first ?? null;
    last_name = rest.join(' ') || null;
  }
  const target: TargetIdentity = { username, user_id_platform, phone, first_name, last_name };
  const key = identityKey(target);
  if (!key) {
    const problems: string[] = [];
    if (rawUsername !== undefined && rawUsername !== null && String(rawUsername).trim())
      problems.push(`"${String(rawUsername).slice(0, 40)}" is not a valid username (5–32 letters, digits, underscores)`);
    if (rawId !== undefined && rawId !== null && String(rawId).trim()) problems.push(`"${String(rawId).slice(0, 40)}" is not a numeric user id`);
    if (rawPhone !== undefined && rawPhone !== null && String(rawPhone).trim())
      problems.push(`"${String(rawPhone).slice(0, 4)}…" is not a phone number in international format`);
    return { ok: false, reason: problems.length ? problems.join('; ') : `no username, user id or phone found${shown ? ` in "${shown.slice(0, 40)}"` : ''}` };
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
  for (const [key, value] of Object.entries(record as Record<string, unknown>)) {
    if (key.includes('\u0000')) return key.replace(/\u0000/g, '');
    if (typeof value === 'string' && value.includes('\u0000')) return key;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (k.includes('\u0000') || (typeof v === 'string' && v.includes('\u0000'))) return `${key}.${k.replace(/\u0000/g, '')}`;
      }
    }
  }
  return null;
}

export const nulRow = (column: string): NormalisedRow => ({
  ok: false,
  reason: `the ${column === 'value' ? 'value' : `"${column.slice(0, 40)}" column`} holds a NUL byte (\\u0000); save the file as UTF-8 text`,
});

/** A record as a JSON object or a bare string. */
export function normaliseRecord(record: unknown): NormalisedRow {
  const nul = nulColumn(record);
  if (nul !== null) return nulRow(nul);
  if (typeof record === 'string') return normaliseLoneValue(record);
  if (typeof record === 'number') return normaliseLoneValue(String(record));
  if (record && typeof record === 'object' && !Array.isArray(record)) {
    return normaliseFields(fieldsOfObject(record as Record<string, unknown>));
  }
  return { ok: false, reason: 'row is neither an object nor a text value' };
}
