import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { ParsingServiceFake, fakePerson } from './helpers/platform-fakes.js';
import { Redis } from 'ioredis';
import { WITH_REDIS, addSandboxAccount, createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';
import { multipartBody } from './helpers/multipart.js';
import type { BullMqTransport } from '../src/jobs/bullmq-transport.js';
import { JobService } from '../src/jobs/job-service.js';
import { EmbeddedTransport } from '../src/jobs/embedded-transport.js';
import { JobStore } from '../src/jobs/job-store.js';
import { ScaledClock } from '../src/shared/clock.js';
import { createLogger } from '../src/observability/logger.js';

const JWT_SECRET = randomBytes(16).toString('hex');
const parsing = new ParsingServiceFake(JWT_SECRET);
/** Page requests of the "slow" base wait here until the test lets them through. */
let releaseSlow: () => void = () => {};
let flakyFailuresLeft = 0;

/** The Parsing Service fake with user 1's bases: a normal one, a flaky one (503 first), and a slow one (held at offset 1000). */
async function startParsingService(): Promise<string> {
  const people = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ ...fakePerson(i + 1), username: `bg_person_${i}`, platform_specific_data: { user_id: 500000 + i } }));
  for (const task_id of ['base-1', 'flaky', 'slow']) parsing.addBase(1, { task_id, results: people(1500) });
  parsing.interceptors.push(async (_req, res, url) => {
    if (url.pathname === '/api/v1/results/flaky' && flakyFailuresLeft-- > 0) {
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: 'Parsing Service is restarting' }));
      return true;
    }
    if (url.pathname === '/api/v1/results/slow' && Number(url.searchParams.get('offset')) >= 1000)
      await new Promise<void>((r) => {
        releaseSlow = r;
      });
    return false;
  });
  await parsing.start();
  return parsing.url;
}

async function waitFor<T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const csv = (n: number, from = 0) => `username\n${Array.from({ length: n }, (_, i) => `@file_person_${from + i}`).join('\n')}\n`;

