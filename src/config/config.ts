import { createPublicKey } from 'node:crypto';
import { z } from 'zod';

/**
 * Every deployment setting in one place, parsed from the environment once.
 * Defaults are the safe limits from the product specification; each can be tuned per deployment.
 */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: z.string().default('info'),
  DATABASE_URL: z.string().optional(),
  PGLITE_DATA_DIR: z.string().default('./data'),
  PGLITE_SHARED_BUFFERS: z
    .string()
    .regex(/^\d+(kB|MB|GB)$/, 'a size like 16MB')
    .default('16MB'),
  JWT_SECRET: z.string().optional(),
  JWT_SECRET_FILE: z.string().optional(),
  VAULT_ADDR: z.string().optional(),
  VAULT_ROLE_ID: z.string().optional(),
  VAULT_SECRET_ID: z.string().optional(),
  VAULT_KV_PATH: z.string().default('secret/data/invite-orchestrator'),
  SESSION_ENCRYPTION_KEY: z.string().optional(),
  PARSING_SERVICE_URL: z.string().optional(),
  API_GATEWAY_URL: z.string().optional(),
  API_GATEWAY_CACHE_SECONDS: z.coerce.number().int().nonnegative().default(300),
  REDIS_URL: z.string().optional(),
  REDIS_PREFIX: z.string().default('io:'),
  PLATFORM_MODE: z.enum(['sandbox', 'telegram']).default('sandbox'),
  TELEGRAM_API_ID: z.coerce.number().int().optional(),
  TELEGRAM_API_HASH: z.string().optional(),
  /** A custom MTProto server instead of Telegram production: `<dcId>@<host>:<port>` (test DCs, loopback test servers). */
  TELEGRAM_DC: z
    .string()
    .regex(/^\d{1,3}@[^\s:@]+:\d{1,5}$/, 'expected <dcId>@<host>:<port>, e.g. 2@127.0.0.1:4430')
    .optional(),
  /** PEM (SPKI or PKCS#1) RSA public key of that server; literal "\n" sequences are accepted for line breaks. */
  TELEGRAM_DC_PUBLIC_KEY: z.string().optional(),
  SANDBOX_SEED: z.coerce.number().int().default(42),
  SANDBOX_ACTION_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  SANDBOX_TIME_SPEED: z.coerce.number().positive().max(100_000).default(1),
  // A standalone sandbox without PARSING_SERVICE_URL answers a few labelled demo bases (src/platform/sandbox/sandbox-parsing-service.ts).
  SANDBOX_PARSING_SERVICE: z.enum(['true', 'false']).default('true'),
  RUN_WORKER: z.enum(['true', 'false']).default('true'),
  LIMIT_INVITES_PER_ACCOUNT_DAY: z.coerce.number().int().positive().default(30),
  LIMIT_INVITES_PER_GROUP_DAY: z.coerce.number().int().positive().default(15),
  LIMIT_INVITES_PER_GROUP_LIFETIME: z.coerce.number().int().positive().default(200),
  LIMIT_MESSAGES_PER_ACCOUNT_DAY: z.coerce.number().int().positive().default(40),
  PAUSE_MIN_SECONDS: z.coerce.number().int().nonnegative().default(600),
  PAUSE_MAX_SECONDS: z.coerce.number().int().nonnegative().default(900),
  FLOOD_WAIT_BUFFER_SECONDS: z.coerce.number().int().nonnegative().default(60),
  PEER_FLOOD_REST_SECONDS: z.coerce.number().int().positive().default(86400),
  LIMITS_TIME_ZONE: z.string().default('UTC'),
  LEASE_SECONDS: z.coerce.number().int().positive().default(120),
  // Circuit breaker: dispatch for a platform pauses when its calls fail en masse (README "Circuit breaker").
  CIRCUIT_WINDOW_SECONDS: z.coerce.number().int().positive().default(60),
  CIRCUIT_MIN_FAILURES: z.coerce.number().int().positive().default(10),
  CIRCUIT_FAILURE_RATIO: z.coerce.number().gt(0).max(1).default(0.5),
  CIRCUIT_BACKOFF_SECONDS: z.coerce.number().int().positive().default(30),
  CIRCUIT_MAX_BACKOFF_SECONDS: z.coerce.number().int().positive().default(600),
  MAX_TARGET_ATTEMPTS: z.coerce.number().int().positive().default(3),
  MAX_TARGETS_PER_TASK: z.coerce.number().int().positive().default(1000),
  MAX_CONCURRENT_TASKS_PER_USER: z.coerce.number().int().positive().default(10),
  MAX_IMPORT_FILE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024),
  LOG_RETENTION_DAYS: z.coerce.number().int().positive().default(30),
  JOB_RETENTION_DAYS: z.coerce.number().int().positive().default(7),
  NOTIFICATION_RETENTION_DAYS: z.coerce.number().int().positive().default(90),
  JOB_LOCK_SECONDS: z.coerce.number().int().positive().default(60),
  MAX_UNFINISHED_JOBS_PER_USER: z.coerce.number().int().positive().default(20),
  CORS_ORIGINS: z.string().default(''),
  /** The web UI inside the platform's site: the path it is mounted under, how it reaches the API, where to sign in. */
  UI_BASE_PATH: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'a path like /mailing')
      .optional(),
  ),
  UI_API_BASE: z
    .string()
    .regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'a path like /api/invite')
    .default('/api/invite'),
  PLATFORM_LOGIN_URL: z.string().default('/login'),
  RATE_LIMIT_PER_USER_PER_MINUTE: z.coerce.number().int().positive().default(600),
  RATE_LIMIT_EXPENSIVE_PER_USER_PER_MINUTE: z.coerce.number().int().positive().default(60),
  /**
   * Notification webhooks (README "Notifications and webhook"): may a webhook URL point at a private, loopback or
   * link-local address? Off by default (an SSRF guard); tests and single-machine installs with a local receiver turn it on.
   */
  WEBHOOK_ALLOW_PRIVATE_URLS: z.enum(['true', 'false']).default('false'),
  /** How long one webhook delivery attempt may take before it counts as failed (and is retried later). */
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(10),
  MAX_XLSX_ROWS: z.coerce.number().int().positive().default(200_000),
  MAX_XLSX_UNCOMPRESSED_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(100 * 1024 * 1024),
});

