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
  // `now` is this process's virtual time: with SANDBOX_TIME_SPEED ≠ 1 it is the deployment's shared clock (`real` for comparison).
  ctx.logger.info(
    {
      workers: count,
      database: ctx.database.engine,
      platform_mode: config.platformMode,
      job_queues: ctx.jobs.transport.name,
      time_speed: config.sandboxTimeSpeed,
      now: ctx.clock.now().toISOString(),
      real: new Date().toISOString(),
    },
    'workers started',
  );
  shutdownOn(['SIGINT', 'SIGTERM'], async () => {
    stop.abort();
    await Promise.allSettled(loops);
    await ctx.close();
  });
}

runMain(main);
