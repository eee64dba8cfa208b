/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuiteEnabled, launchChromium } from './helpers/browser.js';
import { mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../src/config/config.js';
import { createContext, type AppContext } from '../src/app-context.js';
import { buildApp } from '../src/http/app.js';
import { ScaledClock } from '../src/shared/clock.js';
import { createLogger } from '../src/observability/logger.js';
import { runWorkerLoop } from '../src/scheduler/worker-loop.js';
import { ApiGatewayFake, ParsingServiceFake, fakePerson } from './helpers/platform-fakes.js';

const haveBrowser = browserSuiteEnabled('Platform marketer browser test');
const SHOTS = process.env.E2E_SCREENSHOTS_DIR ?? '/tmp/invite-e2e-shots';

/**
 * A marketer of the content-factory platform, as they arrive: signed in with the platform's own frontend token
 * (`sub` = their email, mapped to their numeric id by the API gateway), picking one of their Parsing Service
 * bases in the create form, seeing its first contacts, and running the campaign. The platform's services are
 * HTTP fakes answering as the real ones do.
 */
describe.skipIf(!haveBrowser)('a platform marketer in the browser (Chromium)', () => {
  const secret = randomBytes(16).toString('hex');
  const parsing = new ParsingServiceFake(secret);
  const gateway = new ApiGatewayFake();
  let ctx: AppContext;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  const stop = new AbortController();
  let loops: Array<Promise<void>> = [];

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    gateway.users.set('maria@example.com', 42);
    await gateway.start();
    parsing.addBase(42, { task_id: 'abc-123', title: 'Подписчики @rival_chat', results: Array.from({ length: 24 }, (_, i) => fakePerson(i + 1)) });
    parsing.addBase(42, { task_id: 'empty-7', title: 'Сбор ещё идёт', status: 'running', results: [] });
    parsing.addBase(7, { task_id: 'not-maria', title: 'Чужая база', results: [fakePerson(900)] });
    await parsing.start();
    const config = loadConfig({
      JWT_SECRET: secret,
      SESSION_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      PGLITE_DATA_DIR: 'memory://',
      LOG_LEVEL: 'silent',
      SANDBOX_TIME_SPEED: '3600',
      PARSING_SERVICE_URL: parsing.url,
      API_GATEWAY_URL: gateway.url,
    });
    const clock = new ScaledClock(3600);
    ctx = await createContext(config, { clock, logger: createLogger('silent'), sandbox: { privacyRate: 0 } });
    app = await buildApp(ctx);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    loops = [runWorkerLoop(ctx.createWorker('platform-e2e'), clock, stop.signal), ctx.jobs.consume(stop.signal)];
    await ctx.accounts.create(42, { label: 'Аккаунт Марии' });
    await ctx.accounts.create(42, { label: 'Второй аккаунт' });
    browser = await launchChromium();
  });

  afterAll(async () => {
    stop.abort();
    await Promise.all(loops);
    await browser?.close();
    await app?.close();
    await ctx?.close();
    expect(parsing.missingUserId).toEqual([]);
    await parsing.close();
    await gateway.close();
  });

  it('signs in with the platform token, picks a base, sees its first contacts and runs the campaign', async () => {
    const platformToken = await new SignJWT({ sub: 'maria@example.com' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}/#/tasks/new`);
    // No token yet: the sign-in dialog; the platform's token is pasted as it is.
    await page.locator('.modal textarea').waitFor();
    await page.fill('.modal textarea', platformToken);
    await page.click('.modal button[type=submit]');

    await page.fill('#group', '@sandbox_marketing');
    await page.locator('[data-testid=group-check] strong', { hasText: 'Sandbox Marketing Chat' }).waitFor();
    await page.locator('label', { hasText: 'База из сервиса парсинга' }).locator('input[type=radio]').check();
    const select = page.locator('select[name=parsing_base]');
    await select.waitFor();
    const options = await select.locator('option').evaluateAll((os) => os.map((o) => ({ text: o.textContent, disabled: (o as HTMLOptionElement).disabled })));
    expect(options).toEqual([
      { text: 'Выберите базу…', disabled: false },
      { text: 'Подписчики @rival_chat — 24 записи', disabled: false },
      { text: 'Сбор ещё идёт — пока нет результатов', disabled: true },
    ]);
    await select.selectOption('abc-123');
    const preview = page.locator('[data-testid=base-preview]');
    await preview.waitFor();
    expect(await preview.textContent()).toContain('Контактов в базе: 24. Первые 10:');
    expect(await preview.textContent()).toContain('@member_1');
    expect(await preview.textContent()).toContain('без имени'); // the service's "Unknown" placeholder is not a name
    await page.screenshot({ path: `${SHOTS}/platform-create-form-base.png`, fullPage: true });

    await page.click('button[type=submit]');
    await page.waitForURL(/#\/tasks\/\d+$/);
    const taskId = Number(/#\/tasks\/(\d+)$/.exec(page.url())![1]);
    await page.locator('[data-status=IN_PROGRESS], [data-status=COMPLETED]').first().waitFor();
    await expect.poll(async () => Number(await page.locator('[data-testid=counter-total] .stat-value').textContent()), { timeout: 15_000 }).toBe(24);
    await expect
      .poll(async () => Number(await page.locator('[data-testid=counter-invited] .stat-value').textContent()), { timeout: 30_000 })
      .toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/platform-task-running.png`, fullPage: true });

    // The task belongs to platform user 42 (the gateway's answer), and every Parsing Service call asked for user 42 only.
    expect((await ctx.tasks.getOwned(42, taskId)).user_id).toBe(42);
    expect(parsing.requests.length).toBeGreaterThanOrEqual(3);
    expect(parsing.requests.every((r) => r.userIdParam === '42' && (r.claims as { user_id?: number })?.user_id === 42)).toBe(true);
    expect(gateway.lookups).toContain('maria@example.com');
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
