import { SignJWT, jwtVerify } from 'jose';
import { AppError } from '../shared/errors.js';

export interface AuthUser {
  userId: number;
  /** The caller's own bearer token, forwarded to the Parsing Service so it answers for this user only. */
  token: string;
}

export class JwtService {
  private readonly key: Uint8Array;
  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  async sign(userId: number, ttl = '12h'): Promise<string> {
    return new SignJWT({ user_id: userId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(userId))
      .setIssuedAt()
      .setExpirationTime(ttl)
      .sign(this.key);
  }

  /** The user id comes from the `user_id` claim, or from `sub` when it is numeric; nothing else is trusted. */
  async verify(authorization: string | undefined): Promise<AuthUser> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) throw new AppError(401, 'UNAUTHENTICATED', 'Sign in first: send an "Authorization: Bearer <token>" header.');
    const token = match[1]!;
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] }));
    } catch (err) {
      const expired = (err as { code?: string }).code === 'ERR_JWT_EXPIRED';
      throw new AppError(401, 'UNAUTHENTICATED', expired ? 'Your session token has expired; sign in again.' : 'The session token is not valid.');
    }
    const raw = payload.user_id ?? (typeof payload.sub === 'string' && /^\d+$/.test(payload.sub) ? payload.sub : undefined);
    const userId = Number(raw);
    if (!Number.isSafeInteger(userId) || userId <= 0) {
      throw new AppError(401, 'UNAUTHENTICATED', 'The token names no user (expected a numeric user_id or sub claim).');
    }
    return { userId, token };
  }
}
