/**
 * Normalisation of a person's identifiers as they arrive from files, forms and the Parsing Service.
 * The identity key (username, else platform user id, else phone) is what de-duplication compares.
 */
export interface TargetIdentity {
  username: string | null;
  user_id_platform: string | null;
  phone: string | null;
  first_name: string | null;
  last_name: string | null;
}

const USERNAME_RE = /^[a-zA-Z][a-zA-Z0-9_]{4,31}$/; // Telegram: 5–32 chars, starts with a letter

export function normaliseUsername(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  // Most rows hold a bare valid username: answer without the trimming and link stripping below.
  if (typeof raw === 'string' && USERNAME_RE.test(raw)) return raw;
  let s = String(raw).trim();
  if (!s) return null;
  s = s.replace(/^(https?:\/\/)?(www\.)?(t\.me|telegram\.me|telegram\.dog)\//i, '');
  s = s.replace(/^@/, '').split(/[/?#]/)[0]!.trim();
  return USERNAME_RE.test(s) ? s : null;
}

export function normaliseUserId(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  const s = typeof raw === 'number' ? (Number.isInteger(raw) ? String(raw) : '') : String(raw).trim();
  return /^\d{1,20}$/.test(s) && !/^0+$/.test(s) ? s.replace(/^0+/, '') : null;
}

/**
 * E.164: '+' then 8–15 digits. Accepts spaces, dashes, brackets and a leading 00 or bare digits. Eleven digits starting
 * with 8 and no '+' are the Russian (and Kazakh) domestic way of writing +7 — «8 (916) 123-45-67», «89161234567» —
 * which the audience's owners use all the time: read as +7, never as a +8… number.
 */
export function normalisePhone(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  let s = String(raw).trim();
  if (!s) return null;
  if (!/^[+\d\s\-().]+$/.test(s)) return null;
  const plus = s.startsWith('+');
  s = s.replace(/[^\d]/g, '');
  if (!plus && s.startsWith('00')) s = s.slice(2);
  else if (!plus && s.length === 11 && s.startsWith('8')) s = `7${s.slice(1)}`;
  if (s.length < 8 || s.length > 15 || s.startsWith('0')) return null;
  return `+${s}`;
}

/** A phone number as people other than its owner see it: country code and the last two digits. */
export function maskPhone(phone: string | null | undefined): string | null {
  return phone ? `${phone.slice(0, 4)}•••${phone.slice(-2)}` : null;
}

export function cleanName(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  const s = String(raw).replace(/\s+/g, ' ').trim();
  return s ? s.slice(0, 128) : null;
}

export function identityKey(t: Pick<TargetIdentity, 'username' | 'user_id_platform' | 'phone'>): string | null {
  if (t.username) return `u:${t.username.toLowerCase()}`;
  if (t.user_id_platform) return `id:${t.user_id_platform}`;
  if (t.phone) return `p:${t.phone}`;
  return null;
}

/** How a target is named in messages to people: @username, else phone, else «id 123» (the same in either language). */
export function describeTarget(t: Partial<TargetIdentity>): string {
  if (t.username) return `@${t.username}`;
  if (t.phone) return `${t.phone.slice(0, 4)}…${t.phone.slice(-2)}`;
  if (t.user_id_platform) return `id ${t.user_id_platform}`;
  return 'unknown user';
}
