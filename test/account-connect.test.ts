import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger } from './helpers/captured-logger.js';
import { makeTestApp, type TestApp } from './helpers/test-app.js';
import { loginWithCode, startTestDc, type TestDc } from './mtproto-dc/index.js';

/**
 * Connecting Telegram accounts from the API, against the loopback MTProto test DC: GramJS's real client
 * speaks real MTProto to it (codes, SRP 2FA, QR login tokens, DC migration, revoked sessions, auth.logOut).
 */

const LOGIN = '/api/v1/invite/accounts/login';

describe('connecting a Telegram account (loopback MTProto DC)', () => {
  let dc: TestDc;
  let t: TestApp;
  const { logger, lines } = captureLogger();
  /** Every response body, to prove no session string ever leaves the server. */
  const bodies: string[] = [];
  let phoneSeq = 0;
  const newPhone = () => `+1555${String(200000 + phoneSeq++).padStart(7, '0')}`;

  const api = async (opts: Parameters<TestApp['api']>[0]) => {
    const res = await t.api(opts);
    bodies.push(res.body);
    return res;
  };
  const startPhone = (phone: string, user = 1) => api({ method: 'POST', url: `${LOGIN}/phone`, payload: { phone }, user });
  const sendCode = (attempt: string, code: string, user = 1) => api({ method: 'POST', url: `${LOGIN}/${attempt}/code`, payload: { code }, user });
  const sendPassword = (attempt: string, password: string, user = 1) =>
    api({ method: 'POST', url: `${LOGIN}/${attempt}/password`, payload: { password }, user });

  /** A full login by code; returns the connected account. */
  async function connectByCode(phone: string, user = 1, password?: string) {
    const start = await startPhone(phone, user);
    expect(start.statusCode, start.body).toBe(201);
    let res = await sendCode(start.json.attempt_id, dc.world.lastCode(phone)!, user);
    if (password) {
      expect(res.json.state).toBe('password_needed');
      res = await sendPassword(start.json.attempt_id, password, user);
    }
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json.state).toBe('done');
    return res.json;
  }

  beforeAll(async () => {
    dc = await startTestDc();
    t = await makeTestApp(
      { PLATFORM_MODE: 'telegram', ...dc.env() },
      { logger, telegramLogin: { qrRecheckMs: 0, stepTimeoutMs: 15_000, logoutTimeoutMs: 3_000 } },
    );
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await dc?.close();
  });

  it('connects by phone and code: the account appears with name, @username and a masked phone', async () => {
    const phone = newPhone();
    dc.world.addUser({ phone, username: 'anna_sender', firstName: 'Anna', lastName: 'Petrova' });
    const start = await startPhone(phone);
    expect(start.statusCode, start.body).toBe(201);
    expect(start.json).toMatchObject({ state: 'code_sent', method: 'phone' });
    expect(start.json.attempt_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof start.json.code_type).toBe('string');
    expect(new Date(start.json.expires_at).getTime()).toBeGreaterThan(t.clock.now().getTime());
    expect(start.body).not.toContain(phone);

    const done = await sendCode(start.json.attempt_id, dc.world.lastCode(phone)!);
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json.state).toBe('done');
    expect(done.json.account).toMatchObject({
      label: 'Anna Petrova',
      tg_name: 'Anna Petrova',
      tg_username: 'anna_sender',
      status: 'ACTIVE',
      platform_mode: 'telegram',
    });
    expect(done.json.account.phone_masked).toBe(`${phone.slice(0, 4)}•••${phone.slice(-2)}`);

    const list = await api({ method: 'GET', url: '/api/v1/invite/accounts' });
    expect(list.json.items.map((a: { id: number }) => a.id)).toContain(done.json.account.id);
    const row = await t.ctx.db.selectFrom('accounts').selectAll().where('id', '=', done.json.account.id).executeTakeFirstOrThrow();
    expect(row.user_id).toBe(1);
    expect(row.session_encrypted).toMatch(/^v1:/);
    // The attempt is finished and keeps no session.
    const attempt = await t.ctx.db.selectFrom('telegram_login_attempts').selectAll().where('id', '=', start.json.attempt_id).executeTakeFirstOrThrow();
    expect(attempt).toMatchObject({ state: 'done', session_encrypted: null, account_id: row.id });
    const poll = await api({ method: 'GET', url: `${LOGIN}/${start.json.attempt_id}` });
    expect(poll.json).toMatchObject({ state: 'done', account_id: row.id });
  });

  it('a wrong code is refused at the code field and the attempt stays usable', async () => {
    const phone = newPhone();
    dc.world.addUser({ phone, firstName: 'Boris' });
    const start = await startPhone(phone);
    const wrong = await sendCode(start.json.attempt_id, '00000');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json).toMatchObject({ error: 'PHONE_CODE_INVALID', field: 'code' });
    expect(wrong.json.message).toMatch(/code is wrong/);
    const right = await sendCode(start.json.attempt_id, dc.world.lastCode(phone)!);
    expect(right.json.state).toBe('done');
  });

  it('asks for the 2FA password; a wrong password keeps the attempt usable; the right one connects', async () => {
    const phone = newPhone();
    dc.world.addUser({ phone, firstName: 'Vera', password: 'correct horse' });
    const start = await startPhone(phone);
    const needs = await sendCode(start.json.attempt_id, dc.world.lastCode(phone)!);
    expect(needs.statusCode, needs.body).toBe(200);
    expect(needs.json.state).toBe('password_needed');
    expect('hint' in needs.json).toBe(true);
    // The code step is over: sending a code again is the wrong step.
    expect((await sendCode(start.json.attempt_id, '12345')).json.error).toBe('WRONG_STEP');

    const wrong = await sendPassword(start.json.attempt_id, 'battery staple');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json).toMatchObject({ error: 'PASSWORD_HASH_INVALID', field: 'password' });
    expect((await api({ method: 'GET', url: `${LOGIN}/${start.json.attempt_id}` })).json.state).toBe('password_needed');

    const ok = await sendPassword(start.json.attempt_id, 'correct horse');
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json.account.tg_name).toBe('Vera');
  });

  it('follows PHONE_MIGRATE to the DC the number lives on', async () => {
    const phone = newPhone();
    dc.world.addUser({ phone, firstName: 'Migrant', dc: 1 });
    const account = (await connectByCode(phone, 4)).account;
    expect(account.tg_name).toBe('Migrant');
    expect(dc.world.calls.some((c) => c.method === 'auth.SendCode' && c.error === 'PHONE_MIGRATE_1')).toBe(true);
  });

  it('answers Telegram refusals with a stable code, a sentence and the field: invalid number, FloodWait, expired code', async () => {
    const unknown = await startPhone('+15559999999', 2);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json).toMatchObject({ error: 'PHONE_NUMBER_INVALID', field: 'phone' });
    const malformed = await startPhone('call me', 2);
    expect(malformed.json).toMatchObject({ error: 'PHONE_NUMBER_INVALID', field: 'phone' });

    const phone = newPhone();
    dc.world.addUser({ phone });
    dc.world.injectError('auth.SendCode', 'FLOOD_WAIT_30');
    const flood = await startPhone(phone, 2);
    expect(flood.statusCode).toBe(429);
    expect(flood.json).toMatchObject({ error: 'FLOOD_WAIT', field: 'phone', retry_after: 30 });
    expect(flood.json.message).toMatch(/wait 30 s/);

    const start = await startPhone(phone, 2);
    dc.world.expireCodes(phone);
    const expired = await sendCode(start.json.attempt_id, dc.world.lastCode(phone)!, 2);
    expect(expired.statusCode).toBe(400);
    expect(expired.json).toMatchObject({ error: 'PHONE_CODE_EXPIRED', field: 'code' });
    // That attempt is over; a new one works.
    expect((await sendCode(start.json.attempt_id, '1', 2)).json.error).toBe('LOGIN_EXPIRED');
  });

  it('connects by QR code: an image, refreshed, accepted when the phone scans it', async () => {
    const user = dc.world.addUser({ phone: newPhone(), username: 'qr_person', firstName: 'Quentin' });
    const start = await api({ method: 'POST', url: `${LOGIN}/qr` });
    expect(start.statusCode, start.body).toBe(201);
    expect(start.json.state).toBe('qr');
    expect(start.json.qr_url).toMatch(/^tg:\/\/login\?token=[A-Za-z0-9_-]+$/);
    expect(start.json.qr_svg).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(start.json.qr_svg.split(',')[1], 'base64').toString()).toContain('<svg');
    expect(start.json.qr_expires_in).toBeGreaterThan(0);

    const waiting = await api({ method: 'GET', url: `${LOGIN}/${start.json.attempt_id}` });
    expect(waiting.json.state).toBe('qr');

    dc.world.acceptQr(user.id);
    let res = waiting;
    for (let i = 0; i < 20 && res.json.state === 'qr'; i++) {
      res = await api({ method: 'GET', url: `${LOGIN}/${start.json.attempt_id}` });
      if (res.json.state === 'qr') await new Promise((r) => setTimeout(r, 100));
    }
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json.state).toBe('done');
    expect(res.json.account).toMatchObject({ tg_username: 'qr_person', tg_name: 'Quentin' });
  });

  it('QR login of an account on another DC: LoginTokenMigrateTo, then importLoginToken there', async () => {
    const user = dc.world.addUser({ phone: newPhone(), firstName: 'Faraway', dc: 1 });
    const start = await api({ method: 'POST', url: `${LOGIN}/qr`, user: 5 });
    dc.world.acceptQr(user.id);
    let res = start;
    for (let i = 0; i < 20 && res.json.state === 'qr'; i++) {
      res = await api({ method: 'GET', url: `${LOGIN}/${start.json.attempt_id}`, user: 5 });
      if (res.json.state === 'qr') await new Promise((r) => setTimeout(r, 100));
    }
    expect(res.json.state, res.body).toBe('done');
    expect(res.json.account.tg_name).toBe('Faraway');
    expect(dc.world.callsOf('auth.ImportLoginToken', { ok: true }).some((c) => c.dcId === 1)).toBe(true);
  });

  it('the QR code is replaced when its token is about to expire', async () => {
    const start = await api({ method: 'POST', url: `${LOGIN}/qr`, user: 6 });
    const live = (t.ctx.telegramLogin as any).live.get(start.json.attempt_id);
    live.qr.expires = Math.floor(Date.now() / 1000) + 2; // Telegram's token is about to lapse
    const next = await api({ method: 'GET', url: `${LOGIN}/${start.json.attempt_id}`, user: 6 });
    expect(next.json.state).toBe('qr');
    expect(next.json.qr_url).not.toBe(start.json.qr_url);
    expect(next.json.qr_expires_in).toBeGreaterThan(10);
    await api({ method: 'DELETE', url: `${LOGIN}/${start.json.attempt_id}`, user: 6 });
  });

  it('a login begun by another API process resumes from its encrypted session', async () => {
    const phone = newPhone();
    dc.world.addUser({ phone, firstName: 'Resumed' });
    const start = await startPhone(phone, 9);
    // This process forgets the live client, as if the code step reached another process.
    await (t.ctx.telegramLogin as any).dropLive(start.json.attempt_id);
    const done = await sendCode(start.json.attempt_id, dc.world.lastCode(phone)!, 9);
    expect(done.json.state, done.body).toBe('done');
    expect(done.json.account.tg_name).toBe('Resumed');
  });

  it('QR login of an account with 2FA asks for the password', async () => {
    const user = dc.world.addUser({ phone: newPhone(), firstName: 'Secret', password: 'pw-2fa' });
    const start = await api({ method: 'POST', url: `${LOGIN}/qr` });
    dc.world.acceptQr(user.id);
    let res = start;
    for (let i = 0; i < 20 && res.json.state === 'qr'; i++) {
      res = await api({ method: 'GET', url: `${LOGIN}/${start.json.attempt_id}` });
      if (res.json.state === 'qr') await new Promise((r) => setTimeout(r, 100));
    }
    expect(res.json.state).toBe('password_needed');
    const ok = await sendPassword(start.json.attempt_id, 'pw-2fa');
    expect(ok.json.state, ok.body).toBe('done');
  });

  it('an attempt expires after 10 minutes; its client is let go', async () => {
    const phone = newPhone();
    dc.world.addUser({ phone });
    const start = await startPhone(phone, 3);
    t.clock.advanceSeconds(11 * 60);
    const poll = await api({ method: 'GET', url: `${LOGIN}/${start.json.attempt_id}`, user: 3 });
    expect(poll.json.state).toBe('expired');
    const late = await sendCode(start.json.attempt_id, dc.world.lastCode(phone)!, 3);
    expect(late.statusCode).toBe(410);
    expect(late.json).toMatchObject({ error: 'LOGIN_EXPIRED', field: 'code' });
    const row = await t.ctx.db.selectFrom('telegram_login_attempts').selectAll().where('id', '=', start.json.attempt_id).executeTakeFirstOrThrow();
    expect(row.session_encrypted).toBeNull();

    // Nobody polls: the sweeper expires it, forgets its session and disconnects its client.
    const phone2 = newPhone();
    dc.world.addUser({ phone: phone2 });
    const idle = await startPhone(phone2, 3);
    const live = (t.ctx.telegramLogin as any).live;
    expect(live.get(idle.json.attempt_id).client.connected).toBe(true);
    const client = live.get(idle.json.attempt_id).client;
    t.clock.advanceSeconds(11 * 60);
    await t.ctx.telegramLogin.sweep();
    expect(live.has(idle.json.attempt_id)).toBe(false);
    expect(client.connected).toBe(false);
    const swept = await t.ctx.db.selectFrom('telegram_login_attempts').selectAll().where('id', '=', idle.json.attempt_id).executeTakeFirstOrThrow();
    expect(swept).toMatchObject({ state: 'expired', session_encrypted: null });
  });

  it("another user's attempt is 404; the sandbox refuses with a sentence", async () => {
    const phone = newPhone();
    dc.world.addUser({ phone });
    const start = await startPhone(phone, 7);
    for (const res of [
      await api({ method: 'GET', url: `${LOGIN}/${start.json.attempt_id}`, user: 8 }),
      await sendCode(start.json.attempt_id, dc.world.lastCode(phone)!, 8),
      await api({ method: 'DELETE', url: `${LOGIN}/${start.json.attempt_id}`, user: 8 }),
      await api({ method: 'GET', url: `${LOGIN}/not-an-id`, user: 7 }),
    ])
      expect(res.statusCode, res.body).toBe(404);
    expect((await api({ method: 'DELETE', url: `${LOGIN}/${start.json.attempt_id}`, user: 7 })).statusCode).toBe(204);
    expect((await api({ method: 'GET', url: `${LOGIN}/${start.json.attempt_id}`, user: 7 })).json.state).toBe('cancelled');

    const sandbox = await makeTestApp();
    try {
      const res = await sandbox.api({ method: 'POST', url: `${LOGIN}/phone`, payload: { phone: '+15550000000' } });
      expect(res.statusCode).toBe(409);
      expect(res.json).toMatchObject({ error: 'SANDBOX_MODE', field: null });
      expect(res.json.message).toMatch(/sandbox/);
      expect((await sandbox.api({ method: 'POST', url: `${LOGIN}/qr` })).statusCode).toBe(409);
    } finally {
      await sandbox.close();
    }
  });

  it('limits code requests: 5 per user per hour, and 5 per phone whoever asks', async () => {
    const phone = newPhone();
    dc.world.addUser({ phone });
    for (let i = 0; i < 5; i++) expect((await startPhone(phone, 20)).statusCode).toBe(201);
    const sixth = await startPhone(newPhone(), 20);
    expect(sixth.statusCode).toBe(429);
    expect(sixth.json).toMatchObject({ error: 'TOO_MANY_CODE_REQUESTS', field: 'phone' });
    const otherUser = await startPhone(phone, 21);
    expect(otherUser.statusCode).toBe(429);
    expect(otherUser.json.message).toMatch(/this phone number/);
    t.clock.advanceSeconds(61 * 60);
    expect((await startPhone(phone, 21)).statusCode).toBe(201);
  });

  it('the same Telegram account twice: the owner reconnects it (no duplicate); another user is refused', async () => {
    const phone = newPhone();
    dc.world.addUser({ phone, firstName: 'Twice' });
    const first = (await connectByCode(phone, 30)).account;
    const again = await connectByCode(phone, 30);
    expect(again.reconnected).toBe(true);
    expect(again.account.id).toBe(first.id);
    expect((await api({ method: 'GET', url: '/api/v1/invite/accounts', user: 30 })).json.items).toHaveLength(1);

    const start = await startPhone(phone, 31);
    const refused = await sendCode(start.json.attempt_id, dc.world.lastCode(phone)!, 31);
    expect(refused.statusCode).toBe(409);
    expect(refused.json.error).toBe('ACCOUNT_OWNED_ELSEWHERE');
    expect((await api({ method: 'GET', url: '/api/v1/invite/accounts', user: 31 })).json.items).toHaveLength(0);
  });

  it("a pasted StringSession is asked who it is first: the same account is one row (one set of limits), another user's is refused, a revoked one is not kept", async () => {
    const phone = newPhone();
    const user = dc.world.addUser({ phone, firstName: 'Pasted', username: 'pasted_one' });
    const paste = (session: string, who: number, label = 'Моя сессия') =>
      api({ method: 'POST', url: '/api/v1/invite/accounts', payload: { label, session_string: session }, user: who, headers: { 'accept-language': 'ru' } });
    const first = await paste(await loginWithCode(dc, phone), 60);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json).toMatchObject({ label: 'Моя сессия', tg_name: 'Pasted', tg_username: 'pasted_one', status: 'ACTIVE', reconnected: false });
    const count = async (who: number) => (await api({ method: 'GET', url: '/api/v1/invite/accounts', user: who })).json.items.length;

    // The same account again — a new session pasted, and a login by code — is the same row with its session replaced.
    const again = await paste(await loginWithCode(dc, phone), 60, 'Ещё раз');
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json).toMatchObject({ id: first.json.id, reconnected: true, label: 'Моя сессия' });
    expect((await connectByCode(phone, 60)).account.id).toBe(first.json.id);
    expect(await count(60)).toBe(1);

    // Another user of the service: refused in their language, nothing stored, and the session is not logged out
    // (it may be the one the owner's account runs on).
    const theirs = await loginWithCode(dc, phone);
    const logoutsBefore = dc.world.callsOf('auth.LogOut', { ok: true }).length;
    const refused = await paste(theirs, 61);
    expect(refused.statusCode).toBe(409);
    expect(refused.json).toMatchObject({ error: 'ACCOUNT_OWNED_ELSEWHERE', message: expect.stringContaining('уже подключён другим пользователем') });
    expect(await count(61)).toBe(0);
    expect(dc.world.callsOf('auth.LogOut', { ok: true }).length).toBe(logoutsBefore);

    // A session Telegram no longer accepts: refused at its field, nothing stored.
    const dead = await loginWithCode(dc, phone);
    dc.world.revokeSessions(user.id);
    const revoked = await paste(dead, 62);
    expect(revoked.statusCode, revoked.body).toBe(400);
    expect(revoked.json.error).toBe('SESSION_REVOKED');
    expect(revoked.json.message).toContain('Telegram не принимает эту сессию');
    expect(revoked.json.details).toEqual([expect.objectContaining({ field: 'session_string' })]);
    expect(await count(62)).toBe(0);
  });

  it("another API process connecting the same account between this one's look and its insert: one row, this paste a reconnection", async () => {
    const phone = newPhone();
    dc.world.addUser({ phone, firstName: 'Racing' });
    const [mine, theirs] = [await loginWithCode(dc, phone), await loginWithCode(dc, phone)];
    // The other process's insert lands just before this one's: the look found no row, the insert meets one.
    const accounts = t.ctx.accounts;
    const create = accounts.create.bind(accounts);
    let raced = 0;
    accounts.create = async (...args) => {
      accounts.create = create;
      raced++;
      await create(63, { label: 'Другой процесс', session_string: theirs }, args[2]);
      return create(...args);
    };
    try {
      const res = await api({ method: 'POST', url: '/api/v1/invite/accounts', payload: { label: 'Гонка', session_string: mine }, user: 63 });
      expect(raced).toBe(1);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json).toMatchObject({ reconnected: true, label: 'Другой процесс', status: 'ACTIVE' });
    } finally {
      accounts.create = create;
    }
    expect((await api({ method: 'GET', url: '/api/v1/invite/accounts', user: 63 })).json.items).toHaveLength(1);
  });

  it('a row connected before sessions were asked who they are, found by the health check to be another row’s account, is retired', async () => {
    const phone = newPhone();
    dc.world.addUser({ phone, firstName: 'Twin' });
    const { account } = await connectByCode(phone, 64);
    // As a StringSession was stored before: no identity, no question asked.
    const legacy = await t.ctx.accounts.create(64, { label: 'Старая строка', session_string: await loginWithCode(dc, phone) });
    const res = await api({ method: 'POST', url: `/api/v1/invite/accounts/${legacy.id}/check`, user: 64, headers: { 'accept-language': 'ru' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json).toMatchObject({ ok: false, code: 'ACCOUNT_CONNECTED_TWICE', account: { id: legacy.id, status: 'DEAUTHORIZED' } });
    expect(res.json.account.status_reason).toContain('уже подключён у вас под другим именем');
    // The account connected properly keeps working.
    const kept = await api({ method: 'POST', url: `/api/v1/invite/accounts/${account.id}/check`, user: 64 });
    expect(kept.json).toMatchObject({ ok: true, account: { status: 'ACTIVE' } });
  });

  it('health check refreshes the profile and retires a revoked session with the reason', async () => {
    const phone = newPhone();
    const user = dc.world.addUser({ phone, firstName: 'Healthy', username: 'healthy_one' });
    const { account } = await connectByCode(phone, 40);
    user.firstName = 'Renamed';
    const ok = await api({ method: 'POST', url: `/api/v1/invite/accounts/${account.id}/check`, user: 40 });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json).toMatchObject({ ok: true, account: { tg_name: 'Renamed', status: 'ACTIVE' } });
    expect((await api({ method: 'POST', url: `/api/v1/invite/accounts/${account.id}/check`, user: 41 })).statusCode).toBe(404);

    dc.world.revokeSessions(user.id);
    const dead = await api({ method: 'POST', url: `/api/v1/invite/accounts/${account.id}/check`, user: 40 });
    expect(dead.statusCode, dead.body).toBe(200);
    expect(dead.json).toMatchObject({ ok: false, code: 'AUTH_KEY_UNREGISTERED', account: { status: 'DEAUTHORIZED' } });
    expect(dead.json.account.status_reason).toMatch(/logged out/);

    // Connecting it again brings the same account back to life.
    const back = await connectByCode(phone, 40);
    expect(back.account).toMatchObject({ id: account.id, status: 'ACTIVE' });
  });

  it('rename, then remove: the session is logged out on Telegram first', async () => {
    const phone = newPhone();
    const user = dc.world.addUser({ phone, firstName: 'Leaving' });
    const { account } = await connectByCode(phone, 50);
    const renamed = await api({ method: 'PATCH', url: `/api/v1/invite/accounts/${account.id}`, payload: { label: 'Sales desk' }, user: 50 });
    expect(renamed.json.label).toBe('Sales desk');
    const before = dc.world.callsOf('auth.LogOut', { ok: true }).length;
    const del = await api({ method: 'DELETE', url: `/api/v1/invite/accounts/${account.id}`, user: 50 });
    expect(del.statusCode).toBe(204);
    const logouts = dc.world.callsOf('auth.LogOut', { ok: true });
    expect(logouts.length).toBe(before + 1);
    expect(logouts.at(-1)!.userId).toBe(user.id);
    expect((await api({ method: 'GET', url: '/api/v1/invite/accounts', user: 50 })).json.items).toHaveLength(0);
  });

  it('never returns or logs a session string', async () => {
    const rows = await t.ctx.db.selectFrom('accounts').select('session_encrypted').where('session_encrypted', 'is not', null).execute();
    expect(rows.length).toBeGreaterThan(3);
    const sessions = rows.map((r) => t.ctx.crypto.decrypt(r.session_encrypted!));
    const everything = bodies.join('\n') + lines.join('');
    for (const s of sessions) {
      expect(everything).not.toContain(s);
      expect(everything).not.toContain(s.slice(0, 60));
    }
    expect(lines.some((l) => l.includes('telegram login: account connected'))).toBe(true);
    for (const pw of ['correct horse', 'battery staple', 'pw-2fa']) expect(everything).not.toContain(pw);
  });
});
