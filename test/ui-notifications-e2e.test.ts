/// <reference lib="dom" />
import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../src/app-context.js';
import { startSandboxUiServer, type SandboxUiServer } from './helpers/sandbox-ui-server.js';
import { browserSuiteEnabled, launchChromium } from './helpers/browser.js';

const haveBrowser = browserSuiteEnabled('UI notifications end-to-end tests');
const SHOTS = process.env.SCREENSHOT_DIR ?? '/tmp/notify-shots';

/**
 * Issue 11 in a real browser: a task completes while the page is open → the bell counts it and a toast says it →
 * the panel lists it as a sentence → its link opens the task and marks it read; in Russian and in English. Then the
 * webhook settings: a refused URL is explained at its field, a saved one shows its secret once, "send test" reaches
 * a real receiver on a loopback socket, and the delivery log shows the attempts.
 */
describe.skipIf(!haveBrowser)('notifications in the web UI (Chromium)', () => {
  let ctx: AppContext;
  let browser: Browser;
  let base: string;
  let token: string;
  let receiver: Server;
  let hookUrl: string;
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  let server: SandboxUiServer;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startSandboxUiServer({ worker: 'e2e-notify', privacyRate: 0, env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } });
    ({ ctx, base, token } = server);
    await ctx.accounts.create(1, { label: 'Sender One' });
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/crm/hook`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    await server?.close();
  });

  /** An invite task started through the API, as another tab or a colleague would. */
  async function startTask(name: string, people: string[]): Promise<number> {
    const res = await fetch(`${base}/api/v1/invite/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'invite_to_group', target_group: '@sandbox_marketing', name, targets: people, start: true }),
    });
    const body = (await res.json()) as { id: number };
    expect(res.status, JSON.stringify(body)).toBe(201);
    return body.id;
  }

  async function openPage(lang: 'ru' | 'en'): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript((l) => localStorage.setItem('lang', l), lang);
    // The bell's first poll sets what counts as "already seen": a task finishing after it is news.
    const firstPoll = page.waitForResponse((r) => r.url().includes('/notifications/unread-count'));
    await page.goto(`${base}/?token=${token}#/tasks`);
    await firstPoll;
    return { page, errors };
  }

  for (const lang of ['ru', 'en'] as const) {
    const words =
      lang === 'ru'
        ? { name: 'Осенняя волна', sentence: 'Задача «Осенняя волна» завершена: приглашено 2 из 2, пропущено 0, не удалось 0.', open: 'Открыть задачу' }
        : { name: 'Autumn wave', sentence: 'Task "Autumn wave" completed: 2 of 2 invited, 0 skipped, 0 failed.', open: 'Open task' };

    it(`${lang}: a task completes → bell count and toast → panel sentence → its link opens the task and marks it read`, async () => {
      const { page, errors } = await openPage(lang);
      const bell = page.locator('[data-testid=notification-bell]');
      await bell.waitFor();
      await expect.poll(() => page.locator('[data-testid=notification-count]').count()).toBe(0);

      const taskId = await startTask(words.name, [`bell_${lang}_alice`, `bell_${lang}_bob`]);
      const count = page.locator('[data-testid=notification-count]');
      await expect.poll(() => count.textContent(), { timeout: 40_000 }).toBe('1');
      const toast = page.locator('[data-testid=notification-toast]');
      await toast.waitFor({ timeout: 5_000 });
      expect(await toast.textContent()).toContain(words.sentence);
      await page.screenshot({ path: `${SHOTS}/${lang}-1-bell-and-toast.png` });

      await bell.click();
      const item = page.locator('[data-testid=notification-item]').first();
      await item.waitFor();
      expect(await item.locator('.notify-text').textContent()).toBe(words.sentence);
      expect(await item.getAttribute('data-read')).toBe('false');
      await page.screenshot({ path: `${SHOTS}/${lang}-2-panel.png` });

      await item.getByRole('button', { name: words.open }).click();
      await page.waitForURL(new RegExp(`#/tasks/${taskId}$`), { timeout: 10_000 });
      await page.locator('[data-status=COMPLETED]').first().waitFor({ timeout: 20_000 });
      await expect.poll(() => count.count()).toBe(0);
      await bell.click();
      await expect.poll(() => page.locator('[data-testid=notification-item]').first().getAttribute('data-read')).toBe('true');
      await page.screenshot({ path: `${SHOTS}/${lang}-3-read.png` });
      expect(errors).toEqual([]);
      await page.close();
    }, 150_000);
  }

  it('marks one read from the panel and all read with one click', async () => {
    const { page } = await openPage('en');
    await startTask('Mark me', ['mark_alice']);
    await startTask('Mark me too', ['mark_bob']);
    const count = page.locator('[data-testid=notification-count]');
    await expect.poll(() => count.textContent(), { timeout: 40_000 }).toBe('2');
    // On a phone the bell sits at the left of the wrapped top bar: the panel must still be on the screen, whole.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('[data-testid=notification-bell]').click();
    const unread = page.locator('[data-testid=notification-item][data-read=false]');
    await expect.poll(() => unread.count()).toBe(2);
    const panel = (await page.locator('.notify-panel').boundingBox())!;
    expect(panel.x).toBeGreaterThanOrEqual(0);
    expect(panel.x + panel.width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${SHOTS}/en-panel-390.png` });
    const items = page.locator('[data-testid=notification-item]');
    const order = await items.allTextContents();
    await unread.first().getByRole('button', { name: 'Mark read' }).click();
    await expect.poll(() => count.textContent()).toBe('1');
    // Read, it stays in its place (it used to drop below the unread one) and says it is read.
    expect(await items.first().getAttribute('data-read')).toBe('true');
    expect((await items.allTextContents()).map((x) => x.replace('Mark read', ''))).toEqual(order.map((x) => x.replace('Mark read', '')));
    await page.getByRole('button', { name: 'Mark all read' }).click();
    await expect.poll(() => count.count()).toBe(0);
    await expect.poll(() => unread.count()).toBe(0);
    await page.close();
  }, 150_000);

  it('webhook settings (Russian): a refused URL at its field, the secret once, a test that reaches the receiver, the log', async () => {
    const { page, errors } = await openPage('ru');
    await page.locator('[data-testid=notification-bell]').click();
    await page.getByRole('link', { name: 'Вебхук' }).click();
    await page.waitForURL(/#\/notifications\/webhook$/);
    await page.getByRole('heading', { name: 'Вебхук для уведомлений' }).waitFor();

    // The browser's own checks (this Chromium speaks English) say it in the page's language, and let go once fixed.
    const browserSays = () => page.$eval('#webhook-url', (el) => (el as HTMLInputElement).validationMessage);
    await page.getByRole('button', { name: 'Сохранить' }).click();
    expect(await browserSays()).toBe('Заполните это поле.');
    await page.fill('#webhook-url', 'hook');
    await page.getByRole('button', { name: 'Сохранить' }).click();
    expect(await browserSays()).toBe('Введите адрес сайта, например https://example.com/hook.');
    await page.fill('#webhook-url', 'ftp://files.example.com/hook');
    expect(await browserSays()).toBe('');
    await page.getByRole('button', { name: 'Сохранить' }).click();
    const fieldError = page.locator('[data-testid=webhook-url-error]');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toMatch(/^Адрес вебхука должен быть полным адресом http/);

    await page.fill('#webhook-url', hookUrl);
    await page.getByRole('button', { name: 'Сохранить' }).click();
    const secretBox = page.locator('[data-testid=webhook-secret]');
    await secretBox.waitFor();
    const secret = (await secretBox.textContent())!.trim();
    expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    await page.screenshot({ path: `${SHOTS}/ru-4-webhook-secret.png`, fullPage: true });

    await page.getByRole('button', { name: 'Отправить тест' }).click();
    const notice = page.locator('[data-testid=webhook-notice]');
    await expect.poll(() => notice.textContent(), { timeout: 15_000 }).toBe('Тест доставлен: получатель ответил 200.');
    const test = received.find((r) => JSON.parse(r.body).event === 'test')!;
    expect(test).toBeDefined();
    const expected = `sha256=${createHmac('sha256', secret).update(`${test.headers['x-invite-timestamp']}.${test.body}`).digest('hex')}`;
    expect(test.headers['x-invite-signature']).toBe(expected);

    // A task finishing now is delivered by the background jobs, signed with the same secret, and logged.
    await startTask('В CRM', ['hook_ui_alice']);
    await expect.poll(() => received.filter((r) => JSON.parse(r.body).event === 'task_completed').length, { timeout: 40_000 }).toBe(1);
    const delivery = received.find((r) => JSON.parse(r.body).event === 'task_completed')!;
    expect(JSON.parse(delivery.body).text.ru).toBe('Задача «В CRM» завершена: приглашено 1 из 1, пропущено 0, не удалось 0.');
    expect(delivery.headers['x-invite-signature']).toBe(
      `sha256=${createHmac('sha256', secret).update(`${delivery.headers['x-invite-timestamp']}.${delivery.body}`).digest('hex')}`,
    );

    // After a reload the secret is gone for good; the log shows both attempts.
    await page.reload();
    const rows = page.locator('[data-testid=webhook-attempt]');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    expect(await page.locator('[data-testid=webhook-secret]').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    expect(await rows.first().textContent()).toMatch(/Задача завершена.*200.*Доставлено/);
    expect(await page.inputValue('#webhook-url')).toBe(hookUrl);
    await page.screenshot({ path: `${SHOTS}/ru-5-webhook-log.png`, fullPage: true });

    // On a phone the log fits the screen (its table made the page 431 px wide): each attempt is stacked lines.
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    const cut = await page.evaluate(
      () => Array.from(document.querySelectorAll('[data-testid=webhook-log] td')).filter((td) => td.getBoundingClientRect().right > window.innerWidth).length,
    );
    expect(cut, 'webhook log cells past the edge at 390 px').toBe(0);
    await page.screenshot({ path: `${SHOTS}/ru-6-webhook-log-390.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 150_000);
});
