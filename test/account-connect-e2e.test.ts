/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuiteEnabled, launchChromium } from './helpers/browser.js';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../src/config/config.js';
import { createContext, type AppContext } from '../src/app-context.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/observability/logger.js';
import { startTestDc, type TestDc } from './mtproto-dc/index.js';
import { startSocks5Proxy } from './socks5-proxy.js';
import { startHttpConnectProxy } from './http-connect-proxy.js';

const haveBrowser = browserSuiteEnabled('Account-connect browser test');
/** Set E2E_SCREENSHOTS=/some/dir to keep screenshots of each step. */
const SHOTS = process.env.E2E_SCREENSHOTS;

/**
 * A marketer connects a Telegram account in the browser (Russian UI) against the loopback MTProto DC, then
 * the create-task form finds that account ready for a group it administers there.
 */
describe.skipIf(!haveBrowser)('connecting a Telegram account in the web UI (Chromium)', () => {
  let dc: TestDc;
  let ctx: AppContext;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let token: string;

  beforeAll(async () => {
    dc = await startTestDc();
    const config = loadConfig({
      JWT_SECRET: randomBytes(16).toString('hex'),
      SESSION_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      PGLITE_DATA_DIR: 'memory://',
      LOG_LEVEL: 'silent',
      RUN_WORKER: 'false',
      PLATFORM_MODE: 'telegram',
      ...dc.env(),
    });
    ctx = await createContext(config, { logger: createLogger('silent'), telegramLogin: { qrRecheckMs: 500 } });
    app = await buildApp(ctx);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    token = await ctx.jwt.sign(1);
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await ctx?.close();
    await dc?.close();
  });

  it('connects by phone, code and 2FA password, shows the account, and the create form finds it ready for its group', async () => {
    const phone = '+15557770001';
    const user = dc.world.addUser({ phone, username: 'marina_sales', firstName: 'Марина', lastName: 'Продажи', password: 'облако-42' });
    dc.world.addGroup({ kind: 'megagroup', title: 'Клуб покупателей', username: 'buyers_club', creatorId: user.id });

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/?token=${token}#/accounts`);
    await page.getByRole('heading', { name: 'Подключить аккаунт' }).waitFor();
    expect(await page.getByRole('tab').allTextContents()).toEqual(['По номеру телефона', 'По QR-коду', 'StringSession (для опытных)']);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/1-phone.png`, fullPage: true });

    await page.fill('#connect-phone', phone);
    await page.getByRole('button', { name: 'Получить код' }).click();
    await page.locator('#connect-code').waitFor();
    // A wrong code: the sentence appears at the code field, in Russian, and the typed values stay.
    await page.fill('#connect-code', '00000');
    await page.getByRole('button', { name: 'Войти' }).click();
    const codeError = page.locator('[data-testid=error-code]');
    await codeError.waitFor();
    expect(await codeError.textContent()).toContain('Неверный код');
    expect(await page.inputValue('#connect-code')).toBe('00000');
    expect(await page.inputValue('#connect-phone')).toBe(phone);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/2-wrong-code.png`, fullPage: true });

    await page.fill('#connect-code', dc.world.lastCode(phone)!);
    await page.getByRole('button', { name: 'Войти' }).click();
    await page.locator('#connect-password').waitFor();
    await page.fill('#connect-password', 'не тот');
    await page.getByRole('button', { name: 'Подтвердить' }).click();
    await page.locator('[data-testid=error-password]', { hasText: 'Неверный пароль' }).waitFor();
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/3-wrong-password.png`, fullPage: true });
    await page.fill('#connect-password', 'облако-42');
    await page.getByRole('button', { name: 'Подтвердить' }).click();

    await page.locator('[data-testid=connect-notice]', { hasText: 'Аккаунт Марина Продажи подключён' }).waitFor();
    const card = page.locator('[data-testid^=account-]', { hasText: 'Марина Продажи' }).first();
    await card.waitFor();
    expect(await card.textContent()).toContain('@marina_sales');
    expect(await card.textContent()).toContain('+155•••01');
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/4-connected.png`, fullPage: true });

    // The QR tab shows a real QR image with its instructions.
    await page.getByRole('tab', { name: 'По QR-коду' }).click();
    await page.locator('[data-testid=qr-image]').waitFor();
    expect(await page.locator('[data-testid=connect-qr]').textContent()).toContain('Настройки → Устройства → Подключить устройство');
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/5-qr.png`, fullPage: true });

    // The create-task form: the group is found and the new account is ready to invite into it.
    await page.goto(`${base}/#/tasks/new`);
    await page.fill('#group', '@buyers_club');
    const check = page.locator('[data-testid=group-check]');
    await check.locator('strong', { hasText: 'Клуб покупателей' }).waitFor({ timeout: 20_000 });
    await check.locator('.ok-item', { hasText: 'Марина Продажи' }).waitFor();
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/6-create-task.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('connects by QR code and fits a 390 px phone screen', async () => {
    const user = dc.world.addUser({ phone: '+15557770002', username: 'qr_phone', firstName: 'Олег' });
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${base}/?token=${token}#/accounts`);
    await page.getByRole('tab', { name: 'По QR-коду' }).click();
    await page.locator('[data-testid=qr-image]').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/7-qr-phone.png`, fullPage: true });
    dc.world.acceptQr(user.id);
    await page.locator('[data-testid=connect-notice]', { hasText: 'Аккаунт Олег подключён' }).waitFor({ timeout: 15_000 });
    await page.locator('[data-testid^=account-]', { hasText: '@qr_phone' }).first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/8-connected-phone.png`, fullPage: true });
    const healthy = page.locator('[data-testid^=account-]', { hasText: '@qr_phone' }).first();
    await healthy.getByRole('button', { name: 'Проверить' }).click();
    await healthy.locator('[data-testid=check-result]', { hasText: 'Проверено: сессия работает' }).waitFor();

    // Telegram logs the session out: "Проверить" retires the account and says why, in Russian.
    dc.world.revokeSessions(user.id);
    const card = page.locator('[data-testid^=account-]', { hasText: '@qr_phone' }).first();
    await card.getByRole('button', { name: 'Проверить' }).click();
    await card.locator('[data-status=DEAUTHORIZED]').waitFor();
    expect(await card.locator('[data-testid=account-reason]').textContent()).toContain('подключите аккаунт заново');
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/9-retired-phone.png`, fullPage: true });

    // Remove, after a confirmation.
    page.once('dialog', (d) => {
      expect(d.message()).toContain('Удалить аккаунт «Олег»');
      void d.accept();
    });
    await card.getByRole('button', { name: 'Удалить' }).click();
    await expect.poll(() => page.locator('[data-testid^=account-]', { hasText: '@qr_phone' }).count()).toBe(0);
    await page.close();
  }, 60_000);

  it('connects through a SOCKS5 proxy typed above the tabs, shows it without its password, and changes it on the card', async () => {
    const proxy = await startSocks5Proxy({ username: 'ivan', password: 'tайна' });
    const http = await startHttpConnectProxy({ username: 'olga', password: 'q1w2' });
    try {
      const phone = '+15557770003';
      dc.world.addUser({ phone, username: 'proxy_ui', firstName: 'Прокси' });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${base}/?token=${token}#/accounts`);
      // A proxy typed wrong: said under the form, in Russian, and the typed values stay.
      await page.fill('[data-testid=connect-proxy]', 'https://127.0.0.1:3128');
      await page.fill('#connect-phone', phone);
      await page.getByRole('button', { name: 'Получить код' }).click();
      await page.locator('[data-testid=error-proxy]', { hasText: 'прокси с TLS (https://) не поддерживается' }).waitFor();
      expect(await page.inputValue('#connect-phone')).toBe(phone);
      await page.fill('[data-testid=connect-proxy]', `socks5://ivan:${encodeURIComponent('tайна')}@127.0.0.1:${proxy.port}`);
      await page.getByRole('button', { name: 'Получить код' }).click();
      await page.locator('#connect-code').waitFor();
      await page.fill('#connect-code', dc.world.lastCode(phone)!);
      await page.getByRole('button', { name: 'Войти' }).click();
      const card = page.locator('[data-testid^=account-]', { hasText: '@proxy_ui' }).first();
      await card.waitFor();
      expect(await card.locator('[data-testid=account-proxy]').textContent()).toBe(`Прокси: socks5://ivan:•••@127.0.0.1:${proxy.port}`);
      expect(proxy.connections.some((c) => c.username === 'ivan')).toBe(true);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/10-proxy.png`, fullPage: true });

      // Another proxy that is down: refused under the field, the account keeps its own; then no proxy at all.
      await card.getByRole('button', { name: 'Прокси', exact: true }).click();
      await card.locator('input[name=proxy]').fill('127.0.0.1:9');
      await card.getByRole('button', { name: 'Сохранить' }).click();
      await card.locator('[data-testid=proxy-error]', { hasText: 'Через этот прокси не удалось связаться с Telegram' }).waitFor({ timeout: 20_000 });
      expect(await card.locator('[data-testid=account-proxy]').textContent()).toContain(`127.0.0.1:${proxy.port}`);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/11-proxy-refused.png`, fullPage: true });
      // An HTTP proxy pasted as a shop lists it (host:port:login:password, no kind): asked, it answers as HTTP.
      await card.locator('input[name=proxy]').fill(`127.0.0.1:${http.port}:olga:q1w2`);
      await card.getByRole('button', { name: 'Сохранить' }).click();
      await card.locator('[data-testid=account-proxy]', { hasText: `Прокси: http://olga:•••@127.0.0.1:${http.port}` }).waitFor({ timeout: 20_000 });
      expect(http.connections.some((c) => c.username === 'olga')).toBe(true);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/12-proxy-http.png`, fullPage: true });
      await card.getByRole('button', { name: 'Прокси', exact: true }).click();
      await card.getByRole('button', { name: 'Без прокси' }).click();
      await card.locator('[data-testid=account-proxy]', { hasText: 'Напрямую к Telegram, без прокси' }).waitFor();
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await proxy.close();
      await http.close();
    }
  }, 60_000);
});
