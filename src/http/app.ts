import '../auth/request-user.js';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../app-context.js';
import { installErrorHandler } from './error-handler.js';
import { installRequestLang } from './request-lang.js';
import { installSecurityHeaders } from './security-headers.js';
import { responseSerializerCompiler } from './response-serializer.js';
import { cleanUploadNames, guardedValidatorCompiler } from './input-guards.js';
import { UserRateLimiter } from './user-rate-limit.js';
import { taskRoutes } from '../tasks/task-routes.js';
import { mailingPageRoutes, rewriteBareApiUrl } from '../compat/mailing-page/routes.js';
import { targetRoutes } from '../targets/target-routes.js';
import { importRoutes } from '../import/import-routes.js';
import { accountRoutes } from '../accounts/account-routes.js';
import { telegramLoginRoutes } from '../accounts/telegram-login-routes.js';
import { auditRoutes } from '../observability/audit-routes.js';
import { jobRoutes } from '../jobs/job-routes.js';
import { hygieneRoutes } from '../hygiene/hygiene-routes.js';
import { notificationRoutes } from '../notifications/notification-routes.js';
import { JOB_QUEUES } from '../shared/enums.js';
import { describeTelegramDc } from '../platform/telegram/telegram-dc.js';

const WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Builds the HTTP API on a context. Everything under /api/v1 needs a Bearer JWT; health and metrics do not. */
export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger as unknown as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    // `/tasks/` is `/tasks` (the platform's gateway keeps the trailing slash the platform's page sends).
    routerOptions: { ignoreTrailingSlash: true },
    // The platform's gateway sends `/api/invite/{path}` to `/api/v1/{path}`: those are the core's `/api/v1/invite/{path}`,
    // except the Mailing page's own calls (src/compat/mailing-page). One set of handlers, two addresses.
    rewriteUrl: (req) => rewriteBareApiUrl(req.method, req.url ?? '/'),
  });
  // zod for every route, behind one guard: a NUL byte in any field is a 400 naming it (PostgreSQL cannot store one).
  app.setValidatorCompiler(guardedValidatorCompiler);
  // zod's serialiser, or a compiled one for the response schemas marked so (src/http/response-serializer.ts).
  app.setSerializerCompiler(responseSerializerCompiler);
  const hasWeb = existsSync(WEB_DIST);
  installRequestLang(app);
  installErrorHandler(app, hasWeb ? { mount: ctx.config.ui.basePath } : undefined);

  // A callback hook, not an async one: it runs on every answer and needs no promise.
  app.addHook('onSend', (_req, reply, payload, done) => {
    reply.header('x-platform-mode', ctx.config.platformMode);
    done(null, payload);
  });
  // Helmet's headers (src/http/security-headers.ts holds the options), computed once.
  await installSecurityHeaders(app);
  // No CORS headers unless origins are listed: the bundled UI is same-origin.
  if (ctx.config.corsOrigins.length) await app.register(cors, { origin: ctx.config.corsOrigins, credentials: false });
  // Only the endpoints without authentication are throttled per client address.
  await app.register(rateLimit, { global: false });
  const openLimit = { rateLimit: { max: 300, timeWindow: '1 minute' } };

  await app.register(swagger, {
    openapi: {
      info: { title: 'Invite Orchestrator API', version: '0.1.0', description: `Platform mode: ${ctx.config.platformMode}` },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  app.get('/docs/json', { schema: { hide: true }, config: openLimit }, async () => app.swagger());

  // The spec's names for the same probes (/api/v1/invite/health, /api/v1/health/detailed) answer without a token too.
  for (const path of ['/health', '/api/v1/health', '/api/v1/invite/health']) {
    app.get(path, { schema: { hide: true }, config: openLimit }, async () => ({ status: 'ok' }));
  }
  for (const path of ['/health/detailed', '/api/v1/health/detailed', '/api/v1/invite/health/detailed'])
    app.get(path, { schema: { hide: true }, config: openLimit }, async (_req, reply) => {
      const started = Date.now();
      let database: { ok: boolean; engine: string; latency_ms?: number; error?: string };
      // The Parsing Service is probed alongside: it is an optional dependency, so it never makes us "degraded".
      const parsingHealth = ctx.parsing.health();
      try {
        await sql`SELECT 1`.execute(ctx.db);
        database = { ok: true, engine: ctx.database.engine, latency_ms: Date.now() - started };
      } catch (err) {
        database = { ok: false, engine: ctx.database.engine, error: (err as Error).message };
      }
      const body = {
        status: database.ok ? 'ok' : 'degraded',
        platform_mode: ctx.config.platformMode,
        sandbox: ctx.config.platformMode === 'sandbox',
        // The service's clock and its speed (a sped-up sandbox runs SANDBOX_TIME_SPEED times faster): the pages count
        // down to the times this service gives (an account's rest, a scheduled start) on this clock, not the browser's.
        now: ctx.clock.now().toISOString(),
        time_speed: ctx.config.sandboxTimeSpeed,
        ...(ctx.config.platformMode === 'telegram' ? { telegram_dc: describeTelegramDc(ctx.config.telegram) ?? 'Telegram production' } : {}),
        database,
        redis: ctx.config.redis ? (ctx.hotState.enabled ? 'configured (hot state; PostgreSQL is the source of truth)' : 'off') : 'not configured',
        job_queues: ctx.jobs.transport.name === 'bullmq' ? 'BullMQ on Redis' : 'embedded (polling PostgreSQL)',
        parsing_service: await parsingHealth,
        api_gateway: ctx.config.apiGatewayUrl ? 'configured (email sign-ins map to platform user ids)' : 'not configured (email sign-ins are local tenants)',
        worker_in_process: ctx.config.runWorker,
        // Circuit breaker per platform (this process): closed, or open/half_open with when dispatch pauses and retries.
        platform_circuit: await ctx.circuitBreaker.sync(true).then(() => ctx.circuitBreaker.snapshot([ctx.config.platformMode])),
      };
      return reply.status(database.ok ? 200 : 503).send(body);
    });
  app.get('/metrics', { schema: { hide: true }, config: openLimit }, async (_req, reply) => {
    const [active, leases, pending, depth] = await Promise.all([
      ctx.db
        .selectFrom('tasks')
        .select(['platform', sql<number>`count(*)::int`.as('n')])
        .where('status', '=', 'IN_PROGRESS')
        .groupBy('platform')
        .execute(),
      ctx.db.selectFrom('account_leases').select(sql<number>`count(*)::int`.as('n')).where('expires_at', '>', ctx.clock.now()).executeTakeFirstOrThrow(),
      ctx.db
        .selectFrom('targets')
        .innerJoin('tasks', 'tasks.id', 'targets.task_id')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('tasks.status', '=', 'IN_PROGRESS')
        .where('targets.status', '=', 'PENDING')
        .executeTakeFirstOrThrow(),
      ctx.jobs.depthByQueue(),
    ]);
    ctx.metrics.activeTasks.reset();
    for (const a of active) ctx.metrics.activeTasks.set({ platform: a.platform }, a.n);
    ctx.metrics.activeLeases.set(leases.n);
    ctx.metrics.pendingTargets.set(pending.n);
    // Every queue is reported, empty ones as 0, so a backlog alert sees a series drop back down.
    for (const q of JOB_QUEUES) ctx.metrics.queueDepth.set({ queue: q }, depth[q] ?? 0);
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });

  // What the web UI needs to know at run time: standalone at `/`, inside the platform's site under UI_BASE_PATH.
  app.get('/ui-config.json', { schema: { hide: true }, config: openLimit }, async () => ({ mode: 'standalone', api_base: '/api/v1' }));
  if (ctx.config.ui.basePath) {
    app.get(`${ctx.config.ui.basePath}/ui-config.json`, { schema: { hide: true }, config: openLimit }, async () => ({
      mode: 'platform',
      api_base: ctx.config.ui.apiBase,
      login_url: ctx.config.ui.platformLoginUrl,
    }));
  }

  await app.register(
    async (api) => {
      await api.register(multipart, { limits: { fileSize: ctx.config.maxImportFileBytes, files: 1, fields: 10 } });
      api.addHook('preHandler', cleanUploadNames);
      api.decorateRequest('user', null as never);
      api.addHook('onRequest', async (req) => {
        req.user = await ctx.identity.resolve(await ctx.jwt.verify(req.headers.authorization));
      });
      // Per-user budgets (after the auth hook, keyed by the user id): 429 with Retry-After beyond them.
      api.addHook('onRequest', new UserRateLimiter(ctx.config.rateLimit.perUserPerMinute, ctx.config.rateLimit.expensivePerUserPerMinute).hook());
      await api.register(
        async (invite) => {
          await taskRoutes(invite, ctx);
          await targetRoutes(invite, ctx);
          await importRoutes(invite, ctx);
          await auditRoutes(invite, ctx);
          await jobRoutes(invite, ctx);
          await hygieneRoutes(invite, ctx);
          await notificationRoutes(invite, ctx);
        },
        { prefix: '/invite' },
      );
      await accountRoutes(api, ctx);
      await telegramLoginRoutes(api, ctx);
      await mailingPageRoutes(api, ctx);
    },
    { prefix: '/api/v1' },
  );

  if (hasWeb) {
    // The built web UI (npm run build:web). Files are looked up per request, so a rebuild needs no restart.
    const fastifyStatic = (await import('@fastify/static')).default;
    await app.register(fastifyStatic, { root: WEB_DIST, prefix: '/', wildcard: true, schemaHide: true });
    // The same UI inside the platform's site (UI_BASE_PATH, e.g. /mailing/): the gateway forwards the path unchanged.
    const mount = ctx.config.ui.basePath;
    if (mount) {
      app.get(mount, { schema: { hide: true } }, async (req, reply) => {
        // Assets are relative (./assets/…): the page must be addressed as a directory.
        const [path, query] = (req.originalUrl ?? req.url).split('?');
        return path!.endsWith('/') ? reply.sendFile('index.html') : reply.redirect(`${path}/${query ? `?${query}` : ''}`);
      });
      await app.register(fastifyStatic, { root: WEB_DIST, prefix: `${mount}/`, decorateReply: false, wildcard: true, schemaHide: true, index: false });
    }
  }
  return app;
}
