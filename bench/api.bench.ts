/**
 * API benchmark (not a test). The server runs in its own process (bench/api-server.ts, as `npm start` runs it) and
 * so does the ceiling (bench/ceiling-server.ts: a bare Fastify route doing one primary-key read on the same engine);
 * this process only generates load: autocannon for the maximum throughput, and an open-loop generator at a fixed
 * rate (bench/fixed-rate.ts: a request every 1/rate s, latency from when it was due) for p99. Prints each endpoint's
 * throughput as a ratio to the ceiling measured in the same run, and p99 at the fixed rate.
 *
 *   npm run bench:api      BENCH_DATABASE_URL=postgres://… BENCH_API_CONNECTIONS=50 BENCH_API_SECONDS=10 BENCH_API_RATE=1000
 *                          BENCH_API_RATE_RUNS=3
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { loadavg } from 'node:os';
import { fixedRate } from './fixed-rate.js';
import { freshDatabase } from './fresh-database.js';

const CONNECTIONS = Number(process.env.BENCH_API_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 10);
const RATE = Number(process.env.BENCH_API_RATE ?? 1000);

/** With PostgreSQL, a fresh database for this run (dropped afterwards), shared by the server and the ceiling. */
async function benchDatabase(): Promise<{ url: string | undefined; drop: () => Promise<void> }> {
  const admin = process.env.BENCH_DATABASE_URL;
  return admin ? freshDatabase(admin, 'io_bench') : { url: undefined, drop: async () => {} };
}

function start(script: string, env: Record<string, string | undefined>): Promise<{ child: ChildProcess; info: Record<string, any> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve({ child, info: JSON.parse(line) }));
  });
}

/** The maximum throughput: CONNECTIONS closed-loop connections, each sending its next request on its last answer. */
async function load(url: string, headers: Record<string, string>) {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers, timeout: 30 });
  const bad = r.non2xx + r.errors + r.timeouts;
  return { rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, bad };
}

/**
 * Latency at RATE requests per second, evenly spaced (open loop): RATE_RUNS runs of SECONDS each, every run's p99
 * printed and the median judged. Why several: on 2 shared cores one garbage collection or one burst of another
 * process in a 10-second run moves a p99 by tens of milliseconds (the same build measured 9–36 ms run to run).
 */
const RATE_RUNS = Number(process.env.BENCH_API_RATE_RUNS ?? 3);
async function atRate(url: string, headers: Record<string, string>) {
  const runs = [];
  for (let i = 0; i < RATE_RUNS; i++) runs.push(await fixedRate({ url, headers, rate: RATE, seconds: SECONDS, connections: CONNECTIONS }));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return {
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    each: runs.map((r) => `${r.p99}`).join(' / '),
    bad: runs.reduce((n, r) => n + r.bad, 0),
  };
}

async function main() {
  const db = await benchDatabase();
  const env = { BENCH_DATABASE_URL: db.url ?? '', RATE_LIMIT_PER_USER_PER_MINUTE: '100000000' };
  const server = await start('bench/api-server.ts', env);
  const ceiling = await start('bench/ceiling-server.ts', env);
  try {
    const headers = { authorization: `Bearer ${server.info.token}` };
    const engine = db.url ? 'PostgreSQL' : 'PGlite';
    console.log(`API benchmark on ${engine}: server, ceiling and load generator in separate processes; ${CONNECTIONS} connections × ${SECONDS} s per run`);
    const top = await load(ceiling.info.url, {});
    // The ceiling at the fixed rate too: what p99 this machine allows at all (load generator, server and database share it).
    const topFixed = await atRate(ceiling.info.url, {});
    console.log(
      `ceiling (bare Fastify, one primary-key read): ${top.rps} rps, p50 ${top.p50} ms, p99 ${top.p99} ms; at ${RATE} rps (open loop, median of ${RATE_RUNS} runs) p50 ${topFixed.p50} ms, p99 ${topFixed.p99} ms (runs: ${topFixed.each}); load average ${loadavg()[0]!.toFixed(1)}`,
    );
    const endpoints = [
      ['task status', `/api/v1/invite/tasks/${server.info.task_id}/status`, 0.5],
      ['task list (page of 20)', '/api/v1/invite/tasks?page_size=20', 0.25],
    ] as const;
    for (const [name, path, goal] of endpoints) {
      const max = await load(`${server.info.url}${path}`, headers);
      const fixed = await atRate(`${server.info.url}${path}`, headers);
      const ratio = max.rps / top.rps;
      console.log(
        `${name}: ${max.rps} rps = ${(ratio * 100).toFixed(0)} % of the ceiling (goal ≥ ${goal * 100} %: ${ratio >= goal ? 'met' : 'NOT met'}); ` +
          `at ${RATE} rps (open loop, median of ${RATE_RUNS} runs) p50 ${fixed.p50} ms, p99 ${fixed.p99} ms (runs: ${fixed.each}; goal ≤ 20 ms: ${fixed.p99 <= 20 ? 'met' : 'NOT met'}); failed answers ${max.bad + fixed.bad}; load average ${loadavg()[0]!.toFixed(1)}`,
      );
    }
  } finally {
    for (const c of [server.child, ceiling.child]) {
      c.removeAllListeners('exit');
      c.kill('SIGTERM');
    }
    await new Promise((r) => setTimeout(r, 500));
    await db.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
