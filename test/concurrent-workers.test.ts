import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type AppContext } from '../src/app-context.js';
import type { SandboxWorld } from '../src/platform/sandbox/sandbox-world.js';
import { SandboxPlatform } from '../src/platform/sandbox/sandbox-platform.js';
import { runVirtual } from '../src/scheduler/worker-loop.js';
import { createLogger } from '../src/observability/logger.js';
import { addSandboxAccount, createInviteTask, ENGINE, makeTestApp, seededRandom, type TestApp } from './helpers/test-app.js';

/**
 * Two workers race over the same accounts and targets. On PostgreSQL each has its own connection pool
 * (as two processes would); both talk to one simulated platform, which records every action it receives.
 */
describe(`two concurrent workers (${ENGINE})`, () => {
  let t: TestApp;
  let second: AppContext | null = null;
  const fastLimits = {
    LIMIT_INVITES_PER_ACCOUNT_DAY: '1000',
    LIMIT_INVITES_PER_GROUP_DAY: '1000',
    LIMIT_INVITES_PER_GROUP_LIFETIME: '1000',
    PAUSE_MIN_SECONDS: '1',
    PAUSE_MAX_SECONDS: '2',
  };

  beforeAll(async () => {
    // No refusals from the simulated Telegram: a refused attempt (its FloodWait after 20 actions an hour per account,
    // which an uneven share between the racing workers reached once in CI) is a tick that acted without inviting, and
    // the count of acting ticks below must equal the people invited.
    t = await makeTestApp(fastLimits, { sandbox: { privacyRate: 0, floodWaitAfterPerHour: 1_000_000 } });
    if (ENGINE === 'postgres') {
      // Same database, same clock, same simulated Telegram: a second process in all but name.
      const world: SandboxWorld = t.ctx.sandboxWorld;
      second = await createContext(t.ctx.config, {
        clock: t.clock,
        logger: createLogger('silent'),
        random: seededRandom(99),
        adapters: { sandbox: new SandboxPlatform(world) },
      });
    }
  });
  afterAll(async () => {
    await second?.close();
    await t?.close();
  });

  it('never acts twice on one person and loses nobody', async () => {
    for (let i = 0; i < 6; i++) await addSandboxAccount(t, 1, `Racer ${i}`);
    const people = Array.from({ length: 120 }, (_, i) => `race_person_${i}`);
    const created = await createInviteTask(t, people, { start: true });
    expect(created.status).toBe('IN_PROGRESS');
    const a = t.ctx.createWorker('worker-a');
    const b = (second ?? t.ctx).createWorker('worker-b');
    const until = t.clock.now().getTime() + 6 * 3600_000;
    const [na, nb] = await Promise.all([runVirtual(a, t.clock, until), runVirtual(b, t.clock, until)]);
    expect(na + nb).toBe(120);
    expect(na).toBeGreaterThan(0);
    expect(nb).toBeGreaterThan(0);
    const persons = t.ctx.sandboxWorld.events.map((e) => e.person);
    expect(persons).toHaveLength(120);
    expect(new Set(persons).size).toBe(120);
    const status = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${created.id}` })).json;
    expect(status).toMatchObject({ status: 'COMPLETED', counters: { invited: 120, pending: 0, in_flight: 0 } });
    // An account is never used by both workers at the same instant.
    const byAccountAndTime = new Set(t.ctx.sandboxWorld.events.map((e) => `${e.accountId}@${e.at.getTime()}`));
    expect(byAccountAndTime.size).toBe(120);
  });
});
