import type { Logger } from 'pino';
import type { AppConfig } from './config/config.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { systemClock, type Clock } from './shared/clock.js';
import { openSharedSandboxClock } from './shared/shared-clock.js';
import { resolveSecrets } from './auth/secret-source.js';
import { JwtService } from './auth/jwt.js';
import { PlatformIdentity } from './auth/platform-identity.js';
import { AccountManager } from './accounts/account-manager.js';
import { AccountService } from './accounts/account-service.js';
import { GroupCheckService } from './accounts/group-check.js';
import { SessionCrypto } from './accounts/session-crypto.js';
import { TelegramLoginService, type TelegramLoginOptions } from './accounts/telegram-login.js';
import { RedisHotState, noHotState } from './accounts/hot-state.js';
import { PlatformConnections } from './platform/connections.js';
import { SandboxWorld, type SandboxOptions } from './platform/sandbox/sandbox-world.js';
import { SandboxPlatform } from './platform/sandbox/sandbox-platform.js';
import { GramJsPlatform } from './platform/telegram/gramjs-platform.js';
import { describeTelegramDc } from './platform/telegram/telegram-dc.js';
import type { PlatformAdapter } from './platform/platform.js';
import { TaskService } from './tasks/task-service.js';
import { TaskLifecycle } from './tasks/task-lifecycle.js';
import { TaskBulk } from './tasks/task-bulk.js';
import { TaskAccounts } from './tasks/task-accounts.js';
import { TaskWhyService } from './tasks/task-why.js';
import { TaskReadiness } from './tasks/task-readiness.js';
import { TargetService } from './targets/target-service.js';
import { ImportService } from './import/import-service.js';
import { ParsingServiceClient } from './import/parsing-service-client.js';
import { SANDBOX_PARSING_URL, sandboxParsingFetch } from './platform/sandbox/sandbox-parsing-service.js';
import { StatsService } from './stats/stats-service.js';
import { Metrics } from './observability/metrics.js';
import { AuditLog } from './observability/audit.js';
import { createLogger } from './observability/logger.js';
import { Worker } from './scheduler/worker.js';
import { CircuitBreaker, type CircuitStore } from './scheduler/circuit-breaker.js';
import { JobService } from './jobs/job-service.js';
import { BullMqTransport } from './jobs/bullmq-transport.js';
import { EmbeddedTransport } from './jobs/embedded-transport.js';
import { JobStore } from './jobs/job-store.js';
import { ScheduledStarts } from './tasks/scheduled-starts.js';
import { ImportJobs } from './import/import-jobs.js';
import { ReportJobs } from './stats/report-jobs.js';
import { NotificationService } from './notifications/notification-service.js';
import { WebhookService } from './notifications/webhook-service.js';
import { notifyImportFailures } from './notifications/import-failures.js';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';

export interface ContextOptions {
  clock?: Clock;
  logger?: Logger;
  sandbox?: Partial<SandboxOptions>;
  /** Overrides the platform adapter (tests stub GramJS here). */
  adapters?: Partial<Record<'sandbox' | 'telegram', PlatformAdapter>>;
  fetchImpl?: typeof fetch;
  random?: () => number;
  collectDefaultMetrics?: boolean;
  /** Account connection (login by code / QR) tuning: attempt lifetime, rate limits, QR re-check interval. */
  telegramLogin?: TelegramLoginOptions;
  /** How long one account's admin check may take (src/accounts/group-check.ts; real milliseconds). */
  groupProbeTimeoutMs?: number;
}

