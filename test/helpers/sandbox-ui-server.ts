import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/config.js';
import { createContext, type AppContext } from '../../src/app-context.js';
import { buildApp } from '../../src/http/app.js';
import { ScaledClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/observability/logger.js';
import { runWorkerLoop } from '../../src/scheduler/worker-loop.js';

export interface SandboxUiServer {
  ctx: AppContext;
  app: FastifyInstance;
  /** http://127.0.0.1:port, serving the built UI and the API. */
  base: string;
  /** A token of user 1. */
  token: string;
  /** The sandbox's accelerated clock. */
  clock: ScaledClock;
  /** Stops the worker and job loops, then the server and the context. */
  close(): Promise<void>;
}

/**
 * The whole product for a browser suite: the service on loopback (embedded PGlite in memory), an in-process worker
 * and job consumer on an accelerated sandbox clock (1 real second = 1 virtual hour, so paced invites are watchable).
 * `env` adds or overrides settings; `privacyRate` is the sandbox's share of people whose privacy refuses invites.
 */
export async function startSandboxUiServer(opts: { worker: string; privacyRate?: number; env?: Record<string, string> }): Promise<SandboxUiServer> {
  const config = loadConfig({
    JWT_SECRET: randomBytes(16).toString('hex'),
    SESSION_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    PGLITE_DATA_DIR: 'memory://',
    LOG_LEVEL: 'silent',
    SANDBOX_TIME_SPEED: '3600',
    ...opts.env,
  });
  const clock = new ScaledClock(3600);
  const ctx = await createContext(config, { clock, logger: createLogger('silent'), sandbox: { privacyRate: opts.privacyRate ?? 0 } });
  const app = await buildApp(ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const stop = new AbortController();
  const loop = runWorkerLoop(ctx.createWorker(opts.worker), clock, stop.signal);
  const jobsLoop = ctx.jobs.consume(stop.signal);
  return {
    ctx,
    app,
    base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    token: await ctx.jwt.sign(1),
    clock,
    async close() {
      stop.abort();
      await loop;
      await jobsLoop;
      await app.close();
      await ctx.close();
    },
  };
}
