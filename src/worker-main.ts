import { loadConfig } from './config/config.js';
import { createContext } from './app-context.js';
import { runWorkerLoop } from './scheduler/worker-loop.js';
import { runMain, shutdownOn } from './shared/process-lifecycle.js';

/** `npm run worker`: workers and job consumers only (no HTTP), for running several on other machines against one PostgreSQL. */
async function main() {
  const config = loadConfig();
  const ctx = await createContext(config);
  const count = Math.max(1, Number(process.env.WORKER_CONCURRENCY ?? 1));
  const stop = new AbortController();
  const loops = Array.from({ length: count }, () => runWorkerLoop(ctx.createWorker(), ctx.clock, stop.signal, ctx.logger));
  // Background jobs (imports, reports, scheduled starts) from BullMQ, or from PostgreSQL without Redis.
  loops.push(ctx.jobs.consume(stop.signal));
  ctx.logger.info({ workers: count, database: ctx.database.engine, platform_mode: config.platformMode, job_queues: ctx.jobs.transport.name }, 'workers started');
  shutdownOn(['SIGINT', 'SIGTERM'], async () => {
    stop.abort();
    await Promise.allSettled(loops);
    await ctx.close();
  });
}

runMain(main);