export interface Limits {
  invitesPerAccountDay: number;
  invitesPerGroupDay: number;
  invitesPerGroupLifetime: number;
  messagesPerAccountDay: number;
  pauseMinSeconds: number;
  pauseMaxSeconds: number;
  floodWaitBufferSeconds: number;
  peerFloodRestSeconds: number;
  timeZone: string;
}

export interface TelegramConfig {
  apiId?: number;
  apiHash?: string;
  /** Set only when TELEGRAM_DC points at a server that is not Telegram production. */
  dc?: { id: number; host: string; port: number };
  dcPublicKeyPem?: string;
}

export interface AppConfig {
  port: number;
  host: string;
  production: boolean;
  logLevel: string;
  databaseUrl?: string;
  pgliteDataDir: string;
  /** Embedded PGlite's shared_buffers (its memory floor; raise for large embedded imports). */
  pgliteSharedBuffers: string;
  jwt: { secret?: string; secretFile?: string };
  vault?: { addr: string; roleId?: string; secretId?: string; kvPath: string };
  sessionEncryptionKey?: string;
  parsingServiceUrl?: string;
  /** The platform's API gateway: maps a token's email subject to the platform's numeric user id. */
  apiGatewayUrl?: string;
  apiGatewayCacheSeconds: number;
  /** Optional: Redis for the Account Manager's hot state (PostgreSQL stays the source of truth). */
  redis?: { url: string; prefix: string };
  platformMode: 'sandbox' | 'telegram';
  telegram: TelegramConfig;
  sandboxSeed: number;
  /** Sandbox only: virtual seconds per real second, for demos and browser tests. */
  sandboxTimeSpeed: number;
  /** The sandbox's own demo Parsing Service answers (sandbox platform, no PARSING_SERVICE_URL, not switched off). */
  sandboxParsingService: boolean;
  /** Sandbox only: simulated latency of each platform action. */
  sandboxActionDelayMs: number;
  runWorker: boolean;
  limits: Limits;
  leaseSeconds: number;
  circuit: { windowSeconds: number; minFailures: number; failureRatio: number; baseBackoffSeconds: number; maxBackoffSeconds: number };
  maxTargetAttempts: number;
  maxTargetsPerTask: number;
  maxConcurrentTasksPerUser: number;
  maxImportFileBytes: number;
  logRetentionDays: number;
  /** Finished background jobs (and their report files) are deleted after this many days. */
  jobRetentionDays: number;
  /** Read notifications are deleted this many days after they were raised (unread ones stay until read). */
  notificationRetentionDays: number;
  /** A background job whose runner stops renewing its claim for this long is run again elsewhere. */
  jobLockSeconds: number;
  maxUnfinishedJobsPerUser: number;
  corsOrigins: string[];
  /** The UI mounted inside the platform's site (UI_BASE_PATH): its API base through the gateway and the platform's sign-in page. */
  ui: { basePath?: string; apiBase: string; platformLoginUrl: string };
  /** Requests per authenticated user per minute (per API process); the expensive routes have their own, stricter budget. */
  rateLimit: { perUserPerMinute: number; expensivePerUserPerMinute: number };
  /** Rows one .xlsx may hold, and what it may inflate to (checked before it is read). CSV/TXT/JSON stream with flat memory. */
  importLimits: { maxXlsxRows: number; maxXlsxUncompressedBytes: number };
  /** Notification webhooks: internal addresses allowed (off: the SSRF guard refuses them), and one attempt's timeout. */
  webhooks: { allowPrivateUrls: boolean; timeoutMs: number };
}

