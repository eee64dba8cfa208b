import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statementName } from '../src/db/prepared-statements.js';
import { helmetHeaders, HELMET_OPTIONS } from '../src/http/security-headers.js';
import { responseSerializerCompiler } from '../src/http/response-serializer.js';
import { taskListResponse, taskStatusResponse } from '../src/tasks/task-responses.js';
import { taskToJson } from '../src/tasks/task-service.js';
import { DEFAULT_API_LANG, renderStoredReason } from '../src/shared/messages.js';
import type { ListTasksQuery } from '../src/tasks/task-schemas.js';
import { ENGINE, addSandboxAccount, createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';

/**
 * Issue 13's read path (status poll, task list): one statement each, compiled serialisers that must not lose or
 * change a field, helmet's headers computed once, prepared statements on PostgreSQL.
 */
let t: TestApp;
const ids: number[] = [];

beforeAll(async () => {
  t = await makeTestApp();
  await addSandboxAccount(t);
  // Tasks that differ in every column the list sorts or filters by, and in which fields are null.
  const specs = [
    { name: 'alpha', priority: 'HIGH', targets: 4, done: 1 },
    { name: 'bravo', priority: 'LOW', targets: 2, done: 2 },
    { name: 'charlie', priority: 'MEDIUM', targets: 5, done: 0 },
    { name: 'delta', priority: 'HIGH', targets: 0, done: 0 },
    { name: 'echo', priority: 'MEDIUM', targets: 3, done: 1 },
  ];
  for (const [i, s] of specs.entries()) {
    t.clock.advanceSeconds(60);
    const task = await createInviteTask(
      t,
      Array.from({ length: s.targets }, (_, j) => `read_path_${i}_${j}`),
      { name: s.name, priority: s.priority, settings: { notes: `notes ${i}` } },
    );
    ids.push(task.id);
    if (s.done)
      await sql`UPDATE targets SET status = 'INVITED' WHERE id IN (SELECT id FROM targets WHERE task_id = ${task.id} ORDER BY id LIMIT ${s.done})`.execute(
        t.ctx.db,
      );
  }
  // Non-null values where most tasks have nulls: a running task, a finished one with a reason, a scheduled one.
  await t.ctx.db
    .updateTable('tasks')
    .set({ status: 'IN_PROGRESS', started_at: t.clock.now(), target_group_title: 'Marketing' })
    .where('id', '=', ids[2]!)
    .execute();
  await t.ctx.db
    .updateTable('tasks')
    .set({ status: 'CANCELLED', status_reason: 'Stopped by the owner', finished_at: t.clock.now() })
    .where('id', '=', ids[1]!)
    .execute();
  await t.ctx.db
    .updateTable('tasks')
    .set({ status: 'SCHEDULED', scheduled_at: new Date('2026-02-01T10:00:00Z') })
    .where('id', '=', ids[4]!)
    .execute();
  // What the list's JSON, written by PostgreSQL, must write as JavaScript does: microseconds (dropped, not rounded),
  // quotes, backslashes and Cyrillic in text, a stored reason code with params (rendered in the reader's language).
  await sql`UPDATE tasks SET updated_at = '2026-03-04 05:06:07.891999+00', name = ${'delta "кавычки" \\ «ёлка»\n'},
    status_reason = 'NOTIFY.import_failed', status_reason_params = ${JSON.stringify({ name: 'x "y"', reason: 'файл' })}::jsonb
    WHERE id = ${ids[3]!}`.execute(t.ctx.db);
  // Another user's task, which no list or status of user 1 may show.
  await createInviteTask(t, ['someone_else'], { name: 'zulu' }, 2);
});
afterAll(async () => {
  await t?.close();
});

const listQuery = (q: Partial<ListTasksQuery>): ListTasksQuery => ({ page: 1, page_size: 20, sort: 'created_at', order: 'desc', running_first: true, ...q });

describe('response shapes', () => {
  it('list items carry every field of TaskJson (web/src/api/types.ts) plus why; the page every field of Page', async () => {
    const res = await t.api({ method: 'GET', url: '/api/v1/invite/tasks?page_size=20' });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(['items', 'page', 'page_size', 'pages', 'total']);
    expect(res.json.items).toHaveLength(5);
    for (const item of res.json.items) {
      const row = await t.ctx.tasks.getOwned(1, item.id);
      const expected = taskToJson(row, await t.ctx.tasks.counters(row.id));
      expect(Object.keys(item).sort()).toEqual([...Object.keys(expected), 'why'].sort());
      expect(Object.keys(item.counters).sort()).toEqual(Object.keys(expected.counters).sort());
      // Values too: what the list says is what the task's own JSON says.
      const { why: _, ...rest } = item;
      expect(rest).toEqual(JSON.parse(JSON.stringify(expected)));
    }
  });

  it('status carries what the UI reads and every field it answered before, with the counters of the list', async () => {
    for (const id of ids) {
      const res = await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${id}/status` });
      expect(res.statusCode).toBe(200);
      expect(Object.keys(res.json).sort()).toEqual(
        ['counters', 'eta_seconds', 'id', 'platform_mode', 'sandbox', 'status', 'status_reason', 'updated_at', 'why'].sort(),
      );
      const row = await t.ctx.tasks.getOwned(1, id);
      expect(res.json.counters).toEqual(await t.ctx.tasks.counters(id));
      expect(res.json).toMatchObject({
        id,
        status: row.status,
        status_reason: renderStoredReason(row.status_reason, row.status_reason_params as Record<string, unknown> | null, DEFAULT_API_LANG),
        updated_at: row.updated_at.toISOString(),
      });
    }
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${ids[0]}/status`, user: 2 })).statusCode).toBe(404);
  });

  it('the compiled serialisers write exactly what JSON.stringify writes, extra fields and nulls included', async () => {
    const list = responseSerializerCompiler({ schema: taskListResponse, method: 'GET', url: '/tasks', httpStatus: '200' } as never) as (v: unknown) => string;
    const page = await t.ctx.tasks.list(1, listQuery({}));
    const value = { ...page, items: page.items.map((i, n) => ({ ...i, why: n % 2 ? null : { code: 'X', text: 'y', until: null, stuck: false }, extra: [n] })) };
    expect(JSON.parse(list(value))).toEqual(JSON.parse(JSON.stringify(value)));

    const status = responseSerializerCompiler({ schema: taskStatusResponse, method: 'GET', url: '/status', httpStatus: '200' } as never) as (
      v: unknown,
    ) => string;
    const { task, counters } = await t.ctx.tasks.getOwnedForStatus(1, ids[1]!);
    const poll = {
      id: task.id,
      status: task.status,
      status_reason: task.status_reason,
      platform_mode: task.platform_mode,
      sandbox: true,
      counters,
      eta_seconds: null,
      why: null,
      updated_at: task.updated_at.toISOString(),
      added_later: { a: 1 },
    };
    expect(JSON.parse(status(poll))).toEqual(JSON.parse(JSON.stringify(poll)));
  });
});

