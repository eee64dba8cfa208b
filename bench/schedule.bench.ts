/**
 * Scheduling benchmark on virtual time (not a test): many accounts, groups and targets over N days.
 * Prints quota use against the theoretical maximum the limits allow, limit violations (must be 0),
 * wall time and the scheduler's decision latency.
 *
 *   npm run bench:schedule                      # the full spec scenario (slow: ~180k actions)
 *   BENCH_DAYS=3 BENCH_ACCOUNTS=40 BENCH_TARGETS=20000 npm run bench:schedule
 *   BENCH_DATABASE_URL=postgres://… npm run bench:schedule
 *   BENCH_MAX_ACTIONS=3000 …                   # bounded: stop after 3,000 actions (decision latency only)
 *   BENCH_SCALE=200,10000 BENCH_TARGETS=1000000 BENCH_MAX_ACTIONS=3000 BENCH_DATABASE_URL=… npm run bench:schedule
 *       # runs each account count in its own process (own fresh database) and prints how the decision cost grows
 */
import { sql } from 'kysely';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { freshDatabase } from './fresh-database.js';
import { loadConfig } from '../src/config/config.js';
import { createContext } from '../src/app-context.js';
import { ManualClock } from '../src/shared/clock.js';
import { createLogger } from '../src/observability/logger.js';
import { cloneUsers, seedTargets } from './bench-seed.js';
import { PRIORITIES } from '../src/shared/enums.js';

const num = (name: string, def: number) => Number(process.env[name] ?? def);
const DAYS = num('BENCH_DAYS', 30);
const ACCOUNTS = num('BENCH_ACCOUNTS', 200);
const GROUPS = num('BENCH_GROUPS', 20);
const TARGETS = num('BENCH_TARGETS', 200_000);
const ACCOUNTS_PER_USER = 10;
const GROUPS_PER_USER = Math.min(5, GROUPS);
const PRIVACY_RATE = 0.02;
const FLOOD_RATE = num('BENCH_FLOOD_RATE', 0.002);
/** Stop after this many actions (0 = run the whole virtual period): a bounded run measures decision latency in minutes. */
const MAX_ACTIONS = num('BENCH_MAX_ACTIONS', 0);
/** With Redis: the Account Manager's hot state (fast lease check) and the BullMQ transport, as in a Redis deployment. */
const REDIS_URL = process.env.BENCH_REDIS_URL || undefined;
const REDIS_PREFIX = `io_bench_${randomBytes(4).toString('hex')}:`;
const STORE = (engine: string) => (REDIS_URL ? `${engine} + redis` : engine);

/** Deletes this run's keys (hot state and queues) from Redis. */
async function dropRedisKeys() {
  if (!REDIS_URL) return;
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${REDIS_PREFIX}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * The most an account can do while honouring strict priority: day by day, fill its daily allowance from
 * its groups in priority order (equal priorities share evenly), each within the per-group daily and lifetime
 * caps. Raw limits alone would allow more whenever lower-priority groups could have been used earlier.
 */
function priorityRespectingMax(
  groupPriorities: number[],
  days: number,
  L: { invitesPerAccountDay: number; invitesPerGroupDay: number; invitesPerGroupLifetime: number },
): number {
  const left = groupPriorities.map(() => L.invitesPerGroupLifetime);
  let total = 0;
  for (let d = 0; d < days; d++) {
    let slots = L.invitesPerAccountDay;
    for (const rank of [...new Set(groupPriorities)].sort()) {
      const tier = groupPriorities.map((p, i) => (p === rank ? i : -1)).filter((i) => i >= 0);
      // Round-robin one invite at a time within the tier, as the scheduler's balancing does.
      const today = tier.map(() => 0);
      let progressed = true;
      while (slots > 0 && progressed) {
        progressed = false;
        for (let k = 0; k < tier.length && slots > 0; k++) {
          const g = tier[k]!;
          if (today[k]! < L.invitesPerGroupDay && left[g]! > 0) {
            today[k]!++;
            left[g]!--;
            slots--;
            total++;
            progressed = true;
          }
        }
      }
    }
  }
  return total;
}

function percentile(sorted: number[], p: number) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
}

