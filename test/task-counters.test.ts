import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { addSandboxAccount, createInviteTask, makeTestApp, seededRandom, type TestApp } from './helpers/test-app.js';
import { multipartBody } from './helpers/multipart.js';
import { runVirtual } from '../src/scheduler/worker-loop.js';

/**
 * Task counters are kept by triggers on targets (migration 7) instead of being recounted on every read. Whatever
 * changes the audience — imports, inline adds, edits, deletes, bulk actions, the worker's claims and outcomes,
 * duplicates, task deletion — the kept counters must equal a recount. Each step below is checked against one.
 */
describe('task counters kept by triggers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp(
      { PAUSE_MIN_SECONDS: '0', PAUSE_MAX_SECONDS: '0', LIMIT_INVITES_PER_GROUP_DAY: '1000', LIMIT_INVITES_PER_ACCOUNT_DAY: '1000' },
      { sandbox: { privacyRate: 0.2 } },
    );
    await addSandboxAccount(t);
    await addSandboxAccount(t, 1, 'Second');
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Kept counters of every task, and the same numbers recounted from targets. */
  async function compare() {
    const kept = await sql<Record<string, number>>`
      SELECT t.id, coalesce(c.pending, 0) AS pending, coalesce(c.in_flight, 0) AS in_flight, coalesce(c.invited, 0) AS invited,
             coalesce(c.sent, 0) AS sent, coalesce(c.skipped, 0) AS skipped, coalesce(c.failed, 0) AS failed
        FROM tasks t LEFT JOIN task_counters c ON c.task_id = t.id ORDER BY t.id`.execute(t.ctx.db);
    const recount = await sql<Record<string, number>>`
      SELECT t.id, count(g.id) FILTER (WHERE g.status = 'PENDING')::int AS pending, count(g.id) FILTER (WHERE g.status = 'IN_FLIGHT')::int AS in_flight,
             count(g.id) FILTER (WHERE g.status = 'INVITED')::int AS invited, count(g.id) FILTER (WHERE g.status = 'SENT')::int AS sent,
             count(g.id) FILTER (WHERE g.status = 'SKIPPED')::int AS skipped, count(g.id) FILTER (WHERE g.status = 'FAILED')::int AS failed
        FROM tasks t LEFT JOIN targets g ON g.task_id = t.id GROUP BY t.id ORDER BY t.id`.execute(t.ctx.db);
    const n = (rows: Array<Record<string, number>>) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)])));
    expect(n(kept.rows)).toEqual(n(recount.rows));
  }

  it('stay equal to a recount through imports, edits, bulk actions, the worker, duplicates and deletes', async () => {
    const random = seededRandom(11);
    const a = await createInviteTask(
      t,
      Array.from({ length: 40 }, (_, i) => `@count_a_${i}`),
    );
    const b = await createInviteTask(t, []);
    await compare();
    const csv = `username\n${Array.from({ length: 120 }, (_, i) => `@count_b_${i}`).join('\n')}\n@count_b_1\n`;
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/import/file?task_id=${b.id}`, ...multipartBody('b.csv', csv) })).statusCode).toBe(200);
    await compare();

    // Random single edits and deletes.
    const list = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${b.id}/targets?page_size=100` })).json.items;
    for (const target of list.slice(0, 10)) {
      if (random() < 0.5) await t.api({ method: 'DELETE', url: `/api/v1/invite/tasks/${b.id}/targets/${target.id}` });
      else await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${b.id}/targets/${target.id}`, payload: { first_name: 'Edited' } });
    }
    await compare();

    // Run both tasks part-way, then bulk actions on what is left and what is done.
    for (const task of [a, b]) expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/start` })).statusCode).toBe(200);
    await runVirtual(t.ctx.createWorker('counters'), t.clock, t.clock.now().getTime() + 3600_000, { maxActions: 60 });
    await compare();
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${b.id}/pause` });
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${b.id}/targets/bulk-action`, payload: { action: 'skip', statuses: ['PENDING'] } });
    await compare();
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${b.id}/targets/bulk-action`, payload: { action: 'reset', statuses: ['SKIPPED'] } });
    await compare();
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${b.id}/targets/bulk-action`, payload: { action: 'delete', statuses: ['INVITED'] } });
    await compare();

    // Finish task a; duplicate it; delete b with its audience.
    await runVirtual(t.ctx.createWorker('counters-2'), t.clock, t.clock.now().getTime() + 48 * 3600_000);
    await compare();
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${a.id}/duplicate` })).statusCode).toBe(201);
    await compare();
    expect((await t.api({ method: 'DELETE', url: `/api/v1/invite/tasks/${b.id}` })).statusCode).toBe(204);
    await compare();

    // And what the API shows is the kept numbers.
    const shown = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${a.id}/status` })).json.counters;
    expect(shown.total).toBe(40);
    expect(shown.pending + shown.in_flight).toBe(0);
    expect(shown.invited + shown.skipped + shown.failed).toBe(40);
    expect(shown.progress).toBe(1);
  });
});
