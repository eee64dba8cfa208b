import pg from 'pg';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { loadConfig } from '../../src/config/config.js';
import { createContext, type AppContext, type ContextOptions } from '../../src/app-context.js';
import { buildApp } from '../../src/http/app.js';
import { ManualClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/observability/logger.js';

/**
 * The engine under test: PGlite in memory by default; with TEST_DATABASE_URL set (CI does), a fresh
 * PostgreSQL database per test file, dropped afterwards.
 */
export const ENGINE = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
export const WITH_REDIS = !!process.env.TEST_REDIS_URL;

async function freshPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = new URL(process.env.TEST_DATABASE_URL!);
  const name = `io_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: admin.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A deterministic random source so pacing is reproducible in tests. */
export function seededRandom(seed = 7): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

export interface TestApp {
  ctx: AppContext;
  app: FastifyInstance;
  clock: ManualClock;
  token(userId?: number): Promise<string>;
  /** fastify.inject with a Bearer token for `userId` (default 1). */
  api(opts: InjectOptions & { user?: number }): Promise<{ statusCode: number; json: any; body: string; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function makeTestApp(env: Record<string, string> = {}, opts: ContextOptions = {}): Promise<TestApp> {
  const pgdb = ENGINE === 'postgres' ? await freshPostgresDatabase() : null;
  const config = loadConfig({
    JWT_SECRET: randomBytes(16).toString('hex'),
    SESSION_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    PGLITE_DATA_DIR: 'memory://',
    LOG_LEVEL: 'silent',
    RUN_WORKER: 'false',
    // Tests hammer the API (fuzz, imports): the per-user budgets are raised here; the rate-limit test sets its own.
    RATE_LIMIT_PER_USER_PER_MINUTE: '1000000',
    RATE_LIMIT_EXPENSIVE_PER_USER_PER_MINUTE: '1000000',
    ...(pgdb ? { DATABASE_URL: pgdb.url } : {}),
    // With TEST_REDIS_URL (CI's third pass) every app uses Redis hot state under its own key prefix.
    ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL, REDIS_PREFIX: `t${randomBytes(4).toString('hex')}:` } : {}),
    ...env,
  });
  const clock = new ManualClock('2026-01-05T08:00:00Z');
  const ctx = await createContext(config, { clock, random: seededRandom(), logger: createLogger('silent'), ...opts });
  const app = await buildApp(ctx);
  const tokens = new Map<number, string>();
  const token = async (userId = 1) => {
    if (!tokens.has(userId)) tokens.set(userId, await ctx.jwt.sign(userId));
    return tokens.get(userId)!;
  };
  return {
    ctx,
    app,
    clock,
    token,
    async api({ user = 1, headers, ...rest }) {
      const res = await app.inject({ ...rest, headers: { authorization: `Bearer ${await token(user)}`, ...headers } });
      let json: unknown;
      try {
        json = res.json();
      } catch {
        json = undefined;
      }
      return { statusCode: res.statusCode, json, body: res.body, headers: res.headers };
    },
    async close() {
      await app.close();
      await ctx.close();
      await pgdb?.drop();
    },
  };
}

/** Adds a sandbox sender account for a user through the API. */
export async function addSandboxAccount(t: TestApp, user = 1, label = 'Sender', adminOf?: string[]): Promise<number> {
  const res = await t.api({ method: 'POST', url: '/api/v1/invite/accounts', user, payload: { label, ...(adminOf ? { sandbox_admin_of: adminOf } : {}) } });
  if (res.statusCode !== 201) throw new Error(`account create failed: ${res.body}`);
  return res.json.id;
}

/** Creates an invite task with inline targets through the API. */
export async function createInviteTask(t: TestApp, targets: unknown[], extra: Record<string, unknown> = {}, user = 1): Promise<any> {
  const res = await t.api({
    method: 'POST',
    url: '/api/v1/invite/tasks',
    user,
    payload: { type: 'invite_to_group', target_group: '@sandbox_marketing', targets, ...extra },
  });
  if (res.statusCode !== 201) throw new Error(`task create failed: ${res.body}`);
  return res.json;
}

export const SANDBOX_GROUP_KEY = '-1001000000001';
