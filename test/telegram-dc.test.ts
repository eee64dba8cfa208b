import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type errors } from 'telegram';
import type { StringSession } from 'telegram/sessions/index.js';
import { loginWithCode, rawClient, startTestDc, TEST_API_HASH, TEST_API_ID, type TestDc } from './mtproto-dc/index.js';
import { loadConfig } from '../src/config/config.js';
import { newTelegramClient, rsaFingerprint } from '../src/platform/telegram/telegram-dc.js';
import { createPublicKey } from 'node:crypto';

/**
 * GramJS's real TelegramClient against the loopback MTProto test DC (test/mtproto-dc): every login path
 * the product relies on, with the DC verifying what GramJS sends (SRP proof, auth key, message keys).
 */

let dc: TestDc;
const clients: { destroy(): Promise<void> }[] = [];
const track = <T extends { destroy(): Promise<void> }>(c: T) => {
  clients.push(c);
  return c;
};

beforeAll(async () => {
  dc = await startTestDc();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.destroy().catch(() => undefined)));
  await dc?.close();
});

const rpcError = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return err as errors.RPCError;
  }
  throw new Error('expected an RPC error');
};

describe('login through the test DC', () => {
  it('by code: the saved StringSession reconnects as the same user', async () => {
    const u = dc.world.addUser({ phone: '+15550100', username: 'code_user', firstName: 'Cody' });
    const session = await loginWithCode(dc, '+15550100');
    expect(session).toMatch(/^1/);
    expect(dc.world.callsOf('auth.SignIn', { ok: true })).toHaveLength(1);

    const again = track(rawClient(dc, session));
    await again.connect();
    const me = await again.getMe();
    expect(me.id.toString()).toBe(u.id.toString());
    expect(me.username).toBe('code_user');
    expect(me.self).toBe(true);
    // the DC saw that call on an auth key authorised for this user
    expect(dc.world.callsOf('users.GetUsers').at(-1)!.userId).toBe(u.id);
  });

  it('wrong and expired codes are refused; unknown phones are invalid', async () => {
    dc.world.addUser({ phone: '+15550101' });
    const c = track(rawClient(dc));
    await c.connect();
    const sent = await c.invoke(
      new Api.auth.SendCode({ phoneNumber: '+15550101', apiId: TEST_API_ID, apiHash: TEST_API_HASH, settings: new Api.CodeSettings({}) }),
    );
    expect(sent).toBeInstanceOf(Api.auth.SentCode);
    const hash = (sent as Api.auth.SentCode).phoneCodeHash;
    const wrong = dc.world.lastCode('+15550101') === '11111' ? '22222' : '11111';
    expect((await rpcError(c.invoke(new Api.auth.SignIn({ phoneNumber: '+15550101', phoneCodeHash: hash, phoneCode: wrong })))).errorMessage).toBe(
      'PHONE_CODE_INVALID',
    );
    dc.world.expireCodes('+15550101');
    expect(
      (await rpcError(c.invoke(new Api.auth.SignIn({ phoneNumber: '+15550101', phoneCodeHash: hash, phoneCode: dc.world.lastCode('+15550101') }))))
        .errorMessage,
    ).toBe('PHONE_CODE_EXPIRED');
    expect(
      (
        await rpcError(
          c.invoke(new Api.auth.SendCode({ phoneNumber: '+19990000', apiId: TEST_API_ID, apiHash: TEST_API_HASH, settings: new Api.CodeSettings({}) })),
        )
      ).errorMessage,
    ).toBe('PHONE_NUMBER_INVALID');
    // still not authorised
    expect(await c.checkAuthorization()).toBe(false);
  });

  it('by code + 2FA: the DC verifies the SRP proof; a wrong password is PASSWORD_HASH_INVALID', async () => {
    const u = dc.world.addUser({ phone: '+15550102', username: 'twofa_user', password: 'correct horse' });
    const c = track(rawClient(dc));
    await c.connect();
    const seen: string[] = [];
    const passwords = ['wrong battery', 'correct horse'];
    await c.start({
      phoneNumber: '+15550102',
      phoneCode: async () => dc.world.lastCode('+15550102')!,
      password: async () => passwords.shift()!,
      onError: async (err) => {
        seen.push((err as errors.RPCError).errorMessage ?? String(err));
        return false; // retry (next password)
      },
    });
    expect(seen).toEqual(['PASSWORD_HASH_INVALID']);
    expect(dc.world.callsOf('auth.CheckPassword').map((x) => x.error ?? 'ok')).toEqual(['PASSWORD_HASH_INVALID', 'ok']);
    expect((await c.getMe()).id.toString()).toBe(u.id.toString());
    // the session survives a reconnect
    const session = (c.session as StringSession).save();
    const again = track(rawClient(dc, session));
    await again.connect();
    expect((await again.getMe()).username).toBe('twofa_user');
  });

  it('by QR: exportLoginToken → acceptQr → LoginTokenSuccess (and 2FA after QR)', async () => {
    const u = dc.world.addUser({ phone: '+15550103', username: 'qr_user' });
    const c = track(rawClient(dc));
    await c.connect();
    const tokens: Buffer[] = [];
    const user = await c.signInUserWithQrCode(
      { apiId: TEST_API_ID, apiHash: TEST_API_HASH },
      {
        qrCode: async ({ token }) => {
          tokens.push(token);
          dc.world.acceptQr(u.id); // the person scans the code in their app
        },
        onError: async () => true,
      },
    );
    expect(user.id.toString()).toBe(u.id.toString());
    expect(tokens).toHaveLength(1);
    expect(dc.world.loginTokens.find((t) => t.token.equals(tokens[0]!))?.acceptedBy).toBe(u.id);
    expect((await c.getMe()).username).toBe('qr_user');

    const v = dc.world.addUser({ phone: '+15550104', username: 'qr_twofa', password: 'pw-104' });
    const c2 = track(rawClient(dc));
    await c2.connect();
    const user2 = await c2.signInUserWithQrCode(
      { apiId: TEST_API_ID, apiHash: TEST_API_HASH },
      {
        qrCode: async () => dc.world.acceptQr(v.id),
        password: async () => 'pw-104',
        onError: async () => true,
      },
    );
    expect(user2.id.toString()).toBe(v.id.toString());
    expect(dc.world.callsOf('auth.ExportLoginToken', { ok: false }).map((x) => x.error)).toContain('SESSION_PASSWORD_NEEDED');
  });

  it('PHONE_MIGRATE: a phone on DC 1 moves the client there, and its session stays there', async () => {
    const u = dc.world.addUser({ phone: '+15550105', username: 'migrant', dc: 1 });
    const session = await loginWithCode(dc, '+15550105');
    expect(
      dc.world
        .callsOf('auth.SendCode')
        .filter((x) => x.dcId === 2)
        .map((x) => x.error),
    ).toContain('PHONE_MIGRATE_1');
    expect(dc.world.callsOf('auth.SignIn', { ok: true }).at(-1)!.dcId).toBe(1);
    const again = track(rawClient(dc, session));
    expect(again.session.dcId).toBe(1);
    expect(again.session.serverAddress).toBe('127.0.0.2');
    await again.connect();
    expect((await again.getMe()).id.toString()).toBe(u.id.toString());
    expect(dc.world.callsOf('users.GetUsers').at(-1)!.dcId).toBe(1);
  });

  it('QR for an account on another DC: LoginTokenMigrateTo → importLoginToken there', async () => {
    const u = dc.world.addUser({ phone: '+15550110', username: 'qr_migrant', dc: 1 });
    const c = track(rawClient(dc));
    await c.connect();
    const user = await c.signInUserWithQrCode(
      { apiId: TEST_API_ID, apiHash: TEST_API_HASH },
      {
        qrCode: async () => dc.world.acceptQr(u.id),
        onError: async () => true,
      },
    );
    expect(user.id.toString()).toBe(u.id.toString());
    expect(dc.world.callsOf('auth.ImportLoginToken', { ok: true }).map((x) => x.dcId)).toEqual([1]);
    expect(c.session.dcId).toBe(1);
    const again = track(rawClient(dc, (c.session as StringSession).save()));
    await again.connect();
    expect((await again.getMe()).username).toBe('qr_migrant');
  });

  it('auth.logOut: the key is no longer authorised', async () => {
    dc.world.addUser({ phone: '+15550111', username: 'leaver' });
    const session = await loginWithCode(dc, '+15550111');
    const c = track(rawClient(dc, session));
    await c.connect();
    expect(await c.invoke(new Api.auth.LogOut())).toBeInstanceOf(Api.auth.LoggedOut);
    const again = track(rawClient(dc, session));
    await again.connect();
    expect(await again.checkAuthorization()).toBe(false);
  });

  it('killConnections: the client reconnects and the next call works', async () => {
    dc.world.addUser({ phone: '+15550106', username: 'reconnector' });
    const c = track(rawClient(dc, await loginWithCode(dc, '+15550106')));
    await c.connect();
    expect((await c.getMe()).username).toBe('reconnector');
    const before = dc.world.callsOf('users.GetUsers').length;
    dc.killConnections();
    const me = await c.getMe();
    expect(me.username).toBe('reconnector');
    expect(dc.world.callsOf('users.GetUsers').length).toBeGreaterThan(before);
  });

  it('revokeSessions: the next call is AUTH_KEY_UNREGISTERED; unknown methods are refused visibly', async () => {
    const u = dc.world.addUser({ phone: '+15550107', username: 'revoked' });
    const c = track(rawClient(dc, await loginWithCode(dc, '+15550107')));
    await c.connect();
    const err = await rpcError(c.invoke(new Api.help.GetTermsOfServiceUpdate()));
    expect(err.errorMessage).toBe('METHOD_NOT_SUPPORTED_BY_TEST_DC');
    expect(dc.world.unsupported).toContain('help.GetTermsOfServiceUpdate');
    dc.world.revokeSessions(u.id);
    expect((await rpcError(c.getMe())).errorMessage).toBe('AUTH_KEY_UNREGISTERED');
    expect(await c.checkAuthorization()).toBe(false);
  });
});

