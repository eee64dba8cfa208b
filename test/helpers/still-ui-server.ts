import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser.js';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/config.js';
import { createContext, type AppContext } from '../../src/app-context.js';
import { buildApp } from '../../src/http/app.js';
import { ManualClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/observability/logger.js';

export interface StillUiServer {
  ctx: AppContext;
  /** http://127.0.0.1:port, serving the built UI and the API. */
  base: string;
  /** A token of user 1. */
  token: string;
  /** Moves only when the test moves it. */
  clock: ManualClock;
  /** A call to /api/v1/invite as user 1: the status and the parsed answer (null for 204). */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  /**
   * An invite task into the sandbox group as user 1, created through the API (`extra` adds or overrides fields: a
   * draft, another group) and with `start` started; its id. A refusal throws with the server's answer.
   */
  inviteTask(name: string, targets: string[], opts?: { start?: boolean; extra?: Record<string, unknown> }): Promise<number>;
  close(): Promise<void>;
}

/**
 * The service for a browser suite in which nothing moves by itself: embedded PGlite in memory, a clock that stands
 * still, no worker or job loop, and user 1 with one sandbox account ("Sender One") whose people never refuse. Only
 * what the test does acts, so every number on a page is known. (For a running campaign: sandbox-ui-server.ts.)
 * `env` adds or overrides settings (a fake Parsing Service's URL and shared secret, a smaller cap).
 */
export async function startStillUiServer(env: Record<string, string> = {}): Promise<StillUiServer> {
  const config = loadConfig({
    JWT_SECRET: randomBytes(16).toString('hex'),
    SESSION_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    PGLITE_DATA_DIR: 'memory://',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const clock = new ManualClock('2026-01-05T08:00:00Z');
  const ctx = await createContext(config, { clock, logger: createLogger('silent'), sandbox: { privacyRate: 0 } });
  const app: FastifyInstance = await buildApp(ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const token = await ctx.jwt.sign(1);
  await ctx.accounts.create(1, { label: 'Sender One' });
  const api: StillUiServer['api'] = async (method, path, body) => {
    const res = await fetch(`${base}/api/v1/invite${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: res.status === 204 ? null : await res.json() };
  };
  return {
    ctx,
    base,
    token,
    clock,
    api,
    async inviteTask(name, targets, { start = false, extra = {} } = {}) {
      const created = await api('POST', '/tasks', { type: 'invite_to_group', target_group: '@sandbox_marketing', name, targets, ...extra });
      if (created.status !== 201) throw new Error(`task create refused: ${created.status} ${JSON.stringify(created.json)}`);
      if (start) {
        const started = await api('POST', `/tasks/${created.json.id}/start`);
        if (started.status !== 200) throw new Error(`task start refused: ${started.status} ${JSON.stringify(started.json)}`);
      }
      return created.json.id as number;
    },
    async close() {
      await app.close();
      await ctx.close();
    },
  };
}

export type StillUi = StillUiServer & { browser: Browser };

/**
 * A describe block's still server and Chromium, started before its tests and closed after them. The object is filled
 * in by the hook, so read its fields inside tests, not when the block is defined. `env` may be a function, for values
 * known only once an earlier hook has run (a fake's URL).
 */
export function useStillUi(env: Record<string, string> | (() => Record<string, string>) = {}): StillUi {
  const ui = {} as StillUi;
  beforeAll(async () => {
    Object.assign(ui, await startStillUiServer(typeof env === 'function' ? env() : env));
    ui.browser = await launchChromium();
    // Generous: the machine may be busy (migrations on PGlite and Chromium's start).
  }, 180_000);
  afterAll(async () => {
    await ui.browser?.close();
    await ui.close?.();
  });
  return ui;
}
