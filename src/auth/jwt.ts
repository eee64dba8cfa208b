import { SignJWT, jwtVerify } from 'jose';
import { AppError } from '../shared/errors.js';

/** Who a verified token names, before the platform's email → id mapping (see platform-identity.ts). */
export type TokenSubject = { kind: 'user_id'; id: number } | { kind: 'email'; email: string };

export interface AuthUser {
  /** The tenant every row is scoped to: the platform's numeric user id, or a local tenant id (standalone). */
  userId: number;
  /** The platform's numeric user id (what the Parsing Service filters by); null for a local-only tenant. */
  platformUserId: number | null;
}

/**
 * Numeric user ids at or above this are local tenants (email subjects on an install with no API gateway).
 * Tokens naming such an id are refused, so a local tenant and a platform user can never share rows.
 */
export const LOCAL_TENANT_BASE = 2 ** 40;

const DECIMAL_ID = /^[1-9]\d{0,15}$/;
// Deliberately plain: one @, no spaces, a dot in the domain. The User Service issued it; we only tell it from an id.
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{1,63}$/;

function invalidClaim(): AppError {
  return new AppError(
    401,
    'UNAUTHENTICATED',
    'The token names no user: expected a positive whole-number user_id, or a sub that is a user id or an email address.',
    undefined,
    { key: 'UNAUTHENTICATED.no_user' },
  );
}

/** A user id exactly as the platform writes one: a JSON integer, or (in `sub`) its plain decimal string. */
function strictId(raw: unknown, allowString: boolean): number {
  let id: number;
  if (typeof raw === 'number') id = raw;
  else if (allowString && typeof raw === 'string' && DECIMAL_ID.test(raw)) id = Number(raw);
  else throw invalidClaim();
  if (!Number.isSafeInteger(id) || id <= 0 || id >= LOCAL_TENANT_BASE) throw invalidClaim();
  return id;
}

/**
 * Reads the subject of every token form the platform issues: inter-service `{"user_id": 1}`, legacy
 * `{"sub": "1"}` and the frontend's `{"sub": "user@example.com"}`. Anything looser (`true`, `[1]`, `"0x1"`,
 * `" 1 "`, `"1e0"`, floats, negatives, 2^53) is refused rather than guessed at.
 */
export function subjectOf(payload: Record<string, unknown>): TokenSubject {
  if (payload.user_id !== undefined) return { kind: 'user_id', id: strictId(payload.user_id, false) };
  const sub = payload.sub;
  if (typeof sub !== 'string') throw invalidClaim();
  if (DECIMAL_ID.test(sub)) return { kind: 'user_id', id: strictId(sub, true) };
  if (sub.length <= 254 && EMAIL.test(sub)) return { kind: 'email', email: sub.toLowerCase() };
  throw invalidClaim();
}

/** How many verified tokens are remembered, and for how long at most (never past the token's own `exp`). */
const VERIFIED_CACHE_SIZE = 1000;
const VERIFIED_CACHE_MS = 60_000;

export class JwtService {
  private readonly key: Uint8Array;
  /**
   * Tokens already verified, keyed by the exact token string (so any change to it is a miss), each until
   * min(its `exp`, 60 s from verification): a UI polling every second verifies its token once a minute instead of
   * on every call. Least recently used entries go first. Only successful verifications are remembered.
   */
  private readonly verified = new Map<string, { subject: TokenSubject; until: number }>();
  constructor(
    secret: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async sign(userId: number, ttl = '12h'): Promise<string> {
    return new SignJWT({ user_id: userId }).setProtectedHeader({ alg: 'HS256' }).setSubject(String(userId)).setIssuedAt().setExpirationTime(ttl).sign(this.key);
  }

  /**
   * The token the platform's services send each other: `{"user_id": N}` under the shared secret. Minted per
   * call and short-lived, so nothing long-lived acting for a user is ever kept (background imports included).
   */
  async signService(platformUserId: number, ttlSeconds = 60): Promise<string> {
    return new SignJWT({ user_id: platformUserId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.key);
  }

  async verify(authorization: string | undefined): Promise<TokenSubject> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match)
      throw new AppError(401, 'UNAUTHENTICATED', 'Sign in first: send an "Authorization: Bearer <token>" header.', undefined, {
        key: 'UNAUTHENTICATED.missing',
      });
    const token = match[1]!;
    const now = this.now();
    const hit = this.verified.get(token);
    if (hit) {
      this.verified.delete(token);
      if (hit.until > now) {
        this.verified.set(token, hit);
        return hit.subject;
      }
    }
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], currentDate: new Date(now) }));
    } catch (err) {
      const expired = (err as { code?: string }).code === 'ERR_JWT_EXPIRED';
      throw new AppError(401, 'UNAUTHENTICATED', expired ? 'Your session token has expired; sign in again.' : 'The session token is not valid.', undefined, {
        key: expired ? 'UNAUTHENTICATED.expired' : 'UNAUTHENTICATED.invalid',
      });
    }
    const subject = subjectOf(payload);
    const exp = typeof payload.exp === 'number' ? payload.exp * 1000 : Number.POSITIVE_INFINITY;
    const until = Math.min(exp, now + VERIFIED_CACHE_MS);
    if (until > now) {
      if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { subject, until });
    }
    return subject;
  }
}