describe('background jobs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp({ JWT_SECRET, PARSING_SERVICE_URL: await startParsingService(), MAX_TARGETS_PER_TASK: '10000' });
    await addSandboxAccount(t);
  });
  afterAll(async () => {
    await t?.close();
    await parsing.close();
  });

  const uploadBackground = (taskId: number | null, filename: string, content: string, user = 1, query = 'background=true') =>
    t.api({ method: 'POST', url: `/api/v1/invite/import/file?${taskId ? `task_id=${taskId}&` : ''}${query}`, user, ...multipartBody(filename, content) });
  const job = async (id: string, user = 1) => (await t.api({ method: 'GET', url: `/api/v1/invite/jobs/${id}`, user })).json;
  /** The whole row, payloads included (the API never shows them). */
  const storedRow = (id: string) => t.ctx.db.selectFrom('background_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const targetCount = async (taskId: number) => (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${taskId}` })).json.counters.total as number;

  it('imports a file in the background: 202 with the job, then progress and the same report a direct import gives', async () => {
    const task = await createInviteTask(t, []);
    const res = await uploadBackground(task.id, 'audience.csv', `${csv(2500)}@file_person_7\nnot a username!\n`);
    expect(res.statusCode).toBe(202);
    expect(res.json).toMatchObject({ kind: 'import_file', queue: 'imports', status: 'QUEUED', task_id: task.id, params: { filename: 'audience.csv' } });
    expect(res.json).not.toHaveProperty('input');
    expect(await targetCount(task.id)).toBe(0);
    // Another user cannot see it.
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/jobs/${res.json.id}`, user: 2 })).statusCode).toBe(404);
    expect((await t.api({ method: 'GET', url: '/api/v1/invite/jobs', user: 2 })).json.total).toBe(0);

    expect(await t.ctx.jobs.runDue()).toBe(1);
    const done = await job(res.json.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.result).toMatchObject({ format: 'csv', total_rows: 2502, imported: 2500, duplicates: 1, invalid: 1 });
    expect(done.result.errors[0]).toMatchObject({ row: 2503 });
    expect(done.progress).toMatchObject({ rows: 2502, imported: 2500 });
    expect(done.attempts).toBe(1);
    expect(await targetCount(task.id)).toBe(2500);
    // The uploaded bytes are not kept once the job is over.
    expect((await storedRow(res.json.id)).input).toBeNull();
    const listed = await t.api({ method: 'GET', url: `/api/v1/invite/jobs?task_id=${task.id}&kind=import_file&status=COMPLETED` });
    expect(listed.json.items.map((j: { id: string }) => j.id)).toEqual([res.json.id]);
  });

  it('starts the task once the background import is in, or says why it could not', async () => {
    const task = await createInviteTask(t, []);
    const res = await uploadBackground(task.id, 'go.csv', csv(20, 40_000), 1, 'background=true&start=true');
    // Starting now would be refused: the audience is not in yet.
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/start` })).json.error).toBe('NO_TARGETS');
    await t.ctx.jobs.runDue();
    expect((await job(res.json.id)).result).toMatchObject({ imported: 20, start: { status: 'IN_PROGRESS' } });
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}` })).json.status).toBe('IN_PROGRESS');
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/cancel` });

    const noAdmin = await createInviteTask(t, [], { target_group: '@sandbox_no_admin' });
    const res2 = await uploadBackground(noAdmin.id, 'go.csv', csv(5, 41_000), 1, 'background=true&start=true');
    await t.ctx.jobs.runDue();
    const done = await job(res2.json.id);
    expect(done.status).toBe('COMPLETED'); // the audience is in; only the start was refused
    expect(done.result.imported).toBe(5);
    expect(done.result.start.error).toMatch(/ADMIN/);
    expect(done.result.start.message).toMatch(/admin/);
    // Kept in both languages: a Russian reader of the job reads the refusal in Russian.
    const inRussian = await t.api({ method: 'GET', url: `/api/v1/invite/jobs/${res2.json.id}`, headers: { 'accept-language': 'ru' } });
    expect(inRussian.json.result.start).toEqual({ error: done.result.start.error, message: expect.stringMatching(/админ/) });
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${noAdmin.id}` })).json.status).toBe('PENDING');

    // Started by hand while the import waited: the job reports the status, not an error.
    const running = await createInviteTask(t, ['first_of_many'], { start: true });
    const res3 = await uploadBackground(running.id, 'more.csv', csv(5, 42_000), 1, 'background=true&start=true');
    await t.ctx.jobs.runDue();
    expect((await job(res3.json.id)).result).toMatchObject({ imported: 5, start: { status: 'IN_PROGRESS' } });
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${running.id}/cancel` });
  });

  it('refuses background imports that cannot run, with sentences', async () => {
    const task = await createInviteTask(t, []);
    const noTask = await uploadBackground(null, 'a.csv', csv(3));
    expect(noTask.statusCode).toBe(400);
    expect(noTask.json.message).toMatch(/task_id/);
    const dry = await uploadBackground(task.id, 'a.csv', csv(3), 1, 'background=true&dry_run=true');
    expect(dry.statusCode).toBe(400);
    const empty = await uploadBackground(task.id, 'a.csv', '');
    expect(empty.statusCode).toBe(400);
    expect(empty.json.message).toMatch(/empty/);
    const foreign = await uploadBackground(task.id, 'a.csv', csv(3), 2);
    expect(foreign.statusCode).toBe(404);
    const parsingNoTask = await t.api({ method: 'POST', url: '/api/v1/invite/import/parsing', payload: { parsing_task_id: 'base-1', background: true } });
    expect(parsingNoTask.statusCode).toBe(400);
    expect(await t.ctx.jobs.runDue()).toBe(0);
  });

  it('caps the imports and reports one user may have waiting', async () => {
    const capped = await makeTestApp({ MAX_UNFINISHED_JOBS_PER_USER: '2' });
    try {
      const task = await createInviteTask(capped, []);
      const report = () => capped.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/report/jobs` });
      expect((await report()).statusCode).toBe(202);
      expect((await report()).statusCode).toBe(202);
      const third = await report();
      expect(third.statusCode).toBe(429);
      expect(third.json).toMatchObject({ error: 'TOO_MANY_JOBS', message: expect.stringMatching(/already have 2 background jobs/) });
      const other = await createInviteTask(capped, [], {}, 2);
      expect((await capped.api({ method: 'POST', url: `/api/v1/invite/tasks/${other.id}/report/jobs`, user: 2 })).statusCode).toBe(202);
      await capped.ctx.jobs.runDue();
      expect((await report()).statusCode).toBe(202); // finished jobs no longer count
    } finally {
      await capped.close();
    }
  });

  it('fails a malformed file with a readable reason and writes nothing', async () => {
    const task = await createInviteTask(t, []);
    const res = await uploadBackground(task.id, 'broken.json', '[{"username": "ok_person"}, {"username": ');
    expect(res.statusCode).toBe(202);
    await t.ctx.jobs.runDue();
    const failed = await job(res.json.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error.code).toBe('MALFORMED_FILE');
    expect(failed.error.message).toMatch(/could not be read|JSON/i);
    expect(failed.error.message).not.toMatch(/object Object/);
    // The reader of the job reads the reason in their language, with what the parser said (migration 20).
    const inRussian = (await t.api({ method: 'GET', url: `/api/v1/invite/jobs/${res.json.id}`, headers: { 'accept-language': 'ru' } })).json;
    expect(inRussian.error.message).toMatch(/^Файл — не корректный JSON: .+/);
    expect(failed.attempts).toBe(1); // a person's mistake is not retried
    expect(await targetCount(task.id)).toBe(0);
  });

  it('recovers a job whose worker died half-way and reruns it without duplicating rows', async () => {
    const task = await createInviteTask(t, []);
    const res = await uploadBackground(task.id, 'crash.csv', csv(1200, 10_000));
    const id = res.json.id as string;
    // A worker claims it, writes part of the file, and dies (stops renewing its lock).
    expect(await t.ctx.jobs.store.claim(id, 'dead-worker', 60_000)).toBeTruthy();
    await t.ctx.targets.addBatch(
      task.id,
      Array.from({ length: 300 }, (_, i) => ({
        target: { username: `file_person_${10_000 + i}`, user_id_platform: null, phone: null, first_name: null, last_name: null },
        key: `u:file_person_${10_000 + i}`,
        extra: { row: i + 2, import_id: id },
      })),
      'FILE_UPLOAD',
    );
    expect(await targetCount(task.id)).toBe(300);
    expect(await t.ctx.jobs.runDue()).toBe(0); // still locked by the dead worker
    t.clock.advanceSeconds(61);
    await t.ctx.jobs.sweep();
    expect((await job(id)).status).toBe('QUEUED');
    expect(await t.ctx.jobs.runDue()).toBe(1);
    const done = await job(id);
    expect(done).toMatchObject({ status: 'COMPLETED', attempts: 2 });
    expect(done.result).toMatchObject({ imported: 1200, duplicates: 0 });
    expect(await targetCount(task.id)).toBe(1200);
  });

  it('gives up on a job that keeps killing its worker', async () => {
    const task = await createInviteTask(t, []);
    const { json } = await uploadBackground(task.id, 'poison.csv', csv(5));
    for (let i = 0; i < 3; i++) {
      expect(await t.ctx.jobs.store.claim(json.id, `dead-${i}`, 1000)).toBeTruthy();
      t.clock.advanceSeconds(2);
      await t.ctx.jobs.sweep();
    }
    const failed = await job(json.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatchObject({ code: 'ABANDONED' });
    expect(failed.error.message).toMatch(/3 times/);
  });

  it('imports a Parsing Service base in the background, keeping no credential: each call mints an inter-service token', async () => {
    const task = await createInviteTask(t, []);
    const token = await t.token(1);
    const res = await t.api({
      method: 'POST',
      url: '/api/v1/invite/import/parsing',
      payload: { task_id: task.id, parsing_task_id: 'base-1', background: true },
    });
    expect(res.statusCode).toBe(202);
    const stored = await storedRow(res.json.id);
    expect(JSON.stringify(stored)).not.toContain(token.split('.')[1]);
    expect(Object.keys(stored)).not.toContain('credential');
    const before = parsing.requests.length;
    await t.ctx.jobs.runDue();
    const done = await job(res.json.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.result).toMatchObject({ parsing_task_id: 'base-1', total_rows: 1500, imported: 1500 });
    // Asked for user 1 page by page (500 a page), each call with a short-lived {"user_id": 1} token.
    const calls = parsing.requests.slice(before);
    expect(calls.length).toBe(3);
    for (const c of calls) {
      expect(c.userIdParam).toBe('1');
      expect(c.claims).toMatchObject({ user_id: 1 });
      expect((c.claims!.exp as number) - (c.claims!.iat as number)).toBeLessThanOrEqual(60);
    }
    expect(parsing.missingUserId).toEqual([]);
    expect(await targetCount(task.id)).toBe(1500);
  });

  it('retries a Parsing Service outage with back-off, then succeeds', async () => {
    const task = await createInviteTask(t, []);
    flakyFailuresLeft = 1;
    const { json } = await t.api({
      method: 'POST',
      url: '/api/v1/invite/import/parsing',
      payload: { task_id: task.id, parsing_task_id: 'flaky', background: true },
    });
    await t.ctx.jobs.runDue();
    const waiting = await job(json.id);
    expect(waiting.status).toBe('QUEUED');
    expect(waiting.error.message).toMatch(/Retrying \(attempt 2 of 3\)/);
    expect(await t.ctx.jobs.runDue()).toBe(0); // not before its back-off
    t.clock.advanceSeconds(31);
    expect(await t.ctx.jobs.runDue()).toBe(1);
    const done = await job(json.id);
    expect(done).toMatchObject({ status: 'COMPLETED', attempts: 2 });
    expect(done.result.imported).toBe(1500);
  });

  it('cancels: a queued job never runs, a running import is rolled back, a finished job cannot be cancelled', async () => {
    const task = await createInviteTask(t, []);
    const queued = (await uploadBackground(task.id, 'q.csv', csv(10))).json;
    const cancel = await t.api({ method: 'POST', url: `/api/v1/invite/jobs/${queued.id}/cancel` });
    expect(cancel.statusCode).toBe(200);
    expect(cancel.json.status).toBe('CANCELLED');
    expect(await t.ctx.jobs.runDue()).toBe(0);
    const again = await t.api({ method: 'POST', url: `/api/v1/invite/jobs/${queued.id}/cancel` });
    expect(again.statusCode).toBe(409);
    expect(again.json.message).toMatch(/already finished \(CANCELLED\)/);
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/jobs/${queued.id}/cancel`, user: 2 })).statusCode).toBe(404);
    expect((await t.api({ method: 'GET', url: '/api/v1/invite/jobs/not-a-uuid' })).statusCode).toBe(404);

    const slow = (
      await t.api({ method: 'POST', url: '/api/v1/invite/import/parsing', payload: { task_id: task.id, parsing_task_id: 'slow', background: true } })
    ).json;
    const running = t.ctx.jobs.runDue();
    // The first 1,000 rows are written, then the Parsing Service stalls; the user cancels meanwhile.
    await waitFor(
      () => job(slow.id),
      (j) => j.progress?.imported === 1000,
      'the first batch',
    );
    expect(await targetCount(task.id)).toBe(1000);
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/jobs/${slow.id}/cancel` })).json.status).toBe('CANCELLED');
    releaseSlow();
    await running;
    expect((await job(slow.id)).status).toBe('CANCELLED');
    expect(await targetCount(task.id)).toBe(0);
  });

  it('builds a report file in the background that matches the direct download', async () => {
    const task = await createInviteTask(t, ['rep_a', 'rep_b', '@rep_c']);
    const notReady = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/report/jobs` });
    expect(notReady.statusCode).toBe(202);
    expect(notReady.json.queue).toBe('reports');
    const early = await t.api({ method: 'GET', url: `/api/v1/invite/jobs/${notReady.json.id}/download` });
    expect(early.statusCode).toBe(409);
    expect(early.json.message).toMatch(/not ready yet \(QUEUED\)/);
    await t.ctx.jobs.runDue();
    const done = await job(notReady.json.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.result).toMatchObject({ rows: 3, filename: `task-${task.id}-report-sandbox.csv` });
    expect(done.download_url).toBe(`/api/v1/invite/jobs/${done.id}/download`);
    const file = await t.api({ method: 'GET', url: done.download_url });
    const direct = await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/report` });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-disposition']).toContain(`task-${task.id}-report-sandbox.csv`);
    expect(file.body).toBe(direct.body);
    expect(file.body).toContain('rep_c');
    expect((await t.api({ method: 'GET', url: done.download_url, user: 2 })).statusCode).toBe(404);
    const notAReport = await t.api({ method: 'GET', url: `/api/v1/invite/jobs/${(await uploadBackground(task.id, 'x.csv', csv(1))).json.id}/download` });
    expect(notAReport.statusCode).toBe(400);
    await t.ctx.jobs.runDue();
  });

  it('starts a scheduled task from a delayed job on the invite queue of its priority', async () => {
    const at = new Date(t.clock.now().getTime() + 3600_000);
    const task = await createInviteTask(t, ['sched_bg_1'], { scheduled_at: at.toISOString(), priority: 'HIGH' });
    const started = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/start` });
    expect(started.json.status).toBe('SCHEDULED');
    const jobs = (await t.api({ method: 'GET', url: `/api/v1/invite/jobs?task_id=${task.id}&kind=task_start` })).json.items;
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ queue: 'invite-high', status: 'QUEUED', run_at: at.toISOString() });
    expect(await t.ctx.jobs.runDue()).toBe(0);
    t.clock.advanceSeconds(3600);
    expect(await t.ctx.jobs.runDue()).toBe(1);
    expect((await job(jobs[0].id)).result).toEqual({ started: true, task_status: 'IN_PROGRESS' });
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}` })).json.status).toBe('IN_PROGRESS');
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/cancel` });
  });

  it('moves the start job when the time changes, and cancels it when the task is paused', async () => {
    const at = new Date(t.clock.now().getTime() + 7200_000);
    const task = await createInviteTask(t, ['sched_bg_2'], { scheduled_at: at.toISOString(), priority: 'LOW' });
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/start` });
    const later = new Date(at.getTime() + 3600_000);
    await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${task.id}`, payload: { scheduled_at: later.toISOString() } });
    const list = async () => (await t.api({ method: 'GET', url: `/api/v1/invite/jobs?task_id=${task.id}&kind=task_start` })).json.items;
    const jobs = await list();
    expect(jobs).toHaveLength(2);
    expect(jobs.find((j: { status: string }) => j.status === 'QUEUED')).toMatchObject({ queue: 'invite-low', run_at: later.toISOString() });
    expect(jobs.find((j: { status: string }) => j.status === 'CANCELLED')).toMatchObject({
      run_at: at.toISOString(),
      error: { code: 'RESCHEDULED', message: expect.stringMatching(/scheduled again/) },
    });
    // A Russian reader reads why in Russian (the job keeps its reason by code).
    const ru = (await t.api({ method: 'GET', url: `/api/v1/invite/jobs?task_id=${task.id}&kind=task_start`, headers: { 'accept-language': 'ru' } })).json.items;
    expect(ru.find((j: { status: string }) => j.status === 'CANCELLED').error).toEqual({
      code: 'RESCHEDULED',
      message: 'Заменено: время запуска задачи изменили.',
    });
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/pause` });
    expect((await list()).map((j: { status: string }) => j.status)).toEqual(['CANCELLED', 'CANCELLED']);
    expect((await list()).map((j: { error: { code: string } }) => j.error.code).sort()).toEqual(['PAUSED_BEFORE_START', 'RESCHEDULED']);
    t.clock.advanceSeconds(4 * 3600);
    expect(await t.ctx.jobs.runDue()).toBe(0);
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}` })).json.status).toBe('PAUSED');
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/cancel` });
  });

  it('reports queue depth per queue in /metrics', async () => {
    const task = await createInviteTask(t, []);
    await uploadBackground(task.id, 'm1.csv', csv(1));
    await uploadBackground(task.id, 'm2.csv', csv(1));
    const before = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(before).toContain('invite_queue_depth{queue="imports"} 2');
    expect(before).toContain('invite_queue_depth{queue="invite-high"} 0');
    // A start scheduled for tomorrow is not a backlog.
    const later = await createInviteTask(t, ['depth_person'], { scheduled_at: new Date(t.clock.now().getTime() + 86400_000).toISOString(), priority: 'LOW' });
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${later.id}/start` });
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).body).toContain('invite_queue_depth{queue="invite-low"} 0');
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${later.id}/cancel` });
    await t.ctx.jobs.runDue();
    const after = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(after).toContain('invite_queue_depth{queue="imports"} 0');
    expect(after).toMatch(/invite_background_jobs_total\{kind="import_file",status="COMPLETED"\} \d+/);
  });

  it('does not take a running job for abandoned on an accelerated demo clock', async () => {
    // 1 real second = 1 virtual hour: a 60 s claim would lapse between two renewals without a real-time floor.
    const clock = new ScaledClock(3600);
    const store = new JobStore(t.ctx.db, clock);
    const jobs = new JobService(store, clock, new EmbeddedTransport(store, clock), createLogger('silent'), undefined, { holder: 'demo', lockMs: 60_000 });
    let runs = 0;
    jobs.register('task_report', async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 400));
      return { result: { ok: true } };
    });
    const task = await createInviteTask(t, []);
    const row = await jobs.enqueue({ userId: 1, kind: 'task_report', queue: 'reports', taskId: task.id });
    const running = jobs.run(row.id);
    for (let i = 0; i < 20; i++) {
      await jobs.sweep();
      await new Promise((r) => setTimeout(r, 20));
    }
    await running;
    expect(await jobs.runDue()).toBe(0);
    expect(runs).toBe(1);
    expect(await jobs.store.get(row.id)).toMatchObject({ status: 'COMPLETED', attempts: 1 });
    await t.ctx.db.deleteFrom('background_jobs').where('id', '=', row.id).execute(); // it lives on another clock
  });

  it('embedded consumers respect lane concurrency, and a lane full of imports never holds up a start', async () => {
    const store = new JobStore(t.ctx.db, t.clock);
    const jobs = new JobService(store, t.clock, new EmbeddedTransport(store, t.clock), createLogger('silent'), undefined, { holder: 'lanes' });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let importsRunning = 0;
    let maxImportsRunning = 0;
    jobs.register('import_file', async () => {
      importsRunning++;
      maxImportsRunning = Math.max(maxImportsRunning, importsRunning);
      await gate;
      importsRunning--;
      return { result: {} };
    });
    jobs.register('task_start', async () => ({ result: { started: false } }));
    const task = await createInviteTask(t, []);
    const imports = await Promise.all([1, 2, 3].map(() => jobs.enqueue({ userId: 9, kind: 'import_file', queue: 'imports', taskId: task.id })));
    const stop = new AbortController();
    const consuming = jobs.consume(stop.signal);
    try {
      await waitFor(
        async () => importsRunning,
        (n) => n === 2,
        'two imports running',
      );
      const start = await jobs.enqueue({ userId: 9, kind: 'task_start', queue: 'invite-high', taskId: task.id });
      await waitFor(
        async () => (await jobs.store.get(start.id))!.status,
        (s) => s === 'COMPLETED',
        'the start, past the busy import lane',
      );
      const statuses = await Promise.all(imports.map(async (j) => (await jobs.store.get(j.id))!.status));
      expect(statuses.sort()).toEqual(['QUEUED', 'RUNNING', 'RUNNING']);
      release();
      await waitFor(
        async () => Promise.all(imports.map(async (j) => (await jobs.store.get(j.id))!.status)),
        (st) => st.every((x) => x === 'COMPLETED'),
        'all imports',
      );
      expect(maxImportsRunning).toBe(2); // the imports lane runs two at a time
    } finally {
      release();
      stop.abort();
      await consuming;
      await t.ctx.db.deleteFrom('background_jobs').where('user_id', '=', 9).execute();
    }
  });

  it('deletes finished jobs (and their report files) after the retention period, never unfinished ones', async () => {
    const task = await createInviteTask(t, []);
    const waiting = (await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/report/jobs` })).json;
    const count = async () =>
      Number(
        (
          await t.ctx.db
            .selectFrom('background_jobs')
            .select(({ fn }) => fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    expect(before).toBeGreaterThan(10);
    // Queued far in the future so it is still waiting after the clock jump.
    await t.ctx.db
      .updateTable('background_jobs')
      .set({ run_at: new Date(t.clock.now().getTime() + 30 * 86400_000) })
      .where('id', '=', waiting.id)
      .execute();
    t.clock.advanceSeconds(8 * 86400);
    await t.ctx.jobs.sweep();
    expect(await count()).toBe(1);
    expect((await job(waiting.id)).status).toBe('QUEUED');
  });
});

