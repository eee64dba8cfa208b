/**
 * The product's API server for `npm run bench:api`, in its own process (as `npm start` runs it): seeds one user's
 * 20 tasks × BENCH_API_TARGETS targets, listens on a free loopback port and prints one JSON line
 * `{url, token, task_id}` for the load generator. No worker: the figures are the API's.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config/config.js';
import { createContext } from '../src/app-context.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/observability/logger.js';

const TARGETS = Number(process.env.BENCH_API_TARGETS ?? 1000);

async function main() {
  const config = loadConfig({
    ...process.env,
    JWT_SECRET: randomBytes(16).toString('hex'),
    SESSION_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '',
    PGLITE_DATA_DIR: 'memory://',
    LOG_LEVEL: 'silent',
    RUN_WORKER: 'false',
    MAX_TARGETS_PER_TASK: String(Math.max(TARGETS, 1000)),
  });
  const ctx = await createContext(config, { logger: createLogger('silent') });
  const app = await buildApp(ctx);
  await ctx.accounts.create(1, { label: 'Bench sender' });
  let first = 0;
  for (let i = 0; i < 20; i++) {
    const task = await ctx.tasks.create(
      1,
      { type: 'invite_to_group', target_group: '@sandbox_marketing', priority: 'MEDIUM', platform: 'telegram', settings: {}, start: false } as never,
      `bench task ${i}`,
    );
    first ||= task.id;
    for (let from = 0; from < TARGETS; from += 5000) {
      await ctx.targets.addInline(
        task.id,
        Array.from({ length: Math.min(5000, TARGETS - from) }, (_, j) => `api_bench_${i}_${from + j}`),
      );
    }
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  console.log(JSON.stringify({ url, token: await ctx.jwt.sign(1), task_id: first }));
  const stop = async () => {
    await app.close();
    await ctx.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
