import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';
import { startTestDc, type TestDc } from './mtproto-dc/index.js';
import { startSocks5Proxy, type Socks5Proxy } from './socks5-proxy.js';
import { startHttpConnectProxy } from './http-connect-proxy.js';
import { closedPort } from './helpers/loopback-sockets.js';
import { describeProxy, parseProxy, ProxyFormatError } from '../src/platform/telegram/telegram-proxy.js';
import { runVirtual } from '../src/scheduler/worker-loop.js';

/**
 * Each Telegram account may reach Telegram through its own proxy (SOCKS or HTTP): its login goes through it, then every
 * connection the worker and the health check make. Proved with GramJS's real client, a real SOCKS5 proxy
 * (test/socks5-proxy.ts, with a login), a real HTTP CONNECT proxy (test/http-connect-proxy.ts, with a login) and the
 * loopback MTProto DC, all over real sockets.
 */

describe('what a proxy may be typed as', () => {
  it('takes SOCKS5 (with or without a login), SOCKS4, HTTP, a bare host:port and a shop’s host:port:login:password; refuses the rest with a sentence', () => {
    expect(parseProxy(' socks5://ivan:p%40ss@proxy.example.com:1080 ')).toEqual({
      kind: 'socks5',
      host: 'proxy.example.com',
      port: 1080,
      username: 'ivan',
      password: 'p@ss',
    });
    // No kind typed: SOCKS5 until the proxy is asked (proxy-kind.ts).
    expect(parseProxy('10.0.0.7:9050')).toEqual({ kind: 'socks5', host: '10.0.0.7', port: 9050, kindGuessed: true });
    expect(parseProxy('socks4://[2001:db8::1]:1080')).toEqual({ kind: 'socks4', host: '2001:db8::1', port: 1080 });
    expect(describeProxy(parseProxy('socks5://ivan:secret@proxy.example.com:1080'))).toBe('socks5://ivan:•••@proxy.example.com:1080');
    expect(parseProxy('http://ivan:secret@proxy.example.com:3128')).toEqual({
      kind: 'http',
      host: 'proxy.example.com',
      port: 3128,
      username: 'ivan',
      password: 'secret',
    });
    expect(parseProxy('HTTP://proxy.example.com:80')).toEqual({ kind: 'http', host: 'proxy.example.com', port: 80 });
    // As proxy shops list them: host:port:login:password, the kind asked of the proxy unless a scheme says it; a password may hold ':'.
    expect(parseProxy('193.0.2.15:8000:kL9x2:Pw:7z@')).toEqual({
      kind: 'socks5',
      host: '193.0.2.15',
      port: 8000,
      username: 'kL9x2',
      password: 'Pw:7z@',
      kindGuessed: true,
    });
    expect(parseProxy('http://193.0.2.15:8000:kL9x2:q1w2')).toEqual({ kind: 'http', host: '193.0.2.15', port: 8000, username: 'kL9x2', password: 'q1w2' });
    expect(describeProxy(parseProxy('http://193.0.2.15:8000:kL9x2:q1w2'))).toBe('http://kL9x2:•••@193.0.2.15:8000');
    const refusal = (text: string) => {
      try {
        parseProxy(text);
      } catch (err) {
        expect(err).toBeInstanceOf(ProxyFormatError);
        return (err as ProxyFormatError).text.ru;
      }
      throw new Error(`${text} was taken`);
    };
    expect(refusal('socks5://proxy.example.com')).toBe('укажите порт прокси: socks5://хост:порт');
    expect(refusal('http://proxy.example.com')).toBe('укажите порт прокси: http://хост:порт');
    expect(refusal('https://proxy.example.com:443')).toMatch(/^прокси с TLS \(https:\/\/\) не поддерживается: укажите его как http:\/\/хост:порт/);
    expect(refusal('ftp://proxy.example.com:21')).toMatch(/^прокси «ftp» не поддерживается: нужен SOCKS5, SOCKS4 или HTTP/);
    expect(refusal('https://t.me/proxy?server=1.2.3.4&port=443&secret=dd00')).toMatch(/^MTProxy пока не поддерживается/);
    expect(refusal('socks5://proxy.example.com:99999')).toMatch(/^укажите прокси как socks5:/);
    expect(refusal('socks4://u:p@h.example:1080')).toMatch(/^у SOCKS4 нет пароля/);
    expect(refusal('просто текст')).toMatch(/^укажите прокси как socks5:/);
  });
});

