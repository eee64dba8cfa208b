import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { makeTestApp, type TestApp } from './helpers/test-app.js';
import { ParsingServiceFake, fakePerson } from './helpers/platform-fakes.js';

/**
 * The platform's existing Mailing page, call by call as it sends them (../shared/PLATFORM-FRONTEND.md), through the
 * platform gateway's rule (`/api/invite/{path}` → `/api/v1/{path}`, trailing slash kept), against the real server
 * over HTTP. Runs on PGlite, and on PostgreSQL when TEST_DATABASE_URL is set.
 */
const secret = randomBytes(16).toString('hex');
const parsing = new ParsingServiceFake(secret);
let t: TestApp;
let base: string;

/** The platform gateway's rule, applied to a path exactly as the page sends it. */
function viaGateway(pagePath: string): string {
  if (!pagePath.startsWith('/api/invite/')) throw new Error(`not a gateway path: ${pagePath}`);
  return `/api/v1/${pagePath.slice('/api/invite/'.length)}`;
}

interface Call {
  method?: string;
  json?: unknown;
  body?: FormData;
  user?: number;
  token?: string | null;
}
async function page(path: string, { method = 'GET', json, body, user = 1, token }: Call = {}) {
  const headers: Record<string, string> = {};
  const bearer = token === undefined ? await t.token(user) : token;
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${viaGateway(path)}`, { method, headers, body: json !== undefined ? JSON.stringify(json) : body });
  const text = await res.text();
  let data: any;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  return { status: res.status, ok: res.ok, data };
}
async function raw(path: string, user = 1) {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${await t.token(user)}` } });
  return { status: res.status, data: await res.json().catch(() => undefined) };
}

/** The page's create body: no task type, no group, pacing fields. */
const createBody = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  description: 'Весенняя акция',
  platform: 'telegram',
  priority: 'normal',
  delay_between_invites: 30,
  max_invites_per_account: 50,
  invite_message: 'Привет! Присоединяйтесь к нашему чату',
  settings: { delay_between_invites: 30, batch_size: 10, auto_add_contacts: false, fallback_to_messages: true },
  ...extra,
});
const csvForm = (rows: string[], sourceName = 'Выставка') => {
  const form = new FormData();
  form.append('file', new Blob([`username,first_name\n${rows.join('\n')}\n`], { type: 'text/csv' }), 'people.csv');
  form.append('source_name', sourceName);
  return form;
};
const TASK_FIELDS = [
  'id',
  'title',
  'task_type',
  'status',
  'priority',
  'progress',
  'target_count',
  'invited_count',
  'failed_count',
  'description',
  'target_group_id',
  'message_template',
  'created_at',
  'updated_at',
];

beforeAll(async () => {
  parsing.addBase(1, {
    task_id: 'base-1',
    title: 'Подписчики конкурента',
    target_url: 'https://t.me/rival',
    results: Array.from({ length: 12 }, (_, i) => fakePerson(i + 1)),
  });
  parsing.addBase(1, { task_id: 'base-empty', title: 'Пустая', status: 'running', results: [] });
  parsing.addBase(2, { task_id: 'not-mine', title: 'Чужая база', results: [fakePerson(500)] });
  await parsing.start();
  t = await makeTestApp(
    {
      JWT_SECRET: secret,
      PARSING_SERVICE_URL: parsing.url,
      MAX_TARGETS_PER_TASK: '40',
      MAX_CONCURRENT_TASKS_PER_USER: '2',
      MAX_IMPORT_FILE_BYTES: String(32 * 1024),
    },
    { sandbox: { privacyRate: 0 } },
  );
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  // Two sender accounts (through the core API reached at the bare path: POST /accounts is not one of the page's calls).
  for (const label of ['Отправитель 1', 'Отправитель 2']) expect((await page('/api/invite/accounts/', { method: 'POST', json: { label } })).status).toBe(201);
});
afterAll(async () => {
  await t?.close();
  expect(parsing.missingUserId).toEqual([]);
  await parsing.close();
});

