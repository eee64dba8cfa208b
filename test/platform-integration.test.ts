import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { addSandboxAccount, createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';
import { ApiGatewayFake, ParsingServiceFake, fakePerson } from './helpers/platform-fakes.js';

/** A token as any platform service would mint it: any payload, the shared secret. */
async function platformToken(secret: string, payload: Record<string, unknown>, exp = '1h') {
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(secret));
}

async function call(t: TestApp, token: string, url: string, init: { method?: string; payload?: unknown } = {}) {
  const res = await t.app.inject({
    method: (init.method ?? 'GET') as 'GET',
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(init.payload ? { payload: init.payload as object } : {}),
  });
  let json: any;
  try {
    json = res.json();
  } catch {
    json = undefined;
  }
  return { statusCode: res.statusCode, json };
}

describe("the platform's tokens", () => {
  const secret = randomBytes(16).toString('hex');
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp({ JWT_SECRET: secret });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('accepts inter-service {"user_id": N} and legacy {"sub": "N"} as the same platform user', async () => {
    const a = await platformToken(secret, { user_id: 7 });
    const b = await platformToken(secret, { sub: '7' });
    const created = await call(t, a, '/api/v1/invite/tasks', {
      method: 'POST',
      payload: { type: 'invite_to_group', target_group: '@sandbox_marketing', name: 'Seven' },
    });
    expect(created.statusCode).toBe(201);
    expect((await call(t, b, `/api/v1/invite/tasks/${created.json.id}`)).json.name).toBe('Seven');
  });

  it.each([
    ['user_id true', { user_id: true }],
    ['user_id [1]', { user_id: [1] }],
    ['user_id "0x1"', { user_id: '0x1' }],
    ['user_id " 1 "', { user_id: ' 1 ' }],
    ['user_id "1e0"', { user_id: '1e0' }],
    ['user_id 1.5', { user_id: 1.5 }],
    ['user_id -1', { user_id: -1 }],
    ['user_id 0', { user_id: 0 }],
    ['user_id 2^53', { user_id: 2 ** 53 }],
    ['user_id "1" (a string)', { user_id: '1' }],
    ['sub "0x1"', { sub: '0x1' }],
    ['sub " 1 "', { sub: ' 1 ' }],
    ['sub "1e0"', { sub: '1e0' }],
    ['sub "-3"', { sub: '-3' }],
    ['sub "01"', { sub: '01' }],
    ['sub a name', { sub: 'alice' }],
    ['sub 1 (a number)', { sub: 1 }],
    ['sub "9007199254740993"', { sub: '9007199254740993' }],
    ['no subject', { role: 'admin' }],
    ['a local-tenant id', { user_id: 2 ** 40 }],
  ])('refuses %s with a 401 sentence', async (_name, payload) => {
    const res = await call(t, await platformToken(secret, payload), '/api/v1/invite/tasks');
    expect(res.statusCode).toBe(401);
    expect(res.json.message).toMatch(/^The token names no user: /);
  });

  it('refuses a token signed with another secret, and an expired one', async () => {
    expect((await call(t, await platformToken('not-the-secret', { user_id: 1 }), '/api/v1/invite/tasks')).statusCode).toBe(401);
    const expired = await platformToken(secret, { user_id: 1 }, '-1m');
    expect((await call(t, expired, '/api/v1/invite/tasks')).json.message).toMatch(/expired/);
  });

  it('without an API gateway, an email subject is its own stable local tenant, not linked to the platform', async () => {
    const alice = await platformToken(secret, { sub: 'Alice@Example.com' });
    const aliceAgain = await platformToken(secret, { sub: 'alice@example.com', exp: Math.floor(Date.now() / 1000) + 600 });
    const bob = await platformToken(secret, { sub: 'bob@example.com' });
    const created = await call(t, alice, '/api/v1/invite/tasks', {
      method: 'POST',
      payload: { type: 'invite_to_group', target_group: '@sandbox_marketing', name: 'Alice task' },
    });
    expect(created.statusCode).toBe(201);
    expect((await call(t, aliceAgain, `/api/v1/invite/tasks/${created.json.id}`)).statusCode).toBe(200);
    expect((await call(t, bob, `/api/v1/invite/tasks/${created.json.id}`)).statusCode).toBe(404);
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${created.json.id}`, user: 1 })).statusCode).toBe(404);
    const tenants = await t.ctx.db.selectFrom('local_tenants').selectAll().orderBy('id').execute();
    expect(tenants.map((r) => r.subject)).toEqual(['alice@example.com', 'bob@example.com']);
    expect(Number(tenants[0]!.id)).toBeGreaterThanOrEqual(2 ** 40);
    const bases = await call(t, alice, '/api/v1/invite/import/parsing/bases');
    expect(bases.statusCode).toBe(409);
    expect(bases.json.error).toBe('PLATFORM_ACCOUNT_NOT_LINKED');
    expect(bases.json.message).toMatch(/not linked to the content-factory platform/);
  });
});

describe('email subjects through the API gateway', () => {
  const secret = randomBytes(16).toString('hex');
  const gateway = new ApiGatewayFake();
  let t: TestApp;
  beforeAll(async () => {
    await gateway.start();
    gateway.users.set('maria@example.com', 42);
    t = await makeTestApp({ JWT_SECRET: secret, API_GATEWAY_URL: gateway.url, API_GATEWAY_CACHE_SECONDS: '60' });
  });
  afterAll(async () => {
    await t?.close();
    await gateway.close();
  });

  it("maps the frontend's email token to the platform's numeric user, shared with that user's service tokens", async () => {
    const maria = await platformToken(secret, { sub: 'Maria@example.com' });
    const created = await call(t, maria, '/api/v1/invite/tasks', {
      method: 'POST',
      payload: { type: 'invite_to_group', target_group: '@sandbox_marketing', name: 'Maria' },
    });
    expect(created.statusCode).toBe(201);
    const service = await platformToken(secret, { user_id: 42 });
    expect((await call(t, service, `/api/v1/invite/tasks/${created.json.id}`)).json.name).toBe('Maria');
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${created.json.id}`, user: 41 })).statusCode).toBe(404);
    // Cached: one lookup however many requests (until the TTL).
    await call(t, maria, '/api/v1/invite/tasks');
    expect(gateway.lookups.filter((e) => e === 'maria@example.com')).toHaveLength(1);
    t.clock.advanceSeconds(61);
    await call(t, maria, '/api/v1/invite/tasks');
    expect(gateway.lookups.filter((e) => e === 'maria@example.com')).toHaveLength(2);
  });

  it('an email the platform does not know is 401; a gateway in trouble is 503, never another user', async () => {
    const stranger = await platformToken(secret, { sub: 'stranger@example.com' });
    const unknown = await call(t, stranger, '/api/v1/invite/tasks');
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json.error).toBe('PLATFORM_USER_UNKNOWN');
    gateway.failWith = 500;
    try {
      const down = await call(t, await platformToken(secret, { sub: 'other@example.com' }), '/api/v1/invite/tasks');
      expect(down.statusCode).toBe(503);
      expect(down.json.message).toMatch(/API gateway answered HTTP 500/);
    } finally {
      gateway.failWith = null;
    }
    const closed = await makeTestApp({ JWT_SECRET: secret, API_GATEWAY_URL: 'http://127.0.0.1:9' });
    try {
      const res = await call(closed, await platformToken(secret, { sub: 'maria@example.com' }), '/api/v1/invite/tasks');
      expect(res.statusCode).toBe(503);
      expect(res.json.message).toMatch(/could not be reached/);
    } finally {
      await closed.close();
    }
  });
});

