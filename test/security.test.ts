import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SessionCrypto } from '../src/accounts/session-crypto.js';
import { normaliseRecord } from '../src/import/row-normaliser.js';
import { captureLogger } from './helpers/captured-logger.js';
import { makeTestApp, type TestApp } from './helpers/test-app.js';
import { multipartBody } from './helpers/multipart.js';
import { loginWithCode, startTestDc, type TestDc } from './mtproto-dc/index.js';

describe('secrets and phones never reach the logs', () => {
  it('redacts tokens, sessions and phones in structured fields and free text', () => {
    const { logger, lines } = captureLogger();
    logger.info(
      {
        req: { headers: { authorization: 'Bearer eyJsecret' } },
        session_string: '1AgAOMTQ5LjE1NC4xNjcuNTE',
        phone: '+14155550123',
        account: { phone: '+79161234567' },
      },
      'call from +14155550123',
    );
    const out = lines.join('');
    for (const secret of ['eyJsecret', '1AgAOMTQ5LjE1NC4xNjcuNTE', '+14155550123', '+79161234567']) expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED]');
  });

  describe('over HTTP', () => {
    let t: TestApp;
    let dc: TestDc;
    const { logger, lines } = captureLogger();
    beforeAll(async () => {
      // A session is checked with Telegram before it is kept: the loopback MTProto DC answers for Telegram.
      dc = await startTestDc();
      t = await makeTestApp({ PLATFORM_MODE: 'telegram', ...dc.env() }, { logger });
    }, 60_000);
    afterAll(async () => {
      await t?.close();
      await dc?.close();
    });

    it('stores the session encrypted, never returns it, never logs it or the bearer token', async () => {
      dc.world.addUser({ phone: '+14155550123', firstName: 'Real' });
      const session = await loginWithCode(dc, '+14155550123');
      const res = await t.api({ method: 'POST', url: '/api/v1/invite/accounts', payload: { label: 'Real', session_string: session } });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.body).not.toContain(session.slice(0, 60));
      expect(res.json.phone_masked).toBe('+141•••23');
      const row = await t.ctx.db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
      expect(row.session_encrypted).not.toContain(session.slice(0, 60));
      expect(t.ctx.crypto.decrypt(row.session_encrypted!)).toBe(session);
      const logs = lines.join('');
      expect(logs).not.toContain(session.slice(0, 60));
      expect(logs).not.toContain(await t.token());
      const bad = await t.api({ method: 'POST', url: '/api/v1/invite/accounts', payload: { label: 'Bad', session_string: 'not a session' } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json.message).toMatch(/StringSession/);
    });
  });
});

describe('session encryption', () => {
  it('round-trips and detects tampering', () => {
    const c = new SessionCrypto('a passphrase');
    const enc = c.encrypt('1BQANOTEuMTA4LjU2LjE');
    expect(c.decrypt(enc)).toBe('1BQANOTEuMTA4LjU2LjE');
    const parts = enc.split(':');
    parts[3] = Buffer.from('tampered').toString('base64');
    expect(() => c.decrypt(parts.join(':'))).toThrow();
    expect(() => new SessionCrypto('other').decrypt(enc)).toThrow();
  });
});

describe('importers under fuzzing', () => {
  it('normalising arbitrary records never throws', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        const r = normaliseRecord(v);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('arbitrary uploads never produce a 500', async () => {
    const names = ['a.csv', 'a.txt', 'a.json', 'a.xlsx', 'noext'];
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), fc.constantFrom(...names), async (bytes, name) => {
        const body = multipartBody(name, Buffer.from(bytes));
        const res = await t.api({ method: 'POST', url: '/api/v1/invite/import/file?dry_run=true', payload: body.payload, headers: body.headers });
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 400 }), fc.constantFrom('a.csv', 'a.json', 'a.txt'), async (text, name) => {
        const body = multipartBody(name, text);
        const res = await t.api({ method: 'POST', url: '/api/v1/invite/import/file?dry_run=true', payload: body.payload, headers: body.headers });
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  });
});