describe('task list in one statement', () => {
  /** The order the list promises, computed here from every task's own JSON. */
  async function reference(q: ListTasksQuery) {
    const all = await Promise.all(ids.map(async (id) => taskToJson(await t.ctx.tasks.getOwned(1, id), await t.ctx.tasks.counters(id))));
    const rank = { HIGH: 3, MEDIUM: 2, LOW: 1 } as const;
    // A task that never had an audience has no task_counters row: its progress is NULL, which the list puts last either way.
    const counted = new Set((await t.ctx.db.selectFrom('task_counters').select('task_id').execute()).map((r) => r.task_id));
    const key = (x: (typeof all)[number]): string | number | null =>
      ({
        created_at: x.created_at,
        updated_at: x.updated_at,
        name: x.name.toLowerCase(),
        status: x.status,
        priority: rank[x.priority],
        progress: counted.has(x.id) ? x.counters.progress : null,
      })[q.sort];
    const matching = all.filter((x) => !q.status?.length || q.status.includes(x.status)).filter((x) => !q.priority?.length || q.priority.includes(x.priority));
    matching.sort((a, b) => {
      if (q.running_first) {
        const r = Number(b.status === 'IN_PROGRESS') - Number(a.status === 'IN_PROGRESS');
        if (r) return r;
      }
      const [ka, kb] = [key(a), key(b)];
      if ((ka === null) !== (kb === null)) return ka === null ? 1 : -1;
      const c = ka === kb ? 0 : ka! < kb! ? -1 : 1;
      // Ties in time go the asked way; other ties newest first.
      const byTime = q.sort === 'created_at' || q.sort === 'updated_at';
      return (q.order === 'asc' ? c : -c) || (byTime && q.order === 'asc' ? a.id - b.id : b.id - a.id);
    });
    return { ids: matching.map((x) => x.id), total: matching.length };
  }

  it('answers every sort, order and filter with the right page and total, past the end included', async () => {
    const queries: Array<Partial<ListTasksQuery>> = [];
    for (const sort of ['created_at', 'updated_at', 'name', 'status', 'priority', 'progress'] as const)
      for (const order of ['asc', 'desc'] as const) for (const running_first of [true, false]) queries.push({ sort, order, running_first });
    queries.push({ status: ['PENDING', 'SCHEDULED'] }, { priority: ['HIGH'], sort: 'name', order: 'asc' }, { status: ['FAILED'] });
    for (const partial of queries) {
      const q = listQuery(partial);
      const want = await reference(q);
      for (const page_size of [2, 20]) {
        for (let page = 1; page <= Math.ceil(want.total / page_size) + 1; page++) {
          const got = await t.ctx.tasks.list(1, { ...q, page, page_size });
          const label = JSON.stringify({ ...partial, page, page_size });
          expect(
            got.items.map((i) => i.id),
            label,
          ).toEqual(want.ids.slice((page - 1) * page_size, page * page_size));
          expect(got.total, label).toBe(want.total);
          expect(got.pages, label).toBe(Math.ceil(want.total / page_size));
        }
      }
    }
  });
});