describe("the platform's Mailing page through the gateway", () => {
  let taskId: number;

  it('health/', async () => {
    const res = await page('/api/invite/health/', { token: null });
    expect(res.ok).toBe(true);
  });

  it('creates a task from the page form: an invite task waiting for its group, the pacing fields accepted and ignored', async () => {
    const res = await page('/api/invite/tasks/', { method: 'POST', json: createBody('Акция: приглашения') });
    expect(res.status).toBe(201);
    taskId = res.data.id;
    expect(typeof taskId).toBe('number');
    for (const f of TASK_FIELDS) expect(res.data).toHaveProperty(f);
    expect(res.data).toMatchObject({
      title: 'Акция: приглашения',
      task_type: 'invite_to_group',
      status: 'pending',
      priority: 'normal',
      progress: 0,
      target_count: 0,
      invited_count: 0,
      failed_count: 0,
      description: 'Весенняя акция',
      target_group_id: null,
    });
    expect(res.data.ignored_fields).toEqual(
      expect.arrayContaining([
        'delay_between_invites',
        'max_invites_per_account',
        'invite_message',
        'settings.delay_between_invites',
        'settings.batch_size',
        'settings.auto_add_contacts',
        'settings.fallback_to_messages',
      ]),
    );
    expect(res.data.note).toMatch(/Account Manager/);
    expect(res.data.note).toMatch(/check-admin-rights/);
  });

  it('lists tasks with lower-case statuses and priorities, filtered as the page filters', async () => {
    const res = await page('/api/invite/tasks/?page=1&page_size=20&platform=telegram&status=pending&status=running');
    expect(res.ok).toBe(true);
    const items = res.data.items || res.data.tasks || res.data;
    const mine = items.find((i: any) => i.id === taskId);
    for (const f of TASK_FIELDS) expect(mine).toHaveProperty(f);
    expect(mine).toMatchObject({ status: 'pending', priority: 'normal', task_type: 'invite_to_group' });
    expect((await page('/api/invite/tasks/?page=1&page_size=20&status=completed')).data.items).toEqual([]);
    const bad = await page('/api/invite/tasks/?status=bogus');
    expect(bad.status).toBe(400);
    expect(bad.data.detail).toMatch(/^Проверьте данные запроса/);
  });

  it('accounts/ and parsing-tasks answer bare arrays (only my accounts, only my bases with results)', async () => {
    const accounts = await page('/api/invite/accounts/');
    expect(Array.isArray(accounts.data)).toBe(true);
    expect(accounts.data).toHaveLength(2);
    expect(accounts.data[0]).toMatchObject({
      platform: 'telegram',
      username: 'Отправитель 1',
      status: 'active',
      daily_invite_limit: 30,
      daily_invites_used: 0,
      flood_wait_until: null,
    });
    expect(typeof accounts.data[0].account_id).toBe('number');
    const bases = await page('/api/invite/parsing-tasks');
    expect(bases.data).toEqual([
      {
        id: 'base-1',
        platform: 'telegram',
        status: 'completed',
        result_count: 12,
        created_at: '2026-11-20T09:00:00Z',
        link: 'https://t.me/rival',
        title: 'Подписчики конкурента',
      },
    ]);
  });

  it('imports a file and a base into the task, answering imported_count', async () => {
    const file = await page(`/api/invite/tasks/${taskId}/import/file`, {
      method: 'POST',
      body: csvForm(['@alice_example,Alice', 'https://t.me/bob_example,Bob', '@alice_example,Dup', 'not a username!']),
    });
    expect(file.status).toBe(200);
    expect(file.data).toMatchObject({ imported_count: 2, duplicates_count: 1, source_name: 'Выставка' });
    const fromBase = await page(`/api/invite/tasks/${taskId}/import/parsing`, {
      method: 'POST',
      json: { parsing_task_id: 'base-1', source_name: 'Подписчики конкурента' },
    });
    expect(fromBase.status).toBe(200);
    expect(fromBase.data.imported_count).toBe(12);
    expect((await page(`/api/invite/tasks/${taskId}`)).data.target_count).toBe(14);
  });

  it('execute before the group is known answers 409 with a Russian detail', async () => {
    const res = await page(`/api/invite/tasks/${taskId}/execute`, { method: 'POST' });
    expect(res.status).toBe(409);
    expect(res.data).toMatchObject({ error: 'NO_TARGET_GROUP' });
    expect(res.data.detail).toMatch(/^У задачи не указана группа/);
    // The core routes meet such a task too: a sentence, never a 500.
    const core = await raw(`/api/v1/invite/tasks/${taskId}/accounts`);
    expect(core.status).toBe(200);
    expect(core.data.items.every((i: any) => !i.eligible)).toBe(true);
    const accounts = await page(`/api/invite/tasks/${taskId}/accounts`);
    expect(accounts.status).toBe(200);
    expect(accounts.data).toHaveLength(2);
    const start = await fetch(`${base}/api/v1/invite/tasks/${taskId}/start`, { method: 'POST', headers: { authorization: `Bearer ${await t.token(1)}` } });
    expect(start.status).toBe(409);
    expect((await start.json()).error).toBe('NO_TARGET_GROUP');
  });

  it('check-admin-rights reports the group and the accounts, and gives the group to the new task', async () => {
    const res = await page('/api/invite/tasks/check-admin-rights', { method: 'POST', json: { group_link: 'https://t.me/sandbox_marketing' } });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({
      group_name: 'Sandbox Marketing Chat',
      can_proceed: true,
      unavailable_accounts: [],
      estimated_capacity: 30,
      assigned_task_id: taskId,
    });
    expect(res.data.ready_accounts).toHaveLength(2);
    expect(res.data.ready_accounts[0]).toMatchObject({ username: 'Отправитель 1', available_invites: 15 });
    expect((await page(`/api/invite/tasks/${taskId}`)).data.target_group_id).toBe('https://t.me/sandbox_marketing');
    const unknown = await page('/api/invite/tasks/check-admin-rights', { method: 'POST', json: { group_link: '@no_such_group_here' } });
    expect(unknown.status).toBe(400);
    expect(typeof unknown.data.detail).toBe('string');
    expect(unknown.data.detail).toMatch(/Группа не найдена/);
  });

  it('updates the task as the page does; pacing settings ignored and said so', async () => {
    const res = await page(`/api/invite/tasks/${taskId}`, {
      method: 'PUT',
      json: { name: 'Акция (обновлено)', description: 'Новое описание', invite_message: 'Текст', settings: { delay_between_invites: 5, batch_size: 100 } },
    });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ title: 'Акция (обновлено)', description: 'Новое описание', status: 'pending' });
    expect(res.data.ignored_fields).toEqual(expect.arrayContaining(['invite_message', 'settings.delay_between_invites', 'settings.batch_size']));
    expect(res.data.note).toMatch(/Account Manager/);
  });

  it('test-invite with a target id of the task (and a chosen account), or a username', async () => {
    const targets = await raw(`/api/v1/invite/tasks/${taskId}/targets?page_size=50`);
    const alice = targets.data.items.find((x: any) => x.username === 'alice_example');
    const accounts = (await page('/api/invite/accounts/')).data;
    const res = await page(`/api/invite/tasks/${taskId}/test-invite`, { method: 'POST', json: { target_id: alice.id, account_id: accounts[0].account_id } });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ success: true, status: 'invited', target_id: alice.id, account_id: accounts[0].account_id });
    // The same target again: already processed, said in Russian.
    const again = await page(`/api/invite/tasks/${taskId}/test-invite`, { method: 'POST', json: { target_id: alice.id } });
    expect(again.status).toBe(409);
    expect(again.data.detail).toBe('Этот получатель уже обработан.');
    // The first account now rests (the Account Manager's pause): asked for by id, nothing is sent.
    const resting = await page(`/api/invite/tasks/${taskId}/test-invite`, {
      method: 'POST',
      json: { username: '@carol_example', account_id: accounts[0].account_id },
    });
    expect(resting.status).toBe(409);
    expect(resting.data.detail).toMatch(/^Сейчас ни один аккаунт не может действовать/);
  });

  it('execute starts, pause pauses (twice is fine), execute resumes; progress, status, logs and task accounts read as the page reads them', async () => {
    const started = await page(`/api/invite/tasks/${taskId}/execute`, { method: 'POST' });
    expect(started.status).toBe(200);
    expect(started.data).toMatchObject({ status: 'running', action: 'started' });
    const worker = t.ctx.createWorker('compat-test');
    for (let i = 0; i < 3; i++) {
      await worker.tick();
      t.clock.advanceSeconds(901);
    }
    const task = (await page(`/api/invite/tasks/${taskId}`)).data;
    expect(task.invited_count).toBeGreaterThanOrEqual(2);
    expect(task.progress).toBeGreaterThan(0);

    const status = await page(`/api/invite/tasks/${taskId}/status`);
    expect(status.data).toMatchObject({ task_id: taskId, task_title: 'Акция (обновлено)', task_status: 'running' });
    expect(Object.keys(status.data.targets_statistics).sort()).toEqual([
      'failed_targets',
      'invited_targets',
      'pending_targets',
      'progress_percentage',
      'skipped_targets',
      'success_rate',
      'total_targets',
    ]);
    expect(status.data.targets_statistics.total_targets).toBe(14);
    expect(status.data.targets_statistics.invited_targets).toBe(task.invited_count);
    expect(status.data.targets_statistics.success_rate).toBe(100);
    expect(Object.keys(status.data.execution_statistics).sort()).toEqual([
      'avg_execution_time',
      'failed_invites',
      'flood_wait',
      'rate_limited',
      'successful_invites',
      'total_attempts',
    ]);
    expect(status.data.execution_statistics.successful_invites).toBe(task.invited_count);
    expect(Array.isArray(status.data.accounts_statistics)).toBe(true);
    expect(status.data.accounts_statistics.length).toBeGreaterThan(0);

    const logs = await page(`/api/invite/tasks/${taskId}/logs?limit=50&offset=&action=&status=`);
    expect(logs.status).toBe(200);
    const list = logs.data.logs ?? logs.data;
    expect(list.length).toBeGreaterThanOrEqual(task.invited_count);
    expect(Object.keys(list[0]).sort()).toEqual(
      expect.arrayContaining(['id', 'task_id', 'target_id', 'account_id', 'action', 'status', 'details', 'created_at']),
    );
    expect(list[0]).toMatchObject({ task_id: taskId, action: 'invite', status: 'success' });
    const second = await page(`/api/invite/tasks/${taskId}/logs?limit=1&offset=1`);
    expect(second.data.logs).toHaveLength(1);
    expect(second.data.logs[0].id).toBe(list[1].id);
    expect((await page(`/api/invite/tasks/${taskId}/logs?limit=50&status=failed`)).data.logs).toEqual([]);

    const accounts = await page(`/api/invite/tasks/${taskId}/accounts`);
    expect(Array.isArray(accounts.data)).toBe(true);
    expect(accounts.data[0]).toMatchObject({ platform: 'telegram', status: 'active', daily_invite_limit: 30, eligible: true });
    expect(accounts.data[0].daily_invites_used).toBeGreaterThan(0);

    expect((await page(`/api/invite/tasks/${taskId}/pause`, { method: 'POST' })).data).toMatchObject({ status: 'paused' });
    const twice = await page(`/api/invite/tasks/${taskId}/pause`, { method: 'POST' });
    expect(twice.ok).toBe(true);
    expect(twice.data.status).toBe('paused');
    const resumed = await page(`/api/invite/tasks/${taskId}/execute`, { method: 'POST' });
    expect(resumed.data).toMatchObject({ status: 'running', action: 'resumed' });
    expect((await page('/api/invite/tasks/?status=running')).data.items.map((i: any) => i.id)).toEqual([taskId]);
  });

  it('a send_messages task when the caller says so; urgent is the high priority; delete', async () => {
    const res = await page('/api/invite/tasks/', { method: 'POST', json: createBody('Рассылка', { task_type: 'send_messages', priority: 'urgent' }) });
    expect(res.status).toBe(201);
    expect(res.data).toMatchObject({ task_type: 'send_messages', priority: 'high', message_template: 'Привет! Присоединяйтесь к нашему чату' });
    expect(res.data.ignored_fields).not.toContain('invite_message');
    const del = await page(`/api/invite/tasks/${res.data.id}`, { method: 'DELETE' });
    expect(del.ok).toBe(true);
    expect((await page(`/api/invite/tasks/${res.data.id}`)).status).toBe(404);
  });

  it('errors carry a Russian detail as well as our code and sentence', async () => {
    const missing = await page('/api/invite/tasks/999999');
    expect(missing.status).toBe(404);
    expect(missing.data).toMatchObject({ error: 'NOT_FOUND', detail: 'Задача не найдена.' });
    const badPriority = await page('/api/invite/tasks/', { method: 'POST', json: createBody('x', { priority: 'asap' }) });
    expect(badPriority.status).toBe(400);
    expect(badPriority.data.detail).toMatch(/^Проверьте данные запроса: .*приоритет/);
    const noAuth = await page('/api/invite/tasks/', { token: null });
    expect(noAuth.status).toBe(401);
    expect(noAuth.data.detail).toMatch(/^Войдите заново/);
    const empty = await page('/api/invite/tasks/', { method: 'POST', json: createBody('Пустая') });
    await page(`/api/invite/tasks/${empty.data.id}`, { method: 'PUT', json: { target_group: '@sandbox_news' } });
    const noTargets = await page(`/api/invite/tasks/${empty.data.id}/execute`, { method: 'POST' });
    expect(noTargets.status).toBe(409);
    expect(noTargets.data.detail).toMatch(/^В задаче нет получателей/);
    await page(`/api/invite/tasks/${empty.data.id}`, { method: 'DELETE' });
  });
});