describe('Parsing Service, as it really answers', () => {
  const secret = randomBytes(16).toString('hex');
  const parsing = new ParsingServiceFake(secret);
  let t: TestApp;
  beforeAll(async () => {
    const people = Array.from({ length: 1203 }, (_, i) => fakePerson(i + 1));
    // Every tenth person repeats the previous one: de-duplication across pages.
    for (let i = 9; i < people.length; i += 10) people[i] = { ...people[i - 1]!, id: `dup-${i}` };
    parsing.addBase(1, { task_id: 'abc-123', title: 'Подписчики канала', results: people });
    parsing.addBase(1, { task_id: 'empty-1', title: 'Ещё не собрано', status: 'running', results: [] });
    parsing.addBase(2, {
      task_id: 'other-user',
      title: 'Not yours',
      results: Array.from({ length: 30 }, (_, i) => ({ ...fakePerson(i + 5000), username: `stranger_${i}` })),
    });
    await parsing.start();
    t = await makeTestApp({ JWT_SECRET: secret, PARSING_SERVICE_URL: parsing.url, MAX_TARGETS_PER_TASK: '5000' });
    await addSandboxAccount(t);
    await addSandboxAccount(t, 2);
  });
  afterAll(async () => {
    // Every request of every test carried user_id: the real service would otherwise answer with everyone's data.
    expect(parsing.missingUserId).toEqual([]);
    await t?.close();
    await parsing.close();
  });

  it("lists only the caller's bases, empty ones shown as not importable with why, asked with a fresh inter-service token", async () => {
    const res = await t.api({ method: 'GET', url: '/api/v1/invite/import/parsing/bases' });
    expect(res.statusCode).toBe(200);
    expect(res.json.items).toEqual([
      expect.objectContaining({ task_id: 'abc-123', title: 'Подписчики канала', total_results: 1203, importable: true, disabled_reason: null }),
      expect.objectContaining({ task_id: 'empty-1', total_results: 0, importable: false, disabled_reason: expect.stringMatching(/no results/) }),
    ]);
    // A Russian reader is told why in Russian.
    const ru = await t.api({ method: 'GET', url: '/api/v1/invite/import/parsing/bases', headers: { 'accept-language': 'ru' } });
    expect(ru.json.items[1].disabled_reason).toBe('В этой базе ещё нет результатов: импортировать нечего.');
    const last = parsing.requests.at(-1)!;
    expect(last).toMatchObject({ path: '/api/v1/results/grouped', userIdParam: '1', tokenError: null });
    expect(last.claims).toMatchObject({ user_id: 1 });
    expect(last.claims!.exp as number).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 61);
    const two = await t.api({ method: 'GET', url: '/api/v1/invite/import/parsing/bases', user: 2 });
    expect(two.json.items.map((b: any) => b.task_id)).toEqual(['other-user']);
    // The service's «Unknown» placeholder is no title: the base is named by its address.
    parsing.addBase(3, { task_id: 'untitled-1', title: 'Unknown', target_url: 'https://t.me/somechat', results: [fakePerson(9001)] });
    const three = await t.api({ method: 'GET', url: '/api/v1/invite/import/parsing/bases', user: 3 });
    expect(three.json.items.map((b: any) => b.title)).toEqual(['https://t.me/somechat']);
  });

  it('previews the first contacts with the total, names mapped and the "Unknown" placeholder dropped', async () => {
    const res = await t.api({ method: 'GET', url: '/api/v1/invite/import/parsing/bases/abc-123/preview?limit=5' });
    expect(res.statusCode).toBe(200);
    expect(res.json.total).toBe(1203);
    // What a new task takes (MAX_TARGETS_PER_TASK): the form warns when the base holds more.
    expect(res.json.room).toBe(t.ctx.config.maxTargetsPerTask);
    expect(res.json.items).toHaveLength(5);
    expect(res.json.items[0]).toMatchObject({ valid: true, username: 'member_1', user_id: '700001', first_name: 'Иван1', last_name: 'Петров' });
    expect(res.json.items[2]).toMatchObject({ first_name: 'Мария3', last_name: 'Соколова' });
    expect(res.json.items[4]).toMatchObject({ username: 'member_5', first_name: null, last_name: null }); // display_name "Unknown"
    expect(parsing.requests.at(-1)).toMatchObject({ userIdParam: '1' });
    expect((await t.api({ method: 'GET', url: '/api/v1/invite/import/parsing/bases/abc-123/preview?limit=1000' })).statusCode).toBe(400);
  });

  it("previews for an existing task with that task's room; another user's task is 404", async () => {
    const task = await createInviteTask(t, ['@held_one', '@held_two', '@member_2']);
    const res = await t.api({ method: 'GET', url: `/api/v1/invite/import/parsing/bases/abc-123/preview?limit=3&task_id=${task.id}` });
    expect(res.statusCode).toBe(200);
    expect(res.json.room).toBe(t.ctx.config.maxTargetsPerTask - 3);
    // The contact the task already holds is marked so (the import counts it a duplicate); a new task has no such mark.
    expect(res.json.items.map((i: any) => [i.username, i.skip])).toEqual([
      ['member_1', null],
      ['member_2', 'IN_TASK'],
      ['member_3', null],
    ]);
    const fresh = await t.api({ method: 'GET', url: '/api/v1/invite/import/parsing/bases/abc-123/preview?limit=3' });
    expect(fresh.json.items.map((i: any) => i.skip)).toEqual([null, null, null]);
    const stranger = await t.api({ method: 'GET', url: `/api/v1/invite/import/parsing/bases/abc-123/preview?task_id=${task.id}`, user: 2 });
    expect(stranger.statusCode).toBe(404);
  });

  it('imports every page following pagination.has_more, with the mapping and de-duplication', async () => {
    const task = await createInviteTask(t, []);
    const before = parsing.requests.length;
    const res = await t.api({ method: 'POST', url: '/api/v1/invite/import/parsing', payload: { task_id: task.id, parsing_task_id: 'abc-123' } });
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({ total_rows: 1203, duplicates: 120, imported: 1083 });
    const pages = parsing.requests.slice(before);
    expect(pages.map((r) => r.path)).toEqual(Array(3).fill('/api/v1/results/abc-123'));
    expect(pages.every((r) => r.userIdParam === '1' && (r.claims as any)?.user_id === 1)).toBe(true);
    const unknownName = await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/targets?search=member_5` });
    expect(unknownName.json.items.find((x: any) => x.username === 'member_5')).toMatchObject({ first_name: null, source: 'PARSING_IMPORT' });
    const noUsername = await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/targets?search=700007` });
    expect(noUsername.json.items[0]).toMatchObject({ username: null, user_id_platform: '700007' });
  });

  it("never shows or imports another user's base", async () => {
    const task = await createInviteTask(t, []);
    // Another user's base is, to this user, no base at all: a 404 at its field (the service answers it empty).
    const res = await t.api({
      method: 'POST',
      url: '/api/v1/invite/import/parsing',
      headers: { 'accept-language': 'ru' },
      payload: { task_id: task.id, parsing_task_id: 'other-user' },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json).toMatchObject({
      error: 'PARSING_BASE_NOT_FOUND',
      details: [{ field: 'parsing_task_id', message: 'среди ваших баз парсинга нет базы «other-user»' }],
    });
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}` })).json.counters.total).toBe(0);
    const preview = await t.api({ method: 'GET', url: '/api/v1/invite/import/parsing/bases/other-user/preview' });
    expect(preview.statusCode).toBe(404);
    expect(preview.json.error).toBe('PARSING_BASE_NOT_FOUND');
    // So is a typo; an empty base of one's own is no error (it imports nobody).
    const typo = await t.api({ method: 'POST', url: '/api/v1/invite/import/parsing', payload: { task_id: task.id, parsing_task_id: 'no-such-base' } });
    expect(typo.statusCode).toBe(404);
    const empty = await t.api({ method: 'POST', url: '/api/v1/invite/import/parsing', payload: { task_id: task.id, parsing_task_id: 'empty-1' } });
    expect(empty.statusCode, empty.body).toBe(200);
    expect(empty.json).toMatchObject({ total_rows: 0, imported: 0 });
  });

  it('a broken or unreachable Parsing Service is a readable 502 naming it, never an empty list, never a 500', async () => {
    const task = await createInviteTask(t, []);
    const answers: Array<[number, string]> = [
      [500, '{"detail":"Internal Server Error"}'],
      [200, '<html>maintenance</html>'],
      [200, '{"items": []}'],
      [200, '[1,2,3]'],
    ];
    for (const [status, body] of answers) {
      parsing.interceptors.push((_req, res) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(body);
        return true;
      });
      try {
        for (const [method, url, payload] of [
          ['GET', '/api/v1/invite/import/parsing/bases'],
          ['POST', '/api/v1/invite/import/parsing', { task_id: task.id, parsing_task_id: 'abc-123' }],
          ['GET', '/api/v1/invite/import/parsing/bases/abc-123/preview'],
        ] as const) {
          const res = await t.api({ method, url, ...(payload ? { payload } : {}) });
          expect(res.statusCode, `${status} ${body} → ${method} ${url}`).toBe(502);
          expect(res.json.message).toMatch(/^The Parsing Service /);
        }
      } finally {
        parsing.interceptors.pop();
      }
    }
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}` })).json.counters.total).toBe(0);
    const down = await makeTestApp({ JWT_SECRET: secret, PARSING_SERVICE_URL: 'http://127.0.0.1:9' });
    try {
      const res = await down.api({ method: 'GET', url: '/api/v1/invite/import/parsing/bases' });
      expect(res.statusCode).toBe(502);
      expect(res.json.message).toMatch(/The Parsing Service could not be reached/);
      const health = (await down.app.inject({ url: '/health/detailed' })).json();
      expect(health.parsing_service).toMatchObject({
        configured: true,
        reachable: false,
        last_error: { message: expect.stringMatching(/could not be reached/) },
      });
    } finally {
      await down.close();
    }
  });

  it('/health/detailed probes the Parsing Service: reachable and its latency', async () => {
    for (const url of ['/health/detailed', '/api/v1/health/detailed', '/api/v1/invite/health/detailed']) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.json().parsing_service).toMatchObject({ configured: true, reachable: true, latency_ms: expect.any(Number) });
    }
  });
});