describe('an account connected through its own SOCKS5 proxy (loopback MTProto DC)', () => {
  let dc: TestDc;
  let t: TestApp;
  let proxy: Socks5Proxy;
  let deadPort: number;
  const ru = { 'accept-language': 'ru' };
  const LOGIN = '/api/v1/invite/accounts/login';

  beforeAll(async () => {
    dc = await startTestDc();
    proxy = await startSocks5Proxy({ username: 'ivan', password: 's3cret' });
    // A port nothing listens on: a proxy that is down.
    deadPort = await closedPort();
    t = await makeTestApp({ PLATFORM_MODE: 'telegram', ...dc.env() }, { telegramLogin: { stepTimeoutMs: 15_000, logoutTimeoutMs: 3_000 } });
    dc.world.now = () => t.clock.now().getTime();
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await dc?.close();
  });

  it('logs in through the proxy, keeps it, and works through it; another proxy is tried before it is kept', async () => {
    const w = dc.world;
    const sender = w.addUser({ phone: '+15557001', username: 'proxied_sender', firstName: 'Proxied' });
    const group = w.addGroup({ kind: 'megagroup', title: 'Proxy Mega', username: 'proxy_mega', creatorId: sender.id });
    w.addUser({ phone: '+15557002', username: 'proxy_guest', firstName: 'Guest' });
    const proxyUrl = `socks5://ivan:s3cret@127.0.0.1:${proxy.port}`;

    // A refused format, at its field, in Russian; nothing started.
    const bad = await t.api({ method: 'POST', url: `${LOGIN}/phone`, headers: ru, payload: { phone: sender.phone, proxy: 'ftp://127.0.0.1:8080' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json).toMatchObject({ error: 'PROXY_INVALID', field: 'proxy' });
    expect(bad.json.message).toMatch(/^прокси «ftp» не поддерживается/);
    // A proxy that is down: said at the proxy's field.
    const down = await t.api({ method: 'POST', url: `${LOGIN}/phone`, headers: ru, payload: { phone: sender.phone, proxy: `127.0.0.1:${deadPort}` } });
    expect(down.statusCode, down.body).toBe(502);
    expect(down.json).toMatchObject({ error: 'PROXY_UNREACHABLE', field: 'proxy' });
    expect(down.json.message).toBe('Через этот прокси не удалось связаться с Telegram: проверьте тип (socks5:// или http://), адрес, порт, логин и пароль.');

    const before = proxy.connections.length;
    const start = await t.api({ method: 'POST', url: `${LOGIN}/phone`, payload: { phone: sender.phone, proxy: proxyUrl } });
    expect(start.statusCode, start.body).toBe(201);
    const done = await t.api({ method: 'POST', url: `${LOGIN}/${start.json.attempt_id}/code`, payload: { code: w.lastCode(sender.phone)! } });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json.account.proxy).toBe(`socks5://ivan:•••@127.0.0.1:${proxy.port}`);
    expect(done.body).not.toContain('s3cret');
    // The login's connection went through the proxy, to the DC, as the proxy's user.
    const dcPort = Number(new URL(`tcp://${dc.env().TELEGRAM_DC.split('@')[1]}`).port);
    expect(proxy.connections.slice(before)).toContainEqual({ host: '127.0.0.1', port: dcPort, username: 'ivan' });
    const accountId = done.json.account.id;
    const stored = await t.ctx.db.selectFrom('accounts').select('proxy_encrypted').where('id', '=', accountId).executeTakeFirstOrThrow();
    expect(stored.proxy_encrypted).not.toContain('s3cret');

    // A campaign: the worker's connection goes through the proxy too.
    const viaProxy = proxy.connections.length;
    const task = await createInviteTask(t, ['@proxy_guest'], { target_group: '@proxy_mega' });
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/start` })).statusCode).toBe(200);
    await runVirtual(t.ctx.createWorker('proxy-worker'), t.clock, t.clock.now().getTime() + 2 * 3600_000);
    expect(w.invites.filter((i) => i.groupId === group.id).map((i) => w.users.get(i.userId)!.username)).toEqual(['proxy_guest']);
    expect(proxy.connections.length).toBeGreaterThan(viaProxy);

    // Another process (an API process, while this one works) gives the account another proxy: the worker's open
    // connection is let go at its next action, which goes through the new proxy.
    const other = await startSocks5Proxy();
    try {
      await t.ctx.db
        .updateTable('accounts')
        .set({ proxy_encrypted: t.ctx.crypto.encrypt(`socks5://127.0.0.1:${other.port}`) })
        .where('id', '=', accountId)
        .execute();
      w.addUser({ phone: '+15557003', username: 'proxy_second', firstName: 'Second' });
      const second = await createInviteTask(t, ['@proxy_second'], { target_group: '@proxy_mega' });
      expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${second.id}/start` })).statusCode).toBe(200);
      await runVirtual(t.ctx.createWorker('proxy-worker'), t.clock, t.clock.now().getTime() + 2 * 3600_000);
      expect(w.invites.filter((i) => i.groupId === group.id).map((i) => w.users.get(i.userId)!.username)).toEqual(['proxy_guest', 'proxy_second']);
      expect(other.connections.length).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
    await t.ctx.db
      .updateTable('accounts')
      .set({ proxy_encrypted: t.ctx.crypto.encrypt(proxyUrl) })
      .where('id', '=', accountId)
      .execute();

    // Another proxy: tried first; one that is down is refused at its field and the account keeps its own.
    const refused = await t.api({ method: 'PATCH', url: `/api/v1/invite/accounts/${accountId}`, headers: ru, payload: { proxy: `127.0.0.1:${deadPort}` } });
    expect(refused.statusCode, refused.body).toBe(502);
    expect(refused.json.details).toEqual([
      { field: 'proxy', message: 'Через этот прокси не удалось связаться с Telegram: проверьте тип (socks5:// или http://), адрес, порт, логин и пароль.' },
    ]);
    const wrongFormat = await t.api({ method: 'PATCH', url: `/api/v1/invite/accounts/${accountId}`, headers: ru, payload: { proxy: 'socks5://h.example' } });
    expect(wrongFormat.statusCode).toBe(400);
    expect(wrongFormat.json.details).toEqual([{ field: 'proxy', message: 'укажите порт прокси: socks5://хост:порт' }]);
    const account = async () => (await t.api({ method: 'GET', url: '/api/v1/invite/accounts' })).json.items.find((a: any) => a.id === accountId);
    expect((await account()).proxy).toBe(`socks5://ivan:•••@127.0.0.1:${proxy.port}`);
    // No proxy: straight to Telegram from now on; the journal says it changed, never what it was.
    const cleared = await t.api({ method: 'PATCH', url: `/api/v1/invite/accounts/${accountId}`, payload: { proxy: null } });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json.proxy).toBeNull();
    const check = await t.api({ method: 'POST', url: `/api/v1/invite/accounts/${accountId}/check` });
    expect(check.statusCode, check.body).toBe(200);
    const journal = await t.ctx.db.selectFrom('audit_log').select('details').where('action', '=', 'account.update').execute();
    expect(JSON.stringify(journal)).not.toContain('s3cret');
    expect(JSON.stringify(journal)).toContain('removed');
  });

  it('logs in through an HTTP proxy typed as a shop lists it, and works through it; a wrong login is said at the field', async () => {
    const w = dc.world;
    const sender = w.addUser({ phone: '+15557101', username: 'http_sender', firstName: 'Http' });
    const group = w.addGroup({ kind: 'megagroup', title: 'Http Mega', username: 'http_mega', creatorId: sender.id });
    w.addUser({ phone: '+15557102', username: 'http_guest', firstName: 'Guest' });
    const http = await startHttpConnectProxy({ username: 'olga', password: 'pa55:w' });
    try {
      const dcPort = Number(new URL(`tcp://${dc.env().TELEGRAM_DC.split('@')[1]}`).port);
      // The proxy refuses a wrong password (407): said at the field, nothing started.
      const wrong = await t.api({
        method: 'POST',
        url: `${LOGIN}/phone`,
        headers: ru,
        payload: { phone: sender.phone, proxy: `http://olga:nope@127.0.0.1:${http.port}` },
      });
      expect(wrong.statusCode, wrong.body).toBe(502);
      expect(wrong.json).toMatchObject({ error: 'PROXY_UNREACHABLE', field: 'proxy' });
      expect(http.refusals).toBeGreaterThan(0);
      expect(http.connections).toEqual([]);

      // Pasted as the shop gave it, no kind: the proxy is asked, answers as HTTP, and is kept as http://.
      const start = await t.api({
        method: 'POST',
        url: `${LOGIN}/phone`,
        payload: { phone: sender.phone, proxy: `127.0.0.1:${http.port}:olga:pa55:w` },
      });
      expect(start.statusCode, start.body).toBe(201);
      const done = await t.api({ method: 'POST', url: `${LOGIN}/${start.json.attempt_id}/code`, payload: { code: w.lastCode(sender.phone)! } });
      expect(done.statusCode, done.body).toBe(200);
      expect(done.json.account.proxy).toBe(`http://olga:•••@127.0.0.1:${http.port}`);
      expect(http.connections).toContainEqual({ host: '127.0.0.1', port: dcPort, username: 'olga' });
      const accountId = done.json.account.id;

      // The worker's connection and the health check go through it too.
      const viaProxy = http.connections.length;
      const task = await createInviteTask(t, ['@http_guest'], { target_group: '@http_mega', account_ids: [accountId] });
      expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/start` })).statusCode).toBe(200);
      await runVirtual(t.ctx.createWorker('http-proxy-worker'), t.clock, t.clock.now().getTime() + 2 * 3600_000);
      expect(w.invites.filter((i) => i.groupId === group.id).map((i) => w.users.get(i.userId)!.username)).toEqual(['http_guest']);
      expect(http.connections.length).toBeGreaterThan(viaProxy);
      const checked = http.connections.length;
      const check = await t.api({ method: 'POST', url: `/api/v1/invite/accounts/${accountId}/check` });
      expect(check.statusCode, check.body).toBe(200);
      expect(check.json.ok, check.body).toBe(true);
      expect(http.connections.length).toBeGreaterThan(checked);

      // Another proxy with a wrong password is refused at its field, and the account keeps its own.
      const refused = await t.api({
        method: 'PATCH',
        url: `/api/v1/invite/accounts/${accountId}`,
        headers: ru,
        payload: { proxy: `http://olga:nope@127.0.0.1:${http.port}` },
      });
      expect(refused.statusCode, refused.body).toBe(502);
      expect(refused.json.details).toEqual([
        { field: 'proxy', message: 'Через этот прокси не удалось связаться с Telegram: проверьте тип (socks5:// или http://), адрес, порт, логин и пароль.' },
      ]);
      const account = (await t.api({ method: 'GET', url: '/api/v1/invite/accounts' })).json.items.find((a: any) => a.id === accountId);
      expect(account.proxy).toBe(`http://olga:•••@127.0.0.1:${http.port}`);
      // Switched off before its proxy goes away with this test: the next tests' group checks leave it alone.
      expect((await t.api({ method: 'PATCH', url: `/api/v1/invite/accounts/${accountId}`, payload: { enabled: false } })).statusCode).toBe(200);
    } finally {
      await http.close();
    }
  });
  it('an account whose proxy is down sends nothing, fails nobody and uses no allowance: it rests, its owner is told once, and a working proxy brings it back', async () => {
    const w = dc.world;
    const user = 7; // a user of its own: only this account is asked about groups
    const sender = w.addUser({ phone: '+15557301', username: 'down_sender', firstName: 'Down' });
    const group = w.addGroup({ kind: 'megagroup', title: 'Down Mega', username: 'down_mega', creatorId: sender.id });
    for (const u of ['down_a', 'down_b', 'down_c']) w.addUser({ phone: `+1555730${u.at(-1)!.charCodeAt(0) - 95}`, username: u });
    const http = await startHttpConnectProxy();
    try {
      const start = await t.api({ method: 'POST', url: `${LOGIN}/phone`, user, payload: { phone: sender.phone, proxy: `http://127.0.0.1:${http.port}` } });
      expect(start.statusCode, start.body).toBe(201);
      const done = await t.api({ method: 'POST', url: `${LOGIN}/${start.json.attempt_id}/code`, user, payload: { code: w.lastCode(sender.phone)! } });
      expect(done.statusCode, done.body).toBe(200);
      const accountId = done.json.account.id;
      const task = await createInviteTask(t, ['@down_a', '@down_b', '@down_c'], { target_group: '@down_mega' }, user);
      expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/start`, user })).statusCode).toBe(200);

      // The proxy goes down (as another process would see it: the account's proxy is now one nothing answers on).
      await t.ctx.db
        .updateTable('accounts')
        .set({ proxy_encrypted: t.ctx.crypto.encrypt(`http://127.0.0.1:${deadPort}`) })
        .where('id', '=', accountId)
        .execute();
      // The create form's check and a test invite say no account reached Telegram, not that the group does not exist.
      const check = await t.api({ method: 'GET', url: '/api/v1/invite/groups/check?link=@down_mega', user, headers: ru });
      expect(check.json.error).toBe(
        'Не удалось проверить группу: ни один аккаунт не связался с Telegram (не удалось подключиться к Telegram). Проверьте прокси аккаунтов на странице «Аккаунты» и попробуйте снова.',
      );
      const test = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/test-invite`, user, headers: ru, payload: { username: '@down_a' } });
      expect(test.statusCode, test.body).toBe(409);
      expect(test.json.error).toBe('ACCOUNTS_UNREACHABLE');
      await runVirtual(t.ctx.createWorker('down-worker'), t.clock, t.clock.now().getTime() + 16 * 60_000);
      expect(w.invites.filter((i) => i.groupId === group.id)).toEqual([]);
      const targets = await t.ctx.db.selectFrom('targets').select(['status', 'attempts']).where('task_id', '=', task.id).execute();
      expect(targets).toEqual(Array.from({ length: 3 }, () => ({ status: 'PENDING', attempts: 0 })));
      const account = async () =>
        (await t.api({ method: 'GET', url: '/api/v1/invite/accounts', user, headers: ru })).json.items.find((a: any) => a.id === accountId);
      const resting = await account();
      expect(resting).toMatchObject({ status: 'RESTING', usage_today: { invites: 0 } });
      expect(resting.status_reason).toBe('не удаётся связаться с Telegram через прокси аккаунта; попробуем снова после паузы — проверьте прокси');
      const row = await t.ctx.db.selectFrom('accounts').select('unreachable_count').where('id', '=', accountId).executeTakeFirstOrThrow();
      expect(row.unreachable_count).toBeGreaterThanOrEqual(4); // 0, 1, 3, 7, 15 min: tried again, each time later
      const told = (await t.api({ method: 'GET', url: '/api/v1/invite/notifications', user, headers: ru })).json.items.filter(
        (n: any) => n.account_id === accountId,
      );
      expect(told).toHaveLength(1);
      expect(told[0].text).toMatch(/^Аккаунт «.+» не может связаться с Telegram через свой прокси: он ничего не отправляет/);
      const status = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/status`, user, headers: ru })).json;
      expect(status.why?.text).toMatch(/^Аккаунты не могут связаться с Telegram \(прокси или сеть\) — следующая попытка в /);
      const logs = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/logs`, user, headers: ru })).json.items;
      expect(logs.length).toBeGreaterThanOrEqual(4);
      expect(logs.every((l: any) => l.result === 'ACCOUNT_ERROR' && l.error_code === 'PROXY_UNREACHABLE')).toBe(true);
      expect(logs[0].message).toMatch(/не удалось связаться с Telegram через прокси аккаунта; ничего не отправлено/);

      // A working proxy on its card: tried, kept, and the account is back at once.
      const mended = await t.api({ method: 'PATCH', url: `/api/v1/invite/accounts/${accountId}`, user, payload: { proxy: `http://127.0.0.1:${http.port}` } });
      expect(mended.statusCode, mended.body).toBe(200);
      expect(await account()).toMatchObject({ status: 'ACTIVE', rest_until: null, status_reason: null });
      await runVirtual(t.ctx.createWorker('down-worker'), t.clock, t.clock.now().getTime() + 60_000);
      expect(w.invites.filter((i) => i.groupId === group.id).map((i) => w.users.get(i.userId)!.username)).toEqual(['down_a']);
    } finally {
      await http.close();
    }
  });
});

describe('in the sandbox', () => {
  it('a proxy is refused at its field: simulated accounts never connect to Telegram', async () => {
    const t = await makeTestApp();
    try {
      const res = await t.api({
        method: 'POST',
        url: '/api/v1/invite/accounts',
        headers: { 'accept-language': 'ru' },
        payload: { label: 'A', proxy: '127.0.0.1:1080' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json.details).toEqual([
        { field: 'proxy', message: 'Сервер работает в песочнице: имитируемые аккаунты не подключаются к Telegram, прокси им не нужен.' },
      ]);
      expect((await t.api({ method: 'GET', url: '/api/v1/invite/accounts' })).json.items).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
