import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { JwtService } from '../src/auth/jwt.js';

const SECRET = 'jwt-cache-test-secret-0123456789abcdef';
const key = new TextEncoder().encode(SECRET);

describe('JwtService verified-token cache', () => {
  it("answers a repeated token from the cache, but never past the token's expiry", async () => {
    let now = Date.now();
    const jwt = new JwtService(SECRET, () => now);
    const exp = Math.floor(now / 1000) + 5;
    const token = await new SignJWT({ user_id: 7 }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).sign(key);
    expect(await jwt.verify(`Bearer ${token}`)).toEqual({ kind: 'user_id', id: 7 });
    expect(await jwt.verify(`Bearer ${token}`)).toEqual({ kind: 'user_id', id: 7 });
    now = exp * 1000; // the moment it expires, the cached entry is gone too
    await expect(jwt.verify(`Bearer ${token}`)).rejects.toMatchObject({ statusCode: 401 });
  });

  it('does not remember failures, and a changed token string is verified afresh', async () => {
    const jwt = new JwtService(SECRET);
    const token = await new SignJWT({ user_id: 8 }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(key);
    expect(await jwt.verify(`Bearer ${token}`)).toEqual({ kind: 'user_id', id: 8 });
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    await expect(jwt.verify(`Bearer ${tampered}`)).rejects.toMatchObject({ statusCode: 401 });
    const other = await new SignJWT({ user_id: 9 })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-0123456789abcdefgh'));
    await expect(jwt.verify(`Bearer ${other}`)).rejects.toMatchObject({ statusCode: 401 });
    await expect(jwt.verify(`Bearer ${other}`)).rejects.toMatchObject({ statusCode: 401 });
  });
});