function parseTelegramDc(dc: string | undefined, pem: string | undefined): Pick<TelegramConfig, 'dc' | 'dcPublicKeyPem'> {
  const out: Pick<TelegramConfig, 'dc' | 'dcPublicKeyPem'> = {};
  if (dc) {
    const m = /^(\d+)@(.+):(\d+)$/.exec(dc)!;
    const id = Number(m[1]);
    const port = Number(m[3]);
    if (id < 1 || port < 1 || port > 65535) throw new Error('Invalid configuration: TELEGRAM_DC: dc id must be >= 1 and port 1-65535');
    out.dc = { id, host: m[2]!, port };
  }
  if (pem) {
    const text = pem.replace(/\\n/g, '\n').trim();
    try {
      const key = createPublicKey(text);
      if (key.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
    } catch {
      throw new Error('Invalid configuration: TELEGRAM_DC_PUBLIC_KEY is not a PEM RSA public key');
    }
    out.dcPublicKeyPem = text;
  }
  return out;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  if (e.SANDBOX_TIME_SPEED !== 1 && e.PLATFORM_MODE !== 'sandbox') {
    throw new Error('Invalid configuration: SANDBOX_TIME_SPEED only applies to the sandbox platform; real accounts run on real time');
  }
  if (e.PAUSE_MAX_SECONDS < e.PAUSE_MIN_SECONDS) {
    throw new Error('Invalid configuration: PAUSE_MAX_SECONDS must be >= PAUSE_MIN_SECONDS');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    production: e.NODE_ENV === 'production',
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL || undefined,
    pgliteDataDir: e.PGLITE_DATA_DIR,
    pgliteSharedBuffers: e.PGLITE_SHARED_BUFFERS,
    jwt: { secret: e.JWT_SECRET, secretFile: e.JWT_SECRET_FILE },
    vault: e.VAULT_ADDR ? { addr: e.VAULT_ADDR, roleId: e.VAULT_ROLE_ID, secretId: e.VAULT_SECRET_ID, kvPath: e.VAULT_KV_PATH } : undefined,
    sessionEncryptionKey: e.SESSION_ENCRYPTION_KEY,
    parsingServiceUrl: e.PARSING_SERVICE_URL || undefined,
    apiGatewayUrl: e.API_GATEWAY_URL || undefined,
    apiGatewayCacheSeconds: e.API_GATEWAY_CACHE_SECONDS,
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : undefined,
    platformMode: e.PLATFORM_MODE,
    telegram: { apiId: e.TELEGRAM_API_ID, apiHash: e.TELEGRAM_API_HASH, ...parseTelegramDc(e.TELEGRAM_DC, e.TELEGRAM_DC_PUBLIC_KEY) },
    sandboxSeed: e.SANDBOX_SEED,
    sandboxTimeSpeed: e.SANDBOX_TIME_SPEED,
    sandboxParsingService: e.PLATFORM_MODE === 'sandbox' && !e.PARSING_SERVICE_URL && e.SANDBOX_PARSING_SERVICE === 'true',
    sandboxActionDelayMs: e.SANDBOX_ACTION_DELAY_MS,
    runWorker: e.RUN_WORKER === 'true',
    limits: {
      invitesPerAccountDay: e.LIMIT_INVITES_PER_ACCOUNT_DAY,
      invitesPerGroupDay: e.LIMIT_INVITES_PER_GROUP_DAY,
      invitesPerGroupLifetime: e.LIMIT_INVITES_PER_GROUP_LIFETIME,
      messagesPerAccountDay: e.LIMIT_MESSAGES_PER_ACCOUNT_DAY,
      pauseMinSeconds: e.PAUSE_MIN_SECONDS,
      pauseMaxSeconds: e.PAUSE_MAX_SECONDS,
      floodWaitBufferSeconds: e.FLOOD_WAIT_BUFFER_SECONDS,
      peerFloodRestSeconds: e.PEER_FLOOD_REST_SECONDS,
      timeZone: e.LIMITS_TIME_ZONE,
    },
    leaseSeconds: e.LEASE_SECONDS,
    circuit: {
      windowSeconds: e.CIRCUIT_WINDOW_SECONDS,
      minFailures: e.CIRCUIT_MIN_FAILURES,
      failureRatio: e.CIRCUIT_FAILURE_RATIO,
      baseBackoffSeconds: e.CIRCUIT_BACKOFF_SECONDS,
      maxBackoffSeconds: Math.max(e.CIRCUIT_MAX_BACKOFF_SECONDS, e.CIRCUIT_BACKOFF_SECONDS),
    },
    maxTargetAttempts: e.MAX_TARGET_ATTEMPTS,
    maxTargetsPerTask: e.MAX_TARGETS_PER_TASK,
    maxConcurrentTasksPerUser: e.MAX_CONCURRENT_TASKS_PER_USER,
    maxImportFileBytes: e.MAX_IMPORT_FILE_BYTES,
    logRetentionDays: e.LOG_RETENTION_DAYS,
    jobRetentionDays: e.JOB_RETENTION_DAYS,
    notificationRetentionDays: e.NOTIFICATION_RETENTION_DAYS,
    jobLockSeconds: e.JOB_LOCK_SECONDS,
    maxUnfinishedJobsPerUser: e.MAX_UNFINISHED_JOBS_PER_USER,
    corsOrigins: e.CORS_ORIGINS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    ui: { basePath: e.UI_BASE_PATH || undefined, apiBase: e.UI_API_BASE, platformLoginUrl: e.PLATFORM_LOGIN_URL },
    rateLimit: { perUserPerMinute: e.RATE_LIMIT_PER_USER_PER_MINUTE, expensivePerUserPerMinute: e.RATE_LIMIT_EXPENSIVE_PER_USER_PER_MINUTE },
    importLimits: { maxXlsxRows: e.MAX_XLSX_ROWS, maxXlsxUncompressedBytes: e.MAX_XLSX_UNCOMPRESSED_BYTES },
    webhooks: { allowPrivateUrls: e.WEBHOOK_ALLOW_PRIVATE_URLS === 'true', timeoutMs: e.WEBHOOK_TIMEOUT_SECONDS * 1000 },
  };
}
