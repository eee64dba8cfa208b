import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { ParsingServiceFake, fakePerson } from './helpers/platform-fakes.js';
import { sql } from 'kysely';
import { addSandboxAccount, createInviteTask, ENGINE, makeTestApp, type TestApp } from './helpers/test-app.js';

/**
 * Real worker processes (`npm run worker`) on one PostgreSQL database (and, in CI's third pass, one Redis
 * for the hot state and the BullMQ queues). One is killed with SIGKILL in the middle of the campaign, or
 * of a background import; a replacement starts. Nobody is invited twice, nobody is lost, no row is imported twice.
 * Needs a server database, so it runs in the PostgreSQL passes (TEST_DATABASE_URL) only.
 */
describe.skipIf(ENGINE !== 'postgres')('worker processes killed with SIGKILL (PostgreSQL)', () => {
  let t: TestApp;
  const children: ChildProcess[] = [];
  const parsing = new ParsingServiceFake(randomBytes(16).toString('hex'));
  let parsingUrl: string;
  const env = {
    LIMIT_INVITES_PER_ACCOUNT_DAY: '1000000',
    LIMIT_INVITES_PER_GROUP_DAY: '1000000',
    LIMIT_INVITES_PER_GROUP_LIFETIME: '1000000',
    PAUSE_MIN_SECONDS: '0',
    PAUSE_MAX_SECONDS: '0',
    LEASE_SECONDS: '2',
    SANDBOX_ACTION_DELAY_MS: '40',
    JOB_LOCK_SECONDS: '3',
    MAX_TARGETS_PER_TASK: '100000',
  };

  beforeAll(async () => {
    // A slow Parsing Service (150 ms a page), so a background import is still running when its worker is killed.
    parsing.addBase(1, { task_id: 'big', results: Array.from({ length: 8000 }, (_, i) => ({ ...fakePerson(i), username: `slow_base_${i}` })) });
    parsing.interceptors.push(async () => {
      await new Promise((r) => setTimeout(r, 150));
      return false;
    });
    parsingUrl = (await parsing.start()).url;
    t = await makeTestApp({ ...env, JWT_SECRET: parsing.secret, PARSING_SERVICE_URL: parsingUrl });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await parsing.close();
    await t?.close();
  });

  function startWorker(): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker-main.ts'], {
      env: {
        ...process.env,
        ...env,
        DATABASE_URL: t.ctx.config.databaseUrl,
        JWT_SECRET: t.ctx.secrets.jwtSecret,
        SESSION_ENCRYPTION_KEY: t.ctx.secrets.sessionEncryptionKey,
        LOG_LEVEL: 'warn',
        WORKER_CONCURRENCY: '2',
        SANDBOX_SEED: '1',
        PARSING_SERVICE_URL: parsingUrl,
        // Same Redis and key prefix as the test app, so the processes share its hot state and BullMQ queues.
        ...(t.ctx.config.redis ? { REDIS_URL: t.ctx.config.redis.url, REDIS_PREFIX: t.ctx.config.redis.prefix } : {}),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  }

  const count = async (where: string) =>
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM targets WHERE ${sql.raw(where)}`.execute(t.ctx.db)).rows[0]!.n;

  it('recovers every target exactly once', async () => {
    // Enough accounts that none exceeds the simulated Telegram's ~20 actions an hour (it would FloodWait, correctly).
    for (let i = 0; i < 10; i++) await addSandboxAccount(t, 1, `Proc ${i}`);
    const people = Array.from({ length: 150 }, (_, i) => `proc_person_${i}`);
    const task = await createInviteTask(t, people, { start: true });
    expect(task.status).toBe('IN_PROGRESS');
    // The test app's clock is virtual; the worker processes use real time. Align the task with it.
    await sql`UPDATE accounts SET next_action_at = NULL, idle_until = NULL`.execute(t.ctx.db);

    const victim = startWorker();
    startWorker(); // a second, steady worker
    const deadline = Date.now() + 60_000;
    while ((await count(`status NOT IN ('PENDING')`)) < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    victim.kill('SIGKILL');
    await new Promise((r) => victim.once('exit', r));
    startWorker(); // the replacement
    while ((await count(`status IN ('PENDING','IN_FLIGHT')`)) > 0 && Date.now() < deadline + 60_000) await new Promise((r) => setTimeout(r, 200));

    expect(await count(`status IN ('PENDING','IN_FLIGHT')`)).toBe(0);
    // In the sandbox, each process has its own simulated Telegram, so a second invite of one person would
    // succeed again there: the execution log must show at most one success per person.
    const dupes = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM (SELECT target_id FROM execution_logs WHERE result = 'SUCCESS' GROUP BY target_id HAVING count(*) > 1) d`.execute(
      t.ctx.db,
    );
    expect(dupes.rows[0]!.n).toBe(0);
    expect((await count(`status = 'INVITED'`)) + (await count(`status = 'SKIPPED'`))).toBe(150);
  }, 180_000);

  it('finishes a background import exactly once after its worker is killed mid-import', async () => {
    // Stop the first test's workers (a process killed by a signal has no exit code, only a signal code).
    for (const c of children)
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await new Promise((r) => c.once('exit', r));
      }
    const task = await createInviteTask(t, []);
    const queued = await t.api({
      method: 'POST',
      url: '/api/v1/invite/import/parsing',
      payload: { task_id: task.id, parsing_task_id: 'big', background: true },
    });
    expect(queued.statusCode).toBe(202);
    // The test app's clock is virtual; the processes run on real time: make the job due for them.
    await sql`UPDATE background_jobs SET run_at = now() - interval '1 second', created_at = now()`.execute(t.ctx.db);
    const job = async () => (await t.api({ method: 'GET', url: `/api/v1/invite/jobs/${queued.json.id}` })).json;

    const victim = startWorker();
    const deadline = Date.now() + 60_000;
    while (((await job()).progress?.imported ?? 0) < 2000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await job()).status).toBe('RUNNING');
    victim.kill('SIGKILL');
    await new Promise((r) => victim.once('exit', r));
    const written = await count(`task_id = ${task.id}`);
    expect(written).toBeGreaterThanOrEqual(2000);
    expect(written).toBeLessThan(8000);

    startWorker(); // the replacement takes the job over once the dead worker's claim lapses
    let done = await job();
    while (done.status !== 'COMPLETED' && done.status !== 'FAILED' && Date.now() < deadline + 60_000) {
      await new Promise((r) => setTimeout(r, 200));
      done = await job();
    }
    expect(done).toMatchObject({ status: 'COMPLETED', attempts: 2 });
    expect(done.result).toMatchObject({ total_rows: 8000, imported: 8000, duplicates: 0 });
    expect(await count(`task_id = ${task.id}`)).toBe(8000);
    const dupes = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM (SELECT username FROM targets WHERE task_id = ${task.id} GROUP BY username HAVING count(*) > 1) d`.execute(t.ctx.db);
    expect(dupes.rows[0]!.n).toBe(0);
  }, 180_000);
});