describe('nothing of it weakens the core', () => {
  it("another user's task is 404 on every call of the page; their lists never show it", async () => {
    const mine = (await page('/api/invite/tasks/', { method: 'POST', json: createBody('Только моя') })).data.id;
    const calls: Array<[string, Call]> = [
      [`/api/invite/tasks/${mine}`, {}],
      [`/api/invite/tasks/${mine}`, { method: 'PUT', json: { name: 'чужое' } }],
      [`/api/invite/tasks/${mine}/execute`, { method: 'POST' }],
      [`/api/invite/tasks/${mine}/pause`, { method: 'POST' }],
      [`/api/invite/tasks/${mine}/status`, {}],
      [`/api/invite/tasks/${mine}/logs?limit=50`, {}],
      [`/api/invite/tasks/${mine}/accounts`, {}],
      [`/api/invite/tasks/${mine}/test-invite`, { method: 'POST', json: { username: '@someone_else' } }],
      [`/api/invite/tasks/${mine}/import/parsing`, { method: 'POST', json: { parsing_task_id: 'not-mine' } }],
      [`/api/invite/tasks/${mine}/import/file`, { method: 'POST', body: csvForm(['@x_person_one']) }],
      [`/api/invite/tasks/${mine}`, { method: 'DELETE' }],
    ];
    for (const [path, call] of calls) {
      const res = await page(path, { ...call, user: 2 });
      expect(res.status, `${call.method ?? 'GET'} ${path}`).toBe(404);
      expect(res.data.detail).toBe('Задача не найдена.');
    }
    expect((await page('/api/invite/tasks/', { user: 2 })).data.items).toEqual([]);
    expect((await page('/api/invite/accounts/', { user: 2 })).data).toEqual([]);
    expect((await page('/api/invite/parsing-tasks', { user: 2 })).data.map((b: any) => b.id)).toEqual(['not-mine']);
    // User 1's account cannot be named by user 2 either.
    const other = (await page('/api/invite/tasks/', { method: 'POST', user: 2, json: createBody('Чужая задача', { target_group: '@sandbox_marketing' }) })).data
      .id;
    const accounts = (await page('/api/invite/accounts/')).data;
    const named = await page(`/api/invite/tasks/${other}/test-invite`, {
      method: 'POST',
      user: 2,
      json: { username: '@dave_example', account_id: accounts[0].account_id },
    });
    expect(named.status).toBe(404);
    expect(named.data.detail).toBe('Аккаунт не найден.');
    expect((await page(`/api/invite/tasks/${mine}`, { method: 'DELETE' })).ok).toBe(true);
  });

  it('the audience cap, the upload size, the concurrent-task cap and the core validation apply', async () => {
    const id = (await page('/api/invite/tasks/', { method: 'POST', json: createBody('Лимиты', { target_group: '@sandbox_news' }) })).data.id;
    const many = Array.from({ length: 45 }, (_, i) => `@capped_person_${i}`);
    const capped = await page(`/api/invite/tasks/${id}/import/file`, { method: 'POST', body: csvForm(many) });
    expect(capped.data).toMatchObject({ imported_count: 40, over_limit_count: 5 });
    const huge = new FormData();
    huge.append(
      'file',
      new Blob([`username\n${Array.from({ length: 4000 }, (_, i) => `@big_file_person_${i}`).join('\n')}\n`], { type: 'text/csv' }),
      'big.csv',
    );
    const tooBig = await page(`/api/invite/tasks/${id}/import/file`, { method: 'POST', body: huge });
    expect(tooBig.status).toBe(413);
    expect(tooBig.data.detail).toMatch(/^Файл слишком большой/);
    // MAX_CONCURRENT_TASKS_PER_USER=2: the campaign above runs, this one makes two, a third is refused.
    expect((await page(`/api/invite/tasks/${id}/execute`, { method: 'POST' })).data.status).toBe('running');
    const third = (await page('/api/invite/tasks/', { method: 'POST', json: createBody('Третья', { target_group: '@sandbox_marketing' }) })).data.id;
    await page(`/api/invite/tasks/${third}/import/file`, { method: 'POST', body: csvForm(['@third_person_1']) });
    const refused = await page(`/api/invite/tasks/${third}/execute`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(refused.data).toMatchObject({ error: 'TOO_MANY_ACTIVE_TASKS' });
    expect(refused.data.detail).toMatch(/слишком много запущенных задач/);
    const longName = await page('/api/invite/tasks/', { method: 'POST', json: createBody('я'.repeat(201)) });
    expect(longName.status).toBe(400);
    const badGroup = await page(`/api/invite/tasks/${third}`, { method: 'PUT', json: { target_group: 'x' } });
    expect(badGroup.status).toBe(400);
  });
});

describe('one set of handlers at two addresses', () => {
  it('every core route also answers at /api/v1/{path}; our own UI keeps /api/v1/invite/…; trailing slashes are tolerated', async () => {
    const core = await raw('/api/v1/invite/tasks/?page_size=5');
    expect(core.status).toBe(200);
    expect(core.data.items[0].status).toMatch(/^[A-Z_]+$/); // the core's spelling
    const id = core.data.items[0].id;
    for (const path of [
      `/api/v1/tasks/${id}/stats`,
      `/api/v1/tasks/${id}/stats/`,
      `/api/v1/tasks/${id}/targets`,
      '/api/v1/dashboard/summary',
      '/api/v1/jobs/',
      '/api/v1/groups/check?link=@sandbox_marketing',
      '/api/v1/invite/accounts/',
      '/api/v1/invite/tasks/',
    ]) {
      expect((await raw(path)).status, path).toBe(200);
    }
    // A core route under the bare path, through the gateway: the page never calls it, the platform's services may.
    const report = await fetch(`${base}${viaGateway(`/api/invite/tasks/${id}/report`)}`, { headers: { authorization: `Bearer ${await t.token(1)}` } });
    expect(report.status).toBe(200);
    expect(report.headers.get('content-type')).toMatch(/text\/csv/);
    for (const path of ['/health/', '/api/v1/health/', '/api/v1/invite/health/', '/api/v1/health/detailed/']) {
      expect((await fetch(`${base}${path}`)).status, path).toBe(200);
    }
    expect((await raw('/api/v1/no-such-thing')).status).toBe(404);
  });

  it('the OpenAPI document lists each core route once (under /api/v1/invite) and the page’s routes under their tag', async () => {
    const doc = (await (await fetch(`${base}/docs/json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
    const paths = Object.keys(doc.paths);
    expect(paths).toContain('/api/v1/invite/tasks/{id}/start');
    expect(paths).not.toContain('/api/v1/tasks/{id}/start');
    expect(doc.paths['/api/v1/tasks/{id}/execute']!.post!.tags).toEqual(['mailing-page (compat)']);
    expect(doc.paths['/api/v1/parsing-tasks']!.get!.tags).toEqual(['mailing-page (compat)']);
  });
});

describe('per-user request budgets', () => {
  it("the page's admin check counts against the expensive budget like the core's /groups/check", async () => {
    const limited = await makeTestApp({ RATE_LIMIT_EXPENSIVE_PER_USER_PER_MINUTE: '2' });
    try {
      await limited.app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(limited.app.server.address() as AddressInfo).port}${viaGateway('/api/invite/tasks/check-admin-rights')}`;
      const headers = { authorization: `Bearer ${await limited.token(1)}`, 'content-type': 'application/json' };
      const statuses: number[] = [];
      let last: any;
      for (let i = 0; i < 3; i++) {
        const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ group_link: '@sandbox_marketing' }) });
        statuses.push(res.status);
        last = await res.json();
      }
      expect(statuses.slice(0, 2).every((s) => s !== 429)).toBe(true);
      expect(statuses[2]).toBe(429);
      expect(last.detail).toMatch(/^Слишком много запросов/);
    } finally {
      await limited.close();
    }
  });
});