describe("the product's custom-DC client (src/platform/telegram/telegram-dc.ts)", () => {
  it('parses TELEGRAM_DC / TELEGRAM_DC_PUBLIC_KEY, computes the key fingerprint, and reaches the DC on its port', async () => {
    const config = loadConfig({ PLATFORM_MODE: 'telegram', ...dc.env(), TELEGRAM_DC_PUBLIC_KEY: dc.publicKeyPem.replace(/\n/g, '\\n') });
    expect(config.telegram.dc).toEqual({ id: 2, host: '127.0.0.1', port: dc.port });
    const jwk = createPublicKey(config.telegram.dcPublicKeyPem!).export({ format: 'jwk' }) as { n: string; e: string };
    expect(rsaFingerprint(Buffer.from(jwk.n, 'base64url'), Buffer.from(jwk.e, 'base64url'))).toBe(dc.fingerprint);
    expect(() => loadConfig({ TELEGRAM_DC: '127.0.0.1:443' })).toThrow(/TELEGRAM_DC/);
    expect(() => loadConfig({ TELEGRAM_DC_PUBLIC_KEY: 'not a key' })).toThrow(/TELEGRAM_DC_PUBLIC_KEY/);

    const u = dc.world.addUser({ phone: '+15550108', username: 'product_user' });
    const session = await loginWithCode(dc, '+15550108');
    const client = track(newTelegramClient(config.telegram, session));
    await client.connect();
    expect((await client.getMe()).id.toString()).toBe(u.id.toString());

    // a session that migrated to DC 1 (127.0.0.2) is reached there, on the same custom port
    const v = dc.world.addUser({ phone: '+15550109', username: 'product_migrant', dc: 1 });
    const migrated = track(newTelegramClient(config.telegram, await loginWithCode(dc, '+15550109')));
    await migrated.connect();
    expect((await migrated.getMe()).id.toString()).toBe(v.id.toString());
    expect(dc.world.callsOf('users.GetUsers').at(-1)).toMatchObject({ dcId: 1, userId: v.id });

    // a new login through the product's client starts on the configured DC
    const fresh = track(newTelegramClient(config.telegram, ''));
    await fresh.connect();
    expect(fresh.session.dcId).toBe(2);
    expect(dc.world.callsOf('help.GetConfig').length).toBeGreaterThan(0);
  });
});
