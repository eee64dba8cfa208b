/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuiteEnabled, launchChromium } from './helpers/browser.js';
import { mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../src/config/config.js';
import { createContext, type AppContext } from '../src/app-context.js';
import { buildApp } from '../src/http/app.js';
import { ScaledClock } from '../src/shared/clock.js';
import { createLogger } from '../src/observability/logger.js';
import { runWorkerLoop } from '../src/scheduler/worker-loop.js';
import { ApiGatewayFake } from './helpers/platform-fakes.js';

const haveBrowser = browserSuiteEnabled('Platform-mounted UI browser test');
const SHOTS = process.env.E2E_SCREENSHOTS_DIR ?? '/tmp/invite-e2e-shots';

/**
 * Our web UI inside the content-factory platform's site: one origin (the platform's) with a small gateway that applies
 * the platform's rule — `/api/invite/{path}` → the service's `/api/v1/{path}` — and serves our UI at `/mailing/`, and
 * the platform's own sign-in page at `/login`. The marketer is signed in by the platform (its JWT in
 * `localStorage.access_token`, `sub` = email, mapped to user 42 by the API gateway fake).
 */
describe.skipIf(!haveBrowser)('the UI mounted in the platform site (Chromium)', () => {
  const secret = randomBytes(16).toString('hex');
  const users = new ApiGatewayFake();
  let ctx: AppContext;
  let app: FastifyInstance;
  let browser: Browser;
  let gateway: Server;
  let site: string;
  const forwarded: string[] = [];
  const stop = new AbortController();
  let loops: Array<Promise<void>> = [];

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    users.users.set('maria@example.com', 42);
    await users.start();
    const config = loadConfig({
      JWT_SECRET: secret,
      SESSION_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      PGLITE_DATA_DIR: 'memory://',
      LOG_LEVEL: 'silent',
      SANDBOX_TIME_SPEED: '3600',
      API_GATEWAY_URL: users.url,
      UI_BASE_PATH: '/mailing',
      UI_API_BASE: '/api/invite',
      PLATFORM_LOGIN_URL: '/login?next={next}',
    });
    const clock = new ScaledClock(3600);
    ctx = await createContext(config, { clock, logger: createLogger('silent'), sandbox: { privacyRate: 0 } });
    app = await buildApp(ctx);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const service = app.server.address() as AddressInfo;
    loops = [runWorkerLoop(ctx.createWorker('mount-e2e'), clock, stop.signal), ctx.jobs.consume(stop.signal)];
    await ctx.accounts.create(42, { label: 'Аккаунт Марии' });
    await ctx.accounts.create(42, { label: 'Второй аккаунт' });

    // The platform's gateway: method, headers, query string and trailing slash unchanged; only the prefix moves.
    gateway = createServer((req, res) => {
      const url = req.url ?? '/';
      let target: string | null = null;
      if (url.startsWith('/api/invite/')) target = `/api/v1/${url.slice('/api/invite/'.length)}`;
      else if (url === '/mailing' || url.startsWith('/mailing/') || url.startsWith('/mailing?')) target = url;
      if (url.startsWith('/login')) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Вход</title><h1>Вход на платформу</h1>');
        return;
      }
      if (!target) {
        res.writeHead(404).end('platform page');
        return;
      }
      forwarded.push(`${req.method} ${url} -> ${target}`);
      const upstream = request({ host: '127.0.0.1', port: service.port, path: target, method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', () => resolve()));
    site = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    stop.abort();
    await Promise.all(loops);
    await browser?.close();
    gateway?.closeAllConnections();
    await new Promise<void>((resolve) => (gateway ? gateway.close(() => resolve()) : resolve()));
    await app?.close();
    await ctx?.close();
    await users.close();
  });

  const counter = async (page: Page, name: string) => Number(await page.locator(`[data-testid=counter-${name}] .stat-value`).textContent());

  it("signs in with the platform's session and runs a campaign end to end, in Russian, through the gateway", async () => {
    const platformToken = await new SignJWT({ sub: 'maria@example.com' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // The platform's frontend signed Maria in on its origin.
    await page.goto(`${site}/login`);
    await page.evaluate((tok) => localStorage.setItem('access_token', tok), platformToken);

    // `/mailing` without the slash is sent to the directory, where the relative asset paths resolve.
    await page.goto(`${site}/mailing#/tasks/new`);
    await page.waitForURL(`${site}/mailing/#/tasks/new`);
    await page.fill('#group', '@sandbox_marketing');
    await page.locator('[data-testid=group-check] strong', { hasText: 'Sandbox Marketing Chat' }).waitFor();
    expect(await page.locator('[data-testid=group-check]').textContent()).toContain('Аккаунт Марии');
    const people = Array.from({ length: 20 }, (_, i) => `mount_person_${i}`);
    const csv = `username,first_name\n${people.map((p, i) => `@${p},Человек ${i}`).join('\n')}\n`;
    await page.setInputFiles('input[type=file]', { name: 'audience.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.locator('[data-testid=file-preview]').waitFor();
    expect(await page.locator('[data-testid=file-preview]').textContent()).toMatch(/Корректных: 20/);
    await page.screenshot({ path: `${SHOTS}/platform-mount-create.png`, fullPage: true });

    await page.click('button[type=submit]');
    await page.waitForURL(/\/mailing\/#\/tasks\/\d+$/);
    const taskId = Number(/#\/tasks\/(\d+)$/.exec(page.url())![1]);
    await page.locator('[data-status=IN_PROGRESS]').first().waitFor();
    await expect.poll(() => counter(page, 'total'), { timeout: 15_000 }).toBe(20);
    await expect.poll(() => counter(page, 'invited'), { timeout: 30_000 }).toBeGreaterThan(1);
    await page.getByRole('button', { name: 'Пауза' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/platform-mount-running.png`, fullPage: true });

    // Never our token dialog, no sign-out of ours; the task is Maria's (platform user 42).
    expect(await page.locator('.modal').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Выйти' }).count()).toBe(0);
    expect((await ctx.tasks.getOwned(42, taskId)).user_id).toBe(42);
    // Every API call went through the platform's prefix to our /api/v1/invite/… (the UI's own paths).
    const apiCalls = forwarded.filter((f) => f.includes('/api/invite/'));
    expect(apiCalls.length).toBeGreaterThan(5);
    expect(apiCalls.every((f) => /-> \/api\/v1\/(invite\/|health\/)/.test(f))).toBe(true);
    expect(apiCalls.some((f) => f.includes('POST /api/invite/invite/tasks -> /api/v1/invite/tasks'))).toBe(true);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it("without a session, or with an expired one, goes to the platform's sign-in page", async () => {
    const page = await browser.newPage();
    await page.goto(`${site}/mailing/#/tasks`);
    await page.waitForURL(/\/login\?next=/);
    expect(decodeURIComponent(new URL(page.url()).searchParams.get('next')!)).toBe(`${site}/mailing/#/tasks`);
    expect(await page.locator('h1').textContent()).toBe('Вход на платформу');

    const expired = await new SignJWT({ sub: 'maria@example.com' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(secret));
    await page.evaluate((tok) => localStorage.setItem('access_token', tok), expired);
    await page.goto(`${site}/mailing/#/accounts`);
    await page.waitForURL(/\/login\?next=/);

    // A token the service refuses (signed with another secret): the first 401 sends the person to sign in, no dialog.
    const forged = await new SignJWT({ sub: 'maria@example.com' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('not-the-platform-secret'));
    await page.evaluate((tok) => localStorage.setItem('access_token', tok), forged);
    await page.goto(`${site}/mailing/#/tasks`);
    await page.waitForURL(/\/login\?next=/);
    await page.screenshot({ path: `${SHOTS}/platform-mount-login-redirect.png` });
    await page.close();
  });
});
