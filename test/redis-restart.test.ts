import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { addSandboxAccount, createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';
import { runVirtual } from '../src/scheduler/worker-loop.js';

const REDIS_SERVER = spawnSync('sh', ['-c', 'command -v redis-server']).stdout.toString().trim();

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A private Redis (no persistence, like production's cache role) is killed mid-campaign and started again:
 * workers carry on with PostgreSQL alone meanwhile, the lease fast path is used again once Redis is back (an
 * empty Redis needs nothing rebuilt: a lease key lives no longer than its lease), nobody is invited twice and
 * nobody is lost.
 */
describe.skipIf(!REDIS_SERVER || !existsSync(REDIS_SERVER))('Redis restart mid-campaign', () => {
  let t: TestApp;
  let port: number;
  let redis: ChildProcess | null = null;

  const startRedis = async () => {
    redis = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    probe.on('error', () => {}); // connection refused while the server starts: expected
    for (let i = 0; i < 100; i++) {
      try {
        await probe.connect();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await probe.ping();
    probe.disconnect();
  };
  const stopRedis = async () => {
    const r = redis!;
    r.kill('SIGKILL');
    await new Promise((res) => r.once('exit', res));
    redis = null;
  };

  beforeAll(async () => {
    port = await freePort();
    await startRedis();
    t = await makeTestApp({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_PREFIX: 'restart:' }, { sandbox: { privacyRate: 0 } });
  });
  afterAll(async () => {
    await t?.close();
    if (redis) await stopRedis();
  });

  /** Whether a lease taken now is mirrored in Redis (the fast path in use); the lease is given back. */
  const leaseReachesRedis = async (accountId: number): Promise<boolean> => {
    const lease = await t.ctx.accountManager.lease(accountId, 'probe', 'invite', null);
    expect(lease).not.toBeNull(); // PostgreSQL decides, with or without Redis
    const check = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    check.on('error', () => {});
    try {
      await check.connect();
      return (await check.exists(`restart:lease:${accountId}`)) === 1;
    } catch {
      return false;
    } finally {
      check.disconnect();
      await t.ctx.accountManager.release(lease!, { acted: false });
    }
  };

  it('keeps the campaign correct through the outage and uses the lease fast path again afterwards', async () => {
    const accounts: number[] = [];
    for (let i = 0; i < 3; i++) accounts.push(await addSandboxAccount(t, 1, `R${i}`));
    const people = Array.from({ length: 60 }, (_, i) => `redis_person_${i}`);
    const task = await createInviteTask(t, people, { start: true });
    const worker = t.ctx.createWorker('redis-restart');
    const hours = (h: number) => t.clock.now().getTime() + h * 3600_000;

    await runVirtual(worker, t.clock, hours(12));
    const before = t.ctx.sandboxWorld.events.length;
    expect(before).toBeGreaterThan(5);
    expect(await leaseReachesRedis(accounts[0]!)).toBe(true); // the hot state is in use

    await stopRedis();
    await runVirtual(worker, t.clock, hours(12)); // PostgreSQL alone
    const during = t.ctx.sandboxWorld.events.length;
    expect(during).toBeGreaterThan(before);
    expect(await leaseReachesRedis(accounts[0]!)).toBe(false);

    await startRedis(); // empty, as after a restart without persistence
    await runVirtual(worker, t.clock, hours(48));
    // The app's client reconnects on its own (backing off up to 2 s while Redis was away): the fast path comes back.
    let back = false;
    for (let i = 0; i < 50 && !back; i++) {
      back = await leaseReachesRedis(accounts[0]!);
      if (!back) await new Promise((r) => setTimeout(r, 200));
    }
    expect(back).toBe(true);

    const persons = t.ctx.sandboxWorld.events.map((e) => e.person);
    expect(new Set(persons).size).toBe(persons.length);
    const status = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}` })).json;
    expect(status).toMatchObject({ status: 'COMPLETED', counters: { invited: 60, pending: 0, in_flight: 0 } });
  });

  it('accepts background jobs while Redis is down and runs them once it is back', async () => {
    const stop = new AbortController();
    const consuming = t.ctx.jobs.consume(stop.signal);
    try {
      const task = await createInviteTask(t, ['outage_person_1', 'outage_person_2']);
      await stopRedis();
      // The job is kept in PostgreSQL; handing it to BullMQ fails (after a short wait), the request does not.
      const queued = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/report/jobs` });
      expect(queued.statusCode).toBe(202);
      expect(queued.json.status).toBe('QUEUED');
      await startRedis(); // empty: BullMQ never saw the job
      t.clock.advanceSeconds(31);
      await t.ctx.jobs.sweep(); // overdue queued jobs are dispatched again
      const deadline = Date.now() + 20_000;
      let job = queued.json;
      while (job.status !== 'COMPLETED' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        job = (await t.api({ method: 'GET', url: `/api/v1/invite/jobs/${queued.json.id}` })).json;
      }
      expect(job).toMatchObject({ status: 'COMPLETED', attempts: 1, result: { rows: 2 } });
    } finally {
      stop.abort();
      await consuming;
    }
  }, 60_000);
});
