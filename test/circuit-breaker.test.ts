import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/shared/clock.js';
import { Metrics } from '../src/observability/metrics.js';
import { CircuitBreaker, type CircuitStore, type SharedCircuit } from '../src/scheduler/circuit-breaker.js';
import { PlatformError } from '../src/platform/platform-error.js';
import { runVirtual } from '../src/scheduler/worker-loop.js';
import { addSandboxAccount, createInviteTask, ENGINE, makeTestApp, type TestApp } from './helpers/test-app.js';
import { createContext, type AppContext } from '../src/app-context.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/observability/logger.js';

const net = () => new PlatformError('NETWORK', 'NETWORK_TIMEOUT', 'timed out');
const gauge = async (m: Metrics, platform: string) => (await m.circuitOpen.get()).values.find((v) => v.labels.platform === platform)?.value;

describe('circuit breaker (unit, virtual time)', () => {
  it('opens at ≥ 10 failures and ≥ 50 % of calls in 60 s, backs off 30 s, 60 s …, probes once, closes on success', async () => {
    const clock = new ManualClock('2026-03-01T00:00:00Z');
    const metrics = new Metrics();
    const b = new CircuitBreaker(clock, {}, metrics);
    for (let i = 0; i < 11; i++) b.record('telegram', null);
    for (let i = 0; i < 10; i++) b.record('telegram', net());
    // 10 of 21 failed: under half, still closed.
    expect(b.admit('telegram')).toBe('dispatch');
    // A target-level refusal or a FloodWait is the platform answering: it counts as a working call.
    b.record('telegram', new PlatformError('TARGET', 'USER_PRIVACY_RESTRICTED', 'privacy'));
    clock.advanceSeconds(61); // the window slides past all of them
    for (let i = 0; i < 9; i++) b.record('telegram', net());
    expect(b.admit('telegram')).toBe('dispatch');
    b.record('telegram', net());
    expect(b.admit('telegram')).toBe('blocked');
    const open = b.snapshot()[0]!;
    expect(open).toMatchObject({ platform: 'telegram', state: 'open', opened_at: clock.now().toISOString(), consecutive_opens: 1 });
    expect(new Date(open.retry_at!).getTime() - clock.now().getTime()).toBe(30_000);
    expect(await gauge(metrics, 'telegram')).toBe(1);
    expect(b.pausedUntil()?.toISOString()).toBe(open.retry_at);

    clock.advanceSeconds(29);
    expect(b.admit('telegram')).toBe('blocked');
    clock.advanceSeconds(1);
    expect(b.admit('telegram')).toBe('probe');
    expect(b.admit('telegram')).toBe('blocked'); // one probe at a time
    b.record('telegram', net()); // the probe failed: next back-off doubles
    expect(b.snapshot()[0]).toMatchObject({ state: 'open', consecutive_opens: 2 });
    expect(new Date(b.snapshot()[0]!.retry_at!).getTime() - clock.now().getTime()).toBe(60_000);
    clock.advanceSeconds(60);
    expect(b.admit('telegram')).toBe('probe');
    b.abandonProbe('telegram'); // nothing to do on that account: another candidate may probe
    expect(b.admit('telegram')).toBe('probe');
    b.record('telegram', null);
    expect(b.snapshot()[0]).toMatchObject({ state: 'closed', retry_at: null, consecutive_opens: 0 });
    expect(b.admit('telegram')).toBe('dispatch');
    expect(await gauge(metrics, 'telegram')).toBe(0);
    const transitions = (await metrics.circuitTransitions.get()).values.map((v) => `${v.labels.to}:${v.value}`).sort();
    expect(transitions).toEqual(['closed:1', 'half_open:2', 'open:2']);
  });

  it('caps the back-off', () => {
    const clock = new ManualClock();
    const b = new CircuitBreaker(clock, { minFailures: 1, baseBackoffSeconds: 30, maxBackoffSeconds: 100 });
    b.record('x', net());
    for (let i = 0; i < 5; i++) {
      clock.set(new Date(b.snapshot()[0]!.retry_at!));
      expect(b.admit('x')).toBe('probe');
      b.record('x', net());
    }
    expect(new Date(b.snapshot()[0]!.retry_at!).getTime() - clock.now().getTime()).toBe(100_000);
  });
});

