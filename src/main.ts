import { loadConfig } from './config/config.js';
import { createContext } from './app-context.js';
import { buildApp } from './http/app.js';
import { runWorkerLoop } from './scheduler/worker-loop.js';
import { runMain, shutdownOn } from './shared/process-lifecycle.js';
import { ScaledClock } from './shared/clock.js';

/** `npm start`: API + web UI + (by default) an in-process worker, on embedded PGlite and the sandbox platform. */
async function main() {
  const config = loadConfig();
  // With SANDBOX_TIME_SPEED ≠ 1 the context uses the deployment's shared virtual clock (src/shared/shared-clock.ts).
  const ctx = await createContext(config, { collectDefaultMetrics: true });
  const app = await buildApp(ctx);
  const stop = new AbortController();
  // The in-process worker also runs background jobs (imports, reports, scheduled starts).
  const loops = config.runWorker ? [runWorkerLoop(ctx.createWorker(), ctx.clock, stop.signal, ctx.logger), ctx.jobs.consume(stop.signal)] : [];
  await app.listen({ port: config.port, host: config.host });
  ctx.logger.info(
    { platform_mode: config.platformMode, database: ctx.database.engine, worker: config.runWorker, job_queues: ctx.jobs.transport.name },
    'Invite Orchestrator is running',
  );
  if (config.platformMode === 'sandbox') {
    ctx.logger.warn('SANDBOX platform: actions are simulated, nothing is sent to Telegram. Set PLATFORM_MODE=telegram for real accounts.');
    if (ctx.clock instanceof ScaledClock)
      ctx.logger.warn(
        { speed: config.sandboxTimeSpeed, now: ctx.clock.now().toISOString() },
        'sandbox time runs faster than real time (one clock shared by every process on this database)',
      );
  }
  if (ctx.secrets.source === 'generated-dev') {
    const token = await ctx.jwt.sign(1, '30d');
    // Printed on stdout on purpose (not through the redacting logger): it is the developer's own local login.
    console.log(`\nDev sign-in for local user 1 (valid 30 days):\n  export TOKEN=${token}\n  open http://${config.host}:${config.port}/?token=${token}\n`);
  }
  shutdownOn(['SIGINT', 'SIGTERM'], async () => {
    stop.abort();
    await Promise.allSettled(loops);
    await app.close();
    await ctx.close();
  });
}

runMain(main);