/** Composition root: builds every service once, wired to one database, clock and platform. */
export async function createContext(config: AppConfig, opts: ContextOptions = {}) {
  let clock: Clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger(config.logLevel);
  const database: DatabaseHandle = await openDatabase({
    url: config.databaseUrl,
    pgliteDataDir: config.pgliteDataDir,
    pgliteSharedBuffers: config.pgliteSharedBuffers,
    onIdleClientError: (err) => logger.warn({ err: err.message }, 'an idle PostgreSQL connection was closed; it will be replaced'),
  });
  const db = database.db;
  // A sped-up sandbox shares one virtual clock (stored in the database) across all its processes.
  const sharedClock = !opts.clock && config.sandboxTimeSpeed !== 1 ? await openSharedSandboxClock(db, config.sandboxTimeSpeed, logger) : null;
  if (sharedClock) clock = sharedClock.clock;
  const secrets = await resolveSecrets(config);
  if (!secrets.sessionEncryptionKey) throw new Error('No session encryption key: set SESSION_ENCRYPTION_KEY (or session_key in Vault).');
  if (config.platformMode === 'telegram' && (!config.telegram.apiId || !config.telegram.apiHash) && !opts.adapters?.telegram) {
    throw new Error('PLATFORM_MODE=telegram needs TELEGRAM_API_ID and TELEGRAM_API_HASH.');
  }
  if (config.platformMode === 'telegram' && config.telegram.dc) logger.warn(`${describeTelegramDc(config.telegram)}`);
  const jwt = new JwtService(secrets.jwtSecret);
  const crypto = new SessionCrypto(secrets.sessionEncryptionKey);
  const metrics = new Metrics(opts.collectDefaultMetrics ?? false);
  const sandboxWorld = new SandboxWorld(clock, { seed: config.sandboxSeed, actionDelayMs: config.sandboxActionDelayMs, ...opts.sandbox });
  const connections = new PlatformConnections(
    {
      sandbox: opts.adapters?.sandbox ?? new SandboxPlatform(sandboxWorld),
      telegram: opts.adapters?.telegram ?? new GramJsPlatform(config.telegram),
    },
    crypto,
  );
  const hotState = config.redis ? new RedisHotState(config.redis.url, config.redis.prefix, logger) : noHotState;
  const accountManager = new AccountManager(db, clock, config.limits, config.leaseSeconds, opts.random, hotState);
  const groupCheck = new GroupCheckService(db, clock, accountManager, connections, opts.groupProbeTimeoutMs);
  const audit = new AuditLog(db, clock);
  // One breaker per process, shared by all its workers; open/closed is published to the other processes (README "Circuit breaker").
  const circuitStore: CircuitStore = {
    load: () => db.selectFrom('platform_circuits').selectAll().execute(),
    save: async (c) => {
      await db
        .insertInto('platform_circuits')
        .values(c)
        .onConflict((oc) =>
          oc
            .column('platform')
            .doUpdateSet({
              state: c.state,
              opened_at: c.opened_at,
              retry_at: c.retry_at,
              consecutive_opens: c.consecutive_opens,
              updated_at: c.updated_at,
            })
            .where('platform_circuits.updated_at', '<', c.updated_at),
        )
        .execute();
    },
  };
  const circuitBreaker = new CircuitBreaker(clock, config.circuit, metrics, logger, circuitStore);
  // Background jobs: BullMQ when Redis is configured, otherwise consumers poll PostgreSQL.
  const processId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const jobStore = new JobStore(db, clock);
  const transport = config.redis ? new BullMqTransport(config.redis.url, `${config.redis.prefix}bull`, clock, logger) : new EmbeddedTransport(jobStore, clock);
  const jobs = new JobService(jobStore, clock, transport, logger, metrics, {
    holder: processId,
    retentionDays: config.jobRetentionDays,
    lockMs: config.jobLockSeconds * 1000,
    maxUnfinishedPerUser: config.maxUnfinishedJobsPerUser,
  });
  const scheduledStarts = new ScheduledStarts(jobs, db, clock, accountManager);
  const tasks = new TaskService(db, clock, config.platformMode);
  const lifecycle = new TaskLifecycle(db, clock, tasks, accountManager, groupCheck, audit, config.maxConcurrentTasksPerUser, metrics, scheduledStarts);
  const targets = new TargetService(db, clock, config.maxTargetsPerTask, database.bulk);
  const importer = new ImportService(targets);
  // A standalone sandbox has no Parsing Service: its demo bases answer in-process, through the same client and contract.
  const sandboxParsing = config.sandboxParsingService;
  const parsing = new ParsingServiceClient(
    sandboxParsing ? SANDBOX_PARSING_URL : config.parsingServiceUrl,
    (platformUserId) => jwt.signService(platformUserId),
    clock,
    sandboxParsing ? sandboxParsingFetch(config.sandboxSeed, clock.now()) : opts.fetchImpl,
    { sandbox: sandboxParsing },
  );
  const identity = new PlatformIdentity(db, clock, config.apiGatewayUrl, config.apiGatewayCacheSeconds, opts.fetchImpl);
  const stats = new StatsService(db, clock, config.limits, config.logRetentionDays);
  const taskBulk = new TaskBulk(tasks, lifecycle, audit);
  const importJobs = new ImportJobs(jobs, tasks, targets, importer, parsing, accountManager, audit, lifecycle, config.importLimits);
  const reportJobs = new ReportJobs(jobs, tasks, stats);
  // Notifications are written by the owners of the transitions (task-status.ts, the account manager, the job service);
  // these read them, deliver the webhook jobs and tell of failed imports.
  const notifications = new NotificationService(db, clock);
  const webhooks = new WebhookService(db, clock, crypto, jobs, logger, config.webhooks);
  notifyImportFailures(jobs, db, clock);
  const accounts = new AccountService(db, clock, accountManager, crypto, config.platformMode);
  const telegramLogin = new TelegramLoginService(
    db,
    clock,
    crypto,
    accounts,
    accountManager,
    connections,
    logger,
    config.telegram,
    config.platformMode,
    opts.telegramLogin,
  );
  // Each worker gets its own lease holder name, even within one process.
  const createWorker = (holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`) =>
    new Worker(
      db,
      clock,
      accountManager,
      connections,
      {
        holder,
        leaseSeconds: config.leaseSeconds,
        maxTargetAttempts: config.maxTargetAttempts,
        logRetentionDays: config.logRetentionDays,
        notificationRetentionDays: config.notificationRetentionDays,
      },
      logger,
      metrics,
      circuitBreaker,
    );

  const taskAccounts = new TaskAccounts(db, clock, accountManager, groupCheck, lifecycle, targets, (holder) => createWorker(holder));
  const taskWhy = new TaskWhyService(db, clock, accountManager, config.limits.timeZone);
  const taskReadiness = new TaskReadiness(db, clock, accountManager, groupCheck);

  return {
    config,
    clock,
    logger,
    database,
    db,
    secrets,
    hotState,
    jwt,
    identity,
    crypto,
    metrics,
    sandboxWorld,
    connections,
    accountManager,
    groupCheck,
    audit,
    circuitBreaker,
    tasks,
    lifecycle,
    taskBulk,
    targets,
    importer,
    parsing,
    stats,
    accounts,
    taskAccounts,
    taskWhy,
    taskReadiness,
    telegramLogin,
    createWorker,
    jobs,
    scheduledStarts,
    importJobs,
    reportJobs,
    notifications,
    webhooks,
    async close() {
      await telegramLogin.close();
      await jobs.transport.close();
      await connections.closeAll();
      await hotState.close();
      sharedClock?.stop();
      await database.close();
    },
  };
}

export type AppContext = Awaited<ReturnType<typeof createContext>>;