describe('circuit breaker shared between processes', () => {
  it('an opening seen by one process pauses the others; the probe that closes it resumes them all', async () => {
    const clock = new ManualClock('2026-03-01T00:00:00Z');
    const rows = new Map<string, SharedCircuit>();
    const store: CircuitStore = {
      load: async () => [...rows.values()],
      save: async (c) => {
        const cur = rows.get(c.platform);
        if (!cur || cur.updated_at < c.updated_at) rows.set(c.platform, c);
      },
    };
    const a = new CircuitBreaker(clock, {}, undefined, undefined, store);
    const b = new CircuitBreaker(clock, {}, undefined, undefined, store);
    await b.sync();
    expect(b.admit('telegram')).toBe('dispatch');
    for (let i = 0; i < 10; i++) a.record('telegram', net());
    await a.sync();
    expect(rows.get('telegram')).toMatchObject({ state: 'open', consecutive_opens: 1 });
    // b reads the shared state every few seconds.
    clock.advanceSeconds(5);
    await b.sync();
    expect(b.admit('telegram')).toBe('blocked');
    expect(b.snapshot()[0]).toMatchObject({ state: 'open', retry_at: rows.get('telegram')!.retry_at!.toISOString() });
    clock.advanceSeconds(25);
    expect(a.admit('telegram')).toBe('probe');
    a.record('telegram', null);
    await a.sync();
    clock.advanceSeconds(5);
    await b.sync();
    expect(b.snapshot()[0]).toMatchObject({ state: 'closed' });
    expect(b.admit('telegram')).toBe('dispatch');
  });
});

describe('circuit breaker in the worker (sandbox network failures)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp({ PAUSE_MIN_SECONDS: '1', PAUSE_MAX_SECONDS: '2', MAX_TARGET_ATTEMPTS: '5' }, { sandbox: { privacyRate: 0, networkErrorRate: 1 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const failures = async () => (await t.ctx.db.selectFrom('execution_logs').select('id').where('result', '=', 'RETRY').execute()).length;

  it('pauses dispatch when calls fail en masse, shows it, probes after the back-off and resumes by itself', async () => {
    for (let i = 0; i < 12; i++) await addSandboxAccount(t, 1, `Net ${i}`);
    const task = await createInviteTask(
      t,
      Array.from({ length: 30 }, (_, i) => `circuit_person_${i}`),
      { start: true },
    );
    expect(task.status).toBe('IN_PROGRESS');
    const worker = t.ctx.createWorker('circuit-worker');
    const t0 = t.clock.now().getTime();

    await runVirtual(worker, t.clock, t0 + 25_000);
    // The 10th failure opened the circuit: the two remaining ready accounts were not sent to a failing platform.
    expect(await failures()).toBe(10);
    const health = await t.app.inject({ method: 'GET', url: '/health/detailed' });
    const circuit = health.json().platform_circuit.find((c: any) => c.platform === 'sandbox');
    expect(circuit).toMatchObject({ state: 'open', opened_at: new Date(t0).toISOString(), retry_at: new Date(t0 + 30_000).toISOString() });
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('invite_platform_circuit_open{platform="sandbox"} 1');
    expect(metrics.body).toMatch(/invite_platform_circuit_transitions_total\{platform="sandbox",to="open"\} 1/);

    // At retry_at one probe goes out; it fails too, so the pause doubles.
    await runVirtual(worker, t.clock, t0 + 31_000);
    expect(await failures()).toBe(11);
    expect(t.ctx.circuitBreaker.snapshot()[0]).toMatchObject({ state: 'open', consecutive_opens: 2, retry_at: new Date(t0 + 90_000).toISOString() });

    // The platform recovers: the next probe succeeds, the circuit closes and the campaign finishes.
    t.ctx.sandboxWorld.options.networkErrorRate = 0;
    await runVirtual(worker, t.clock, t0 + 89_000);
    expect(await failures()).toBe(11);
    await runVirtual(worker, t.clock, t0 + 12 * 3600_000);
    expect(t.ctx.circuitBreaker.snapshot()[0]).toMatchObject({ state: 'closed' });
    const done = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}` })).json;
    expect(done).toMatchObject({ status: 'COMPLETED', counters: { invited: 30, failed: 0 } });
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).body).toContain('invite_platform_circuit_open{platform="sandbox"} 0');
  });
});

describe.skipIf(ENGINE !== 'postgres')('circuit state shared through PostgreSQL (two processes)', () => {
  let t: TestApp;
  let other: AppContext;
  beforeAll(async () => {
    t = await makeTestApp();
    other = await createContext(t.ctx.config, { clock: t.clock, logger: createLogger('silent') });
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
  });

  it("an outage one process saw shows in the other's /health/detailed and pauses its workers", async () => {
    for (let i = 0; i < 10; i++) t.ctx.circuitBreaker.record('sandbox', net());
    await t.ctx.circuitBreaker.sync();
    const otherApp = await buildApp(other);
    try {
      const health = (await otherApp.inject({ method: 'GET', url: '/health/detailed' })).json();
      expect(health.platform_circuit.find((c: any) => c.platform === 'sandbox')).toMatchObject({
        state: 'open',
        retry_at: new Date(t.clock.now().getTime() + 30_000).toISOString(),
      });
      expect(other.circuitBreaker.admit('sandbox')).toBe('blocked');
    } finally {
      await otherApp.close();
    }
  });
});
