import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { addSandboxAccount, createInviteTask, ENGINE, makeTestApp, type TestApp } from './helpers/test-app.js';

/**
 * Real worker processes (`npm run worker`) on one PostgreSQL database. One is killed with SIGKILL in the
 * middle of the campaign; a replacement starts. Nobody is invited twice and nobody is lost.
 * Needs a server database, so it runs in the PostgreSQL pass (TEST_DATABASE_URL) only.
 */
describe.skipIf(ENGINE !== 'postgres')('worker processes killed with SIGKILL (PostgreSQL)', () => {
  let t: TestApp;
  const children: ChildProcess[] = [];
  const env = {
    LIMIT_INVITES_PER_ACCOUNT_DAY: '1000000', LIMIT_INVITES_PER_GROUP_DAY: '1000000', LIMIT_INVITES_PER_GROUP_LIFETIME: '1000000',
    PAUSE_MIN_SECONDS: '0', PAUSE_MAX_SECONDS: '0', LEASE_SECONDS: '2', SANDBOX_ACTION_DELAY_MS: '40',
  };

  beforeAll(async () => { t = await makeTestApp(env); });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await t?.close();
  });

  function startWorker(): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker-main.ts'], {
      env: {
        ...process.env, ...env, DATABASE_URL: t.ctx.config.databaseUrl, JWT_SECRET: t.ctx.secrets.jwtSecret,
        SESSION_ENCRYPTION_KEY: t.ctx.secrets.sessionEncryptionKey, LOG_LEVEL: 'warn', WORKER_CONCURRENCY: '2', SANDBOX_SEED: '1',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  }

  const count = async (where: string) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM targets WHERE ${sql.raw(where)}`.execute(t.ctx.db)).rows[0]!.n;

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
    const dupes = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT target_id FROM execution_logs WHERE result = 'SUCCESS' GROUP BY target_id HAVING count(*) > 1) d`.execute(t.ctx.db);
    expect(dupes.rows[0]!.n).toBe(0);
    expect(await count(`status = 'INVITED'`) + await count(`status = 'SKIPPED'`)).toBe(150);
  }, 180_000);
});