async function main() {
  const config = loadConfig({
    ...process.env,
    JWT_SECRET: randomBytes(16).toString('hex'),
    SESSION_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '',
    // BENCH_REDIS_URL: the Account Manager's hot state and BullMQ on Redis, under a prefix of this run's own.
    REDIS_URL: REDIS_URL ?? '',
    REDIS_PREFIX: REDIS_PREFIX,
    PGLITE_DATA_DIR: 'memory://',
    LOG_LEVEL: 'silent',
    MAX_TARGETS_PER_TASK: String(TARGETS),
    MAX_CONCURRENT_TASKS_PER_USER: '100',
  });
  const start = new Date('2026-02-02T00:00:00Z');
  const clock = new ManualClock(start);
  let seed = 12345;
  const random = () => {
    seed ^= seed << 13;
    seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    seed >>>= 0;
    return seed / 2 ** 32;
  };
  const ctx = await createContext(config, {
    clock,
    random,
    logger: createLogger('silent'),
    sandbox: {
      extraGroups: GROUPS,
      privacyRate: PRIVACY_RATE,
      floodWaitRate: FLOOD_RATE,
      floodWaitSeconds: [30, 600],
      floodWaitAfterPerHour: 1000,
      peerFloodAfterPerDay: 10_000,
    },
  });
  const L = config.limits;
  const groupKeys = ctx.sandboxWorld.groups.slice(-GROUPS).map((g) => g.key);
  const users = Math.ceil(ACCOUNTS / ACCOUNTS_PER_USER);
  const targetsPerTask = Math.ceil(TARGETS / (users * GROUPS_PER_USER));
  const setupStarted = Date.now();
  let theoreticalMax = 0;
  let priorityMax = 0;
  // Users of the same shape (groups, priorities, account count) differ only in ids: the first of each shape is made
  // through the services, the rest are copied from it set-based (bench-seed.ts), so 10,000 accounts set up in seconds.
  const templates = new Map<string, number>();
  const clones: Array<{ user: number; template: number }> = [];
  const templateTasks: number[] = [];
  for (let u = 1; u <= users; u++) {
    const mine = Array.from({ length: GROUPS_PER_USER }, (_, j) => groupKeys[((u - 1) * GROUPS_PER_USER + j) % GROUPS]!);
    const accountsHere = Math.min(ACCOUNTS_PER_USER, ACCOUNTS - (u - 1) * ACCOUNTS_PER_USER);
    const ranks = mine.map((_, j) => ({ HIGH: 0, MEDIUM: 1, LOW: 2 })[PRIORITIES[(u + j) % 3]!]);
    for (let a = 0; a < accountsHere; a++) {
      priorityMax += priorityRespectingMax(ranks, DAYS, L);
      // What the limits allow this account over the run: daily cap, per-group daily cap and lifetime cap.
      theoreticalMax += Math.min(
        DAYS * L.invitesPerAccountDay,
        mine.reduce((s) => s + Math.min(L.invitesPerGroupLifetime, DAYS * L.invitesPerGroupDay), 0),
      );
    }
    const shape = JSON.stringify([mine, ranks, accountsHere]);
    const template = templates.get(shape);
    if (template !== undefined) {
      clones.push({ user: u, template });
      continue;
    }
    templates.set(shape, u);
    for (let a = 0; a < accountsHere; a++) await ctx.accounts.create(u, { label: `u${u}-acc${a}`, sandbox_admin_of: mine });
    for (let j = 0; j < mine.length; j++) {
      const task = await ctx.tasks.create(
        u,
        {
          type: 'invite_to_group',
          target_group: mine[j],
          priority: PRIORITIES[(u + j) % 3]!,
          platform: 'telegram',
          settings: {},
          start: false,
        } as never,
        `bench u${u} g${j}`,
      );
      templateTasks.push(task.id);
    }
  }
  let personId = await seedTargets(ctx.db, templateTasks, targetsPerTask, 0, start);
  const templateRows = await ctx.db.selectFrom('tasks').select(['id', 'user_id']).where('id', 'in', templateTasks).execute();
  for (const t of templateRows) await ctx.lifecycle.start(Number(t.user_id), t.id);
  const cloned = await cloneUsers(ctx.db, clones);
  personId += await seedTargets(ctx.db, cloned.tasks, targetsPerTask, personId, start);
  // Fresh statistics, as autovacuum would have gathered them on a database that grew over time.
  await sql`ANALYZE`.execute(ctx.db);
  const setupSeconds = (Date.now() - setupStarted) / 1000;
  console.log(
    `setup: ${users} users, ${ACCOUNTS} accounts, ${GROUPS} groups, ${personId} targets in ${setupSeconds.toFixed(1)} s (${STORE(ctx.database.engine)})`,
  );

  const worker = ctx.createWorker('bench');
  const end = start.getTime() + DAYS * 86400_000;
  const latencies: number[] = [];
  // Housekeeping runs inside a tick every 30 virtual seconds, which at few accounts is a large share of the ticks
  // and at many accounts (a virtual clock that hardly moves in a bounded run) almost none. It is timed apart, so the
  // decision latency is comparable across scales: tick time minus the housekeeping round it contained.
  const housekeepingRounds: number[] = [];
  let housekeepingInTick = 0;
  const housekeeping = worker.housekeeping.bind(worker);
  worker.housekeeping = async () => {
    const h0 = performance.now();
    await housekeeping();
    const ms = performance.now() - h0;
    housekeepingRounds.push(ms);
    housekeepingInTick += ms;
  };
  const tickLatencies: number[] = [];
  let actions = 0;
  const runStarted = Date.now();
  let lastReport = Date.now();
  // The machine may be shared: the 1-minute load average is sampled through the run and reported with the figures.
  const loads = [loadavg()[0]!];
  const loadSampler = setInterval(() => loads.push(loadavg()[0]!), 5000);
  loadSampler.unref();
  while (clock.now().getTime() < end && (!MAX_ACTIONS || actions < MAX_ACTIONS)) {
    const t0 = performance.now();
    housekeepingInTick = 0;
    const acted = await worker.tick();
    if (acted) {
      const tickMs = performance.now() - t0;
      tickLatencies.push(tickMs);
      latencies.push(tickMs - housekeepingInTick);
      actions++;
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        console.log(`  … day ${((clock.now().getTime() - start.getTime()) / 86400_000).toFixed(2)}, ${actions} actions`);
      }
      continue;
    }
    const wake = await worker.nextWakeAt();
    clock.set(new Date(Math.min(end, wake ? Math.max(wake.getTime(), clock.now().getTime() + 1000) : end)));
  }
  const wallSeconds = (Date.now() - runStarted) / 1000;
  clearInterval(loadSampler);
  loads.push(loadavg()[0]!);
  const loadMean = loads.reduce((a, b) => a + b, 0) / loads.length;
  const loadMax = Math.max(...loads);
  // Housekeeping (revive, promote, recover, completion and failure sweeps) runs inside a tick every 30 virtual
  // seconds; a bounded run at many accounts may never reach it, so one round is timed here and reported apart.
  const hk0 = performance.now();
  await housekeeping();
  const housekeepingMs = performance.now() - hk0;
  tickLatencies.sort((a, b) => a - b);
  housekeepingRounds.sort((a, b) => a - b);

  const counted = await sql<{ n: number }>`SELECT count(*)::int AS n FROM execution_logs WHERE counts_toward_limit`.execute(ctx.db);
  const violations = await sql<{ kind: string; n: number }>`
    WITH l AS (SELECT account_id, group_key, created_at, date_trunc('day', created_at AT TIME ZONE ${L.timeZone}) AS day FROM execution_logs WHERE counts_toward_limit)
    SELECT 'account/day > ${sql.raw(String(L.invitesPerAccountDay))}' AS kind, count(*)::int AS n FROM (SELECT 1 FROM l GROUP BY account_id, day HAVING count(*) > ${L.invitesPerAccountDay}) x
    UNION ALL SELECT 'account+group/day > ${sql.raw(String(L.invitesPerGroupDay))}', count(*)::int FROM (SELECT 1 FROM l GROUP BY account_id, group_key, day HAVING count(*) > ${L.invitesPerGroupDay}) x
    UNION ALL SELECT 'account+group lifetime > ${sql.raw(String(L.invitesPerGroupLifetime))}', count(*)::int FROM (SELECT 1 FROM l GROUP BY account_id, group_key HAVING count(*) > ${L.invitesPerGroupLifetime}) x
    UNION ALL SELECT 'pause < ${sql.raw(String(L.pauseMinSeconds))} s', count(*)::int FROM (
      SELECT created_at - lag(created_at) OVER (PARTITION BY account_id ORDER BY created_at) AS gap FROM l) g
      WHERE gap < make_interval(secs => ${L.pauseMinSeconds}::float8)`.execute(ctx.db);
  const floods = await sql<{ n: number }>`SELECT count(*)::int AS n FROM execution_logs WHERE error_code = 'FLOOD_WAIT'`.execute(ctx.db);
  const results = await sql<{ status: string; n: number }>`SELECT status, count(*)::int AS n FROM targets GROUP BY status ORDER BY status`.execute(ctx.db);
  latencies.sort((a, b) => a - b);
  const totalViolations = violations.rows.reduce((s, r) => s + r.n, 0);
  const used = counted.rows[0]!.n;
  const bounded = MAX_ACTIONS > 0 && actions >= MAX_ACTIONS;
  if (bounded)
    console.log(
      `\n(bounded run: stopped after ${actions} actions on virtual day ${((clock.now().getTime() - start.getTime()) / 86400_000).toFixed(2)}; quota figures below cover only that part)`,
    );
  console.log(`\nSchedule benchmark — ${DAYS} virtual days, ${ACCOUNTS} accounts, ${GROUPS} groups, ${personId} targets, ${STORE(ctx.database.engine)}`);
  console.log(
    `  actions counted against limits: ${used} of ${theoreticalMax} allowed by the limits → quota use ${((used / theoreticalMax) * 100).toFixed(2)}%`,
  );
  console.log(`  of the ${priorityMax} achievable while honouring task priority → ${((used / priorityMax) * 100).toFixed(2)}%`);
  console.log(`  target outcomes: ${results.rows.map((r) => `${r.status} ${r.n}`).join(', ')}; FloodWaits injected and obeyed: ${floods.rows[0]!.n}`);
  for (const v of violations.rows) console.log(`  violations, ${v.kind}: ${v.n}`);
  console.log(`  limit violations total: ${totalViolations}`);
  console.log(`  wall time: ${wallSeconds.toFixed(1)} s (${(actions / wallSeconds).toFixed(0)} actions/s)`);
  console.log(
    `  housekeeping: ${housekeepingRounds.length} rounds inside ticks (p50 ${percentile(housekeepingRounds, 50).toFixed(0)} ms, max ${(housekeepingRounds.at(-1) ?? 0).toFixed(0)} ms); one round after the run: ${housekeepingMs.toFixed(0)} ms`,
  );
  console.log(`  whole tick including housekeeping: p50 ${percentile(tickLatencies, 50).toFixed(2)} ms, p99 ${percentile(tickLatencies, 99).toFixed(2)} ms`);
  console.log(`  load average (1 min) during the run: mean ${loadMean.toFixed(2)}, max ${loadMax.toFixed(2)} (${loads.length} samples)`);
  console.log(
    `  decision latency per action (tick without its housekeeping round): p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms`,
  );
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  const mean = latencies.reduce((a, b) => a + b, 0) / (latencies.length || 1);
  console.log(
    `BENCH_RESULT ${JSON.stringify({ accounts: ACCOUNTS, targets: personId, engine: STORE(ctx.database.engine), actions, setupSeconds, wallSeconds, p50, p99, mean, tickP50: percentile(tickLatencies, 50), tickP99: percentile(tickLatencies, 99), housekeepingRounds: housekeepingRounds.length, loadMean, loadMax, housekeepingMs, violations: totalViolations })}`,
  );
  await ctx.close();
  await dropRedisKeys();
  process.exit(totalViolations === 0 ? 0 : 1);
}

