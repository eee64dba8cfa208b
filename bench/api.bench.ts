/**
 * API load benchmark (not a test): 1,000 concurrent clients on loopback for a bounded time against the
 * endpoints the UI polls. Prints rps, latency p50/p99 and any errors or non-2xx answers.
 *
 *   npm run bench:api           BENCH_API_CONNECTIONS=200 BENCH_API_SECONDS=5 npm run bench:api
 */
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config/config.js';
import { createContext } from '../src/app-context.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/observability/logger.js';

const CONNECTIONS = Number(process.env.BENCH_API_CONNECTIONS ?? 1000);
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 10);

async function main() {
  const config = loadConfig({
    ...process.env, JWT_SECRET: randomBytes(16).toString('hex'), SESSION_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '', PGLITE_DATA_DIR: 'memory://', LOG_LEVEL: 'silent', RUN_WORKER: 'false',
  });
  const ctx = await createContext(config, { logger: createLogger('silent') });
  const app = await buildApp(ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const token = await ctx.jwt.sign(1);
  await ctx.accounts.create(1, { label: 'Bench sender' });
  for (let i = 0; i < 20; i++) {
    const task = await ctx.tasks.create(1, { type: 'invite_to_group', target_group: '@sandbox_marketing', priority: 'MEDIUM', platform: 'telegram', settings: {}, start: false } as never, `bench task ${i}`);
    await ctx.targets.addInline(task.id, Array.from({ length: 200 }, (_, j) => `api_bench_${i}_${j}`));
  }
  const headers = { authorization: `Bearer ${token}` };
  for (const [name, path] of [['task list (20 tasks with counters)', '/api/v1/invite/tasks?page_size=20'], ['task status (polled by the UI)', '/api/v1/invite/tasks/1/status']] as const) {
    const result = await autocannon({ url: `${url}${path}`, connections: CONNECTIONS, duration: SECONDS, headers, timeout: 30 });
    console.log(`${name}: ${CONNECTIONS} clients × ${SECONDS} s → ${Math.round(result.requests.average)} rps, latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms; ` +
      `${result['2xx']} OK, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}`);
  }
  await app.close();
  await ctx.close();
}

main().catch((e) => { console.error(e); process.exit(1); });
