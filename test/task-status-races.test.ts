import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createContext, type AppContext } from '../src/app-context.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/observability/logger.js';
import { SandboxPlatform } from '../src/platform/sandbox/sandbox-platform.js';
import { completeDoneTasks, transitionTask } from '../src/tasks/task-status.js';
import { addSandboxAccount, createInviteTask, ENGINE, makeTestApp, seededRandom, type TestApp } from './helpers/test-app.js';

/**
 * Every task status change is one conditional UPDATE (src/tasks/task-status.ts). These tests race two
 * writers on separate connection pools (two processes in all but name) against one PostgreSQL database.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const metric = async (ctx: AppContext, status: string) =>
  (await ctx.metrics.tasksTotal.get()).values.filter((v) => v.labels.status === status).reduce((s, v) => s + v.value, 0);

describe('a refused transition names the current status', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('409 with the status the task is in now; 404 when it is gone', async () => {
    await addSandboxAccount(t);
    const task = await createInviteTask(t, ['status_one']);
    await sql`UPDATE tasks SET status = 'COMPLETED' WHERE id = ${task.id}`.execute(t.ctx.db);
    const res = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/pause` });
    expect(res.statusCode).toBe(409);
    expect(res.json.message).toContain('because it is COMPLETED');
    // The conditional update itself, without the early check.
    await expect(transitionTask(t.ctx.db, t.clock.now(), { id: task.id, action: 'resume', to: 'IN_PROGRESS' })).rejects.toMatchObject({
      statusCode: 409,
      message: expect.stringContaining('because it is COMPLETED'),
    });
    await expect(transitionTask(t.ctx.db, t.clock.now(), { id: 999_999, action: 'pause', to: 'PAUSED' })).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe.skipIf(ENGINE !== 'postgres')('task status races on PostgreSQL (separate connection pools)', () => {
  let t: TestApp;
  let other: AppContext;
  let otherApp: Awaited<ReturnType<typeof buildApp>>;

  beforeAll(async () => {
    t = await makeTestApp({ MAX_CONCURRENT_TASKS_PER_USER: '1000' });
    other = await createContext(t.ctx.config, {
      clock: t.clock,
      logger: createLogger('silent'),
      random: seededRandom(5),
      adapters: { sandbox: new SandboxPlatform(t.ctx.sandboxWorld) },
    });
    otherApp = await buildApp(other);
    await addSandboxAccount(t, 1, 'Racer');
  });
  afterAll(async () => {
    await otherApp?.close();
    await other?.close();
    await t?.close();
  });

  const running = async (name: string, doneTargets: boolean) => {
    const task = await createInviteTask(t, [`${name}_a`, `${name}_b`], { start: true });
    expect(task.status).toBe('IN_PROGRESS');
    if (doneTargets) await sql`UPDATE targets SET status = 'INVITED', processed_at = now() WHERE task_id = ${task.id}`.execute(t.ctx.db);
    return task.id as number;
  };
  const statusOf = async (id: number) => (await sql<{ status: string }>`SELECT status FROM tasks WHERE id = ${id}`.execute(t.ctx.db)).rows[0]!.status;
  const audits = async (action: string, ids: number[]) =>
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log WHERE action = ${action} AND entity_id = ANY(${ids.map(String)})`.execute(t.ctx.db))
      .rows[0]!.n;

  it('a pause blocked behind an uncommitted completion answers 409 naming COMPLETED (never PAUSED after COMPLETED)', async () => {
    const id = await running('lock_pause', true);
    let commit!: () => void;
    const gate = new Promise<void>((r) => {
      commit = r;
    });
    const completion = other.db.transaction().execute(async (trx) => {
      expect(await completeDoneTasks(trx, t.clock.now(), id)).toHaveLength(1);
      await gate; // the row stays locked, COMPLETED not yet visible
    });
    await sleep(100);
    // The pause reads IN_PROGRESS (the early check passes) and its UPDATE waits for the row lock.
    const pause = t.ctx.lifecycle.pause(1, id).then(
      () => 'ok',
      (e) => e,
    );
    await sleep(300);
    commit();
    await completion;
    const outcome = await pause;
    expect(outcome).toMatchObject({ statusCode: 409, message: expect.stringContaining('because it is COMPLETED') });
    expect(await statusOf(id)).toBe('COMPLETED');
    expect(await audits('task.pause', [id])).toBe(0);
  });

  it('pause vs completion, many at once: each task ends PAUSED or COMPLETED, matching who won, with metrics and audit', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(await running(`race_pc_${i}`, true));
    const completedBefore = await metric(other, 'COMPLETED');
    const worker = other.createWorker('race-worker');
    const outcomes = await Promise.all(
      ids.map(async (id, i) => {
        const [pause] = await Promise.all([
          (async () => {
            if (i % 2) await sleep(1);
            return t.ctx.lifecycle.pause(1, id).then(
              () => 'ok' as const,
              (e) => e,
            );
          })(),
          (async () => {
            if (!(i % 2)) await sleep(1);
            await worker.completeIfDone(id);
          })(),
        ]);
        return { id, pause };
      }),
    );
    let paused = 0;
    let completed = 0;
    for (const o of outcomes) {
      const status = await statusOf(o.id);
      if (o.pause === 'ok') {
        expect(status).toBe('PAUSED');
        paused++;
      } else {
        expect(o.pause).toMatchObject({ statusCode: 409, message: expect.stringContaining('because it is COMPLETED') });
        expect(status).toBe('COMPLETED');
        completed++;
      }
    }
    expect(paused + completed).toBe(ids.length);
    expect(await audits('task.pause', ids)).toBe(paused);
    expect((await metric(other, 'COMPLETED')) - completedBefore).toBe(completed);
    // A paused task with nothing left is completed once resumed, never while paused.
    await worker.completeIfDone();
    for (const o of outcomes) if (o.pause === 'ok') expect(await statusOf(o.id)).toBe('PAUSED');
  });

  it('cancel vs start: the start that loses answers 409 naming CANCELLED; the task never runs after a cancel', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 8; i++) ids.push((await createInviteTask(t, [`race_cs_${i}`])).id);
    const outcomes = await Promise.all(
      ids.map(async (id) => {
        const [start, cancel] = await Promise.all([
          t.ctx.lifecycle.start(1, id).then(
            (r) => r.status,
            (e) => e,
          ),
          other.lifecycle.cancel(1, id).then(
            (r) => r.status,
            (e) => e,
          ),
        ]);
        return { id, start, cancel };
      }),
    );
    for (const o of outcomes) {
      // A cancel is allowed from PENDING and from IN_PROGRESS, so it always wins in the end.
      expect(o.cancel).toBe('CANCELLED');
      expect(await statusOf(o.id)).toBe('CANCELLED');
      if (typeof o.start !== 'string') expect(o.start).toMatchObject({ statusCode: 409, message: expect.stringContaining('because it is CANCELLED') });
    }
    expect(await audits('task.cancel', ids)).toBe(ids.length);
    expect(await audits('task.start', ids)).toBe(outcomes.filter((o) => typeof o.start === 'string').length);
  });

  it('two bulk actions at once (PAUSE and RESUME on the same tasks) leave each task consistent with the per-id results', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) ids.push(await running(`race_bulk_${i}`, false));
    await t.token(1);
    const token = await t.ctx.jwt.sign(1);
    const bulk = (app: typeof otherApp, action: string) =>
      app
        .inject({
          method: 'POST',
          url: '/api/v1/invite/tasks/bulk',
          headers: { authorization: `Bearer ${token}` },
          payload: { action, task_ids: ids },
        })
        .then((r) => r.json() as { results: Array<{ id: number; ok: boolean; status?: string; message?: string }> });
    const [pause, resume] = await Promise.all([bulk(t.app, 'PAUSE'), bulk(otherApp, 'RESUME')]);
    for (const id of ids) {
      const p = pause.results.find((r) => r.id === id)!;
      const r = resume.results.find((x) => x.id === id)!;
      // Starting IN_PROGRESS, the pause always succeeds; the resume succeeds only if it came after it.
      expect(p.ok).toBe(true);
      const status = await statusOf(id);
      if (r.ok) expect(status).toBe('IN_PROGRESS');
      else {
        expect(r.message).toMatch(/because it is (IN_PROGRESS|SCHEDULED)/);
        expect(status).toBe('PAUSED');
      }
    }
    expect(await audits('task.pause', ids)).toBe(ids.length);
    expect(await audits('task.resume', ids)).toBe(resume.results.filter((r) => r.ok).length);
  });
});