/** BENCH_SCALE=200,10000: one child process per account count, same targets and action bound; prints the growth. */
async function scale(counts: number[]) {
  const results: Array<Record<string, number> & { engine?: string }> = [];
  for (const accounts of counts) {
    const db = process.env.BENCH_DATABASE_URL ? await freshDatabase(process.env.BENCH_DATABASE_URL, 'io_sched') : undefined;
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bench/schedule.bench.ts'], {
        env: { ...process.env, BENCH_SCALE: '', BENCH_ACCOUNTS: String(accounts), BENCH_DATABASE_URL: db?.url ?? '' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let result: (Record<string, number> & { engine?: string }) | undefined;
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.startsWith('BENCH_RESULT ')) result = JSON.parse(line.slice('BENCH_RESULT '.length));
        else console.log(`[${accounts} accounts] ${line}`);
      });
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      if (code !== 0 || !result) throw new Error(`the run with ${accounts} accounts exited with ${code}`);
      results.push(result);
    } finally {
      await db?.drop();
    }
  }
  const base = results[0]!;
  console.log(`\nDecision cost by scale (${base.engine}, ${base.targets} targets, ${MAX_ACTIONS || 'all'} actions per run):`);
  for (const r of results) {
    console.log(
      `  ${r.accounts} accounts: p50 ${r.p50!.toFixed(2)} ms, p99 ${r.p99!.toFixed(2)} ms, mean ${r.mean!.toFixed(2)} ms ` +
        `(${(r.actions! / r.wallSeconds!).toFixed(0)} actions/s; setup ${r.setupSeconds!.toFixed(0)} s; load ${r.loadMean!.toFixed(1)} mean, ${r.loadMax!.toFixed(1)} max; whole tick p50 ${r.tickP50!.toFixed(1)} / p99 ${r.tickP99!.toFixed(1)} ms with ${r.housekeepingRounds} housekeeping rounds; one round ${r.housekeepingMs!.toFixed(0)} ms) → ×${(r.p50! / base.p50!).toFixed(2)} p50, ×${(r.p99! / base.p99!).toFixed(2)} p99 vs ${base.accounts} accounts; ` +
        `p99 goal ≤ 50 ms: ${r.p99! <= 50 ? 'met' : 'NOT met'}`,
    );
  }
}

const SCALE = (process.env.BENCH_SCALE ?? '').split(',').filter(Boolean).map(Number);
(SCALE.length ? scale(SCALE) : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