describe("the spec's names", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
    await addSandboxAccount(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('accepts NORMAL for MEDIUM and enum values in any case; answers keep one spelling', async () => {
    const res = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      payload: { type: 'INVITE_TO_GROUP', target_group: '@sandbox_marketing', priority: 'normal' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json).toMatchObject({ priority: 'MEDIUM', type: 'invite_to_group' });
    expect((await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${res.json.id}`, payload: { priority: 'High' } })).json.priority).toBe('HIGH');
    const list = await t.api({ method: 'GET', url: '/api/v1/invite/tasks?priority=high,Normal&status=pending' });
    expect(list.statusCode).toBe(200);
    expect(list.json.items.map((x: any) => x.id)).toContain(res.json.id);
    const bad = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      payload: { type: 'invite_to_group', target_group: '@sandbox_marketing', priority: 'urgent!' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json.message).toMatch(/priority/);
  });

  it('answers the health aliases without a token, and POST /execute starts a task', async () => {
    for (const url of ['/api/v1/invite/health', '/api/v1/health']) expect((await t.app.inject({ url })).json()).toEqual({ status: 'ok' });
    const task = await createInviteTask(t, ['@exec_one']);
    const res = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/execute` });
    expect(res.statusCode).toBe(200);
    expect(res.json.status).toBe('IN_PROGRESS');
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/execute` })).statusCode).toBe(409);
  });

  it('Account Manager answers carry wait_for_seconds too', async () => {
    const accountId = (await t.api({ method: 'GET', url: '/api/v1/invite/accounts' })).json.items[0].id;
    const check = await t.api({ method: 'POST', url: '/api/v1/account-manager/check', payload: { account_id: accountId, action: 'invite' } });
    expect(check.json).toMatchObject({ allowed: true, wait_seconds: 0, wait_for_seconds: 0 });
    const alloc = await t.api({ method: 'POST', url: '/api/v1/account-manager/allocate', payload: { purpose: 'invite' } });
    expect(alloc.json.wait_for_seconds).toBe(alloc.json.wait_seconds);
  });
});
