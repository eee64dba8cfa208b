import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createContext, type AppContext } from '../src/app-context.js';
import { ScaledClock } from '../src/shared/clock.js';
import { createLogger } from '../src/observability/logger.js';
import { ENGINE, makeTestApp, type TestApp } from './helpers/test-app.js';

/**
 * SANDBOX_TIME_SPEED: every process of one deployment shares one virtual clock stored in the database
 * (src/shared/shared-clock.ts), so a sped-up demo with an API and separate workers keeps its limits.
 * Needs a database two processes can share, so PostgreSQL only.
 */
const SPEED = 3600;
/** Virtual tolerance: 2 min at 3600× is ~33 ms of real time (database round trips, process scheduling). */
const TOLERANCE_MS = 120_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(ENGINE !== 'postgres')('one virtual clock for every process of a sped-up sandbox (PostgreSQL)', () => {
  let t: TestApp;
  const contexts: AppContext[] = [];
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await t?.close();
  });

  const open = async (speed = SPEED) => {
    const ctx = await createContext({ ...t.ctx.config, sandboxTimeSpeed: speed }, { logger: createLogger('silent') });
    contexts.push(ctx);
    return ctx;
  };

  it('two contexts started at different moments agree on now() and run at the stored speed', async () => {
    const a = await open();
    await sleep(500); // an unshared clock would now be 30 virtual minutes behind
    const b = await open();
    expect(a.clock).toBeInstanceOf(ScaledClock);
    expect(b.clock).toBeInstanceOf(ScaledClock);
    const real = Date.now();
    const diff = (a.clock as ScaledClock).at(real).getTime() - (b.clock as ScaledClock).at(real).getTime();
    expect(Math.abs(diff)).toBeLessThan(TOLERANCE_MS);
    // Virtual time runs SPEED times faster than real time.
    const v0 = a.clock.now().getTime();
    await sleep(200);
    expect(a.clock.now().getTime() - v0).toBeGreaterThanOrEqual(200 * SPEED * 0.9);
    const row = await t.ctx.db.selectFrom('sandbox_clock').selectAll().executeTakeFirstOrThrow();
    expect(row.speed).toBe(SPEED);
  });

  it('a worker process (npm run worker) reads the same clock', async () => {
    const a = contexts[0] ?? (await open());
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker-main.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: t.ctx.config.databaseUrl,
        JWT_SECRET: t.ctx.secrets.jwtSecret,
        SESSION_ENCRYPTION_KEY: t.ctx.secrets.sessionEncryptionKey,
        LOG_LEVEL: 'info',
        SANDBOX_TIME_SPEED: String(SPEED),
        PLATFORM_MODE: 'sandbox',
        REDIS_URL: '',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const started = await new Promise<{ now: string; real: string; time_speed: number }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the worker did not start within 60 s')), 60_000);
        createInterface({ input: child.stdout! }).on('line', (line) => {
          try {
            const j = JSON.parse(line);
            if (j.msg === 'workers started') {
              clearTimeout(timer);
              resolve(j);
            }
          } catch {
            /* not JSON */
          }
        });
        child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
      });
      expect(started.time_speed).toBe(SPEED);
      const expected = (a.clock as ScaledClock).at(new Date(started.real).getTime()).getTime();
      expect(Math.abs(new Date(started.now).getTime() - expected)).toBeLessThan(TOLERANCE_MS);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    }
  }, 90_000);

  it('real-time deployments (speed 1) keep the system clock', async () => {
    const c = await open(1);
    expect(c.clock).not.toBeInstanceOf(ScaledClock);
    expect(Math.abs(c.clock.now().getTime() - Date.now())).toBeLessThan(1000);
  });
});