describe('security headers', () => {
  it('every answer (200, 401, 404) carries the headers @fastify/helmet sets', async () => {
    const expected = await helmetHeaders(HELMET_OPTIONS);
    expect(expected['content-security-policy']).toContain("script-src 'self'");
    expect(expected['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(expected['referrer-policy']).toBe('no-referrer');
    expect(Object.keys(expected).length).toBeGreaterThan(8);
    for (const [url, status] of [
      ['/health', 200],
      ['/api/v1/invite/tasks', 401],
      ['/no-such-page-anywhere.json', 404],
    ] as const) {
      const res = await t.app.inject({ url, headers: { accept: 'application/json' } });
      expect(res.statusCode, url).toBe(status);
      for (const [name, value] of Object.entries(expected)) expect(res.headers[name], `${url} ${name}`).toBe(value);
      expect(res.headers['x-platform-mode']).toBe('sandbox');
    }
  });
});

describe.skipIf(ENGINE !== 'postgres')('prepared statements (PostgreSQL)', () => {
  it('the status poll and the list run as named statements; other statements do not', async () => {
    const names = await t.ctx.db.connection().execute(async (db) => {
      // Through the same pooled connection: the status poll's statement, a list page, and an ordinary query.
      await sql`SELECT 1`.execute(db);
      const { readTaskForStatus, readTaskPage } = await import('../src/tasks/task-queries.js');
      expect((await readTaskForStatus(db, 1, ids[0]!))?.id).toBe(ids[0]);
      expect((await readTaskForStatus(db, 2, ids[0]!))?.id).toBeUndefined();
      expect((await readTaskPage(db, 1, listQuery({}))).total).toBe(5);
      return (await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements`.execute(db)).rows;
    });
    expect(names.some((n) => n.statement === 'SELECT 1')).toBe(false);
    for (const n of names) expect(statementName(n.statement)).toBe(n.name);
    expect(names.some((n) => n.statement.includes('eligible_accounts'))).toBe(true);
    expect(names.some((n) => n.statement.includes('total_count'))).toBe(true);
  });
});