/**
 * With Redis (CI's third pass), jobs travel through BullMQ: real BullMQ workers pick them up,
 * a scheduled start is a delayed BullMQ job, and jobs Redis lost are dispatched again from PostgreSQL.
 */
describe.skipIf(!WITH_REDIS)('background jobs over BullMQ', () => {
  let t: TestApp;
  const stop = new AbortController();
  let consuming: Promise<void>;
  beforeAll(async () => {
    t = await makeTestApp({ MAX_TARGETS_PER_TASK: '10000' });
    await addSandboxAccount(t);
    consuming = t.ctx.jobs.consume(stop.signal);
  });
  afterAll(async () => {
    stop.abort();
    await consuming;
    await t?.close();
  });
  const job = async (id: string) => (await t.api({ method: 'GET', url: `/api/v1/invite/jobs/${id}` })).json;

  it('runs imports and reports through BullMQ workers', async () => {
    expect(t.ctx.jobs.transport.name).toBe('bullmq');
    const task = await createInviteTask(t, []);
    const imp = await t.api({ method: 'POST', url: `/api/v1/invite/import/file?task_id=${task.id}&background=true`, ...multipartBody('b.csv', csv(1500)) });
    const done = await waitFor(
      () => job(imp.json.id),
      (j) => j.status === 'COMPLETED',
      'the import job',
    );
    expect(done.result.imported).toBe(1500);
    const rep = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/report/jobs` });
    const report = await waitFor(
      () => job(rep.json.id),
      (j) => j.status === 'COMPLETED',
      'the report job',
    );
    expect(report.result.rows).toBe(1500);
  });

  it('starts a scheduled task from a delayed BullMQ job', async () => {
    const transport = t.ctx.jobs.transport as BullMqTransport;
    const at = new Date(t.clock.now().getTime() + 1500);
    const task = await createInviteTask(t, ['bull_sched_1'], { scheduled_at: at.toISOString(), priority: 'HIGH' });
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/start` });
    expect((await transport.counts('invite-high')).delayed).toBe(1);
    // The engine's clock is a test clock: move it along with the real delay BullMQ waits.
    t.clock.advanceSeconds(1.5);
    await waitFor(
      async () => (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}` })).json.status,
      (s) => s === 'IN_PROGRESS',
      'the scheduled start',
    );
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/cancel` });
  });

  it('dispatches again a job that Redis lost', async () => {
    const redis = new Redis(t.ctx.config.redis!.url);
    try {
      const task = await createInviteTask(t, ['lost_1', 'lost_2']);
      const stopped = new AbortController();
      // Consumers paused (as if all workers were down) while Redis loses every key of this app.
      stop.abort();
      await consuming;
      const { json } = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/report/jobs` });
      const keys = await redis.keys(`${t.ctx.config.redis!.prefix}bull:*`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.del(...keys);
      consuming = t.ctx.jobs.consume(stopped.signal);
      t.clock.advanceSeconds(31);
      await t.ctx.jobs.sweep();
      const done = await waitFor(
        () => job(json.id),
        (j) => j.status === 'COMPLETED',
        'the re-dispatched job',
      );
      expect(done.result.rows).toBe(2);
      stopped.abort();
      await consuming;
      consuming = Promise.resolve();
    } finally {
      redis.disconnect();
    }
  });
});
