/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { browserSuiteEnabled, launchChromium } from './helpers/browser.js';
import { loadConfig } from '../src/config/config.js';
import { createContext, type AppContext } from '../src/app-context.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/observability/logger.js';

const haveBrowser = browserSuiteEnabled('Audience hygiene UI tests');
/** Screenshots for a person to look at (not compared automatically). */
const SHOTS = process.env.HYGIENE_SHOTS_DIR ?? '/tmp/hygiene-shots';
const GROUP_KEY = '-1001000000001'; // @sandbox_marketing

describe.skipIf(!haveBrowser)('audience hygiene in the web UI (Chromium, Russian)', () => {
  let ctx: AppContext;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let token: string;
  const api = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const res = await app.inject({ method, url, payload: payload as never, headers: { authorization: `Bearer ${token}` } });
    return res.json();
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const config = loadConfig({
      JWT_SECRET: randomBytes(16).toString('hex'),
      SESSION_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      PGLITE_DATA_DIR: 'memory://',
      LOG_LEVEL: 'silent',
      RUN_WORKER: 'false',
    });
    ctx = await createContext(config, { logger: createLogger('silent'), sandbox: { privacyRate: 0 } });
    app = await buildApp(ctx);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    token = await ctx.jwt.sign(1);
    await ctx.accounts.create(1, { label: 'Sender One' });
    // Two people this user already invited into the group (as the worker records them), one on the list.
    await ctx.db
      .insertInto('audience_ledger')
      .values([
        { user_id: 1, group_key: GROUP_KEY, identity_key: 'u:hy_alice', outcome: 'INVITED', task_id: null },
        { user_id: 1, group_key: GROUP_KEY, identity_key: 'u:hy_bob', outcome: 'ALREADY_MEMBER', task_id: null },
      ])
      .execute();
    await api('POST', '/api/v1/invite/do-not-contact', { entries: ['@hy_carol'] });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await ctx?.close();
  });

  it('the create form counts people already invited and on the "Не писать" list before anything is created', async () => {
    for (const [width, height] of [
      [1280, 900],
      [390, 844],
    ] as const) {
      const page = await browser.newPage({ viewport: { width, height } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${base}/?token=${token}#/tasks/new`);
      // The file first, the group after: the preview is counted again once the admin check knows the group.
      const csv = 'username\n@hy_alice\n@hy_bob\n@hy_carol\n@hy_dan\n@hy_erin\n';
      await page.setInputFiles('input[type=file]', { name: 'audience.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await page.locator('[data-testid=file-preview]').waitFor();
      await page.locator('[data-testid=preview-do-not-contact]').waitFor();
      expect(await page.locator('[data-testid=preview-already-invited]').count()).toBe(0);
      await page.fill('#group', '@sandbox_marketing');
      await page.locator('[data-testid=group-check] strong', { hasText: 'Sandbox Marketing Chat' }).waitFor();
      const invited = page.locator('[data-testid=preview-already-invited]');
      await invited.waitFor();
      expect(await invited.textContent()).toBe('2 уже приглашены или в группе — будут пропущены');
      expect(await page.locator('[data-testid=preview-do-not-contact]').textContent()).toBe('1 в списке «Не писать» — будет пропущен');
      expect(await page.locator('[data-testid=file-preview]').textContent()).toContain('Корректных: 5');
      await page.screenshot({ path: `${SHOTS}/create-form-${width}.png`, fullPage: true });
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
      expect(errors).toEqual([]);
      await page.close();
    }
  });

  it('«Повторить неудачные» opens a new task with the retryable failures; refusals go to «Не писать»', async () => {
    const created = await api('POST', '/api/v1/invite/tasks', {
      type: 'invite_to_group',
      target_group: '@sandbox_marketing',
      name: 'Осенняя рассылка',
      targets: ['hy_net_one', 'hy_net_two', 'hy_private', 'hy_fine'],
    });
    const set = (name: string, status: string, code: string | null, message: string | null) =>
      ctx.db
        .updateTable('targets')
        .set({ status: status as never, error_code: code, error_message: message })
        .where('task_id', '=', created.id)
        .where('username', '=', name)
        .execute();
    await set('hy_net_one', 'FAILED', 'TIMEOUT', 'gave up after 3 attempts: no answer from Telegram within 30 s');
    await set('hy_net_two', 'FAILED', 'NETWORK_TIMEOUT', 'gave up after 3 attempts: the connection to Telegram timed out');
    await set('hy_private', 'SKIPPED', 'USER_PRIVACY_RESTRICTED', "the user's privacy settings forbid invites");
    await set('hy_fine', 'INVITED', null, null);
    await api('POST', `/api/v1/invite/tasks/${created.id}/cancel`);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/?token=${token}#/tasks/${created.id}`);
    const retry = page.getByRole('button', { name: 'Повторить неудачные' });
    await retry.waitFor();
    await page.getByRole('button', { name: 'Добавить отказавшихся в «Не писать»' }).click();
    await expect.poll(() => page.locator('[data-testid=task-note]').textContent()).toBe('Добавлено в «Не писать»: 1 (уже были: 0).');
    await page.screenshot({ path: `${SHOTS}/task-with-failures.png`, fullPage: true });

    await retry.click();
    await page.waitForURL((u) => !u.hash.endsWith(`/tasks/${created.id}`));
    await page.locator('h1', { hasText: 'Повтор: Осенняя рассылка' }).waitFor();
    expect(await page.locator('[data-testid=task-note]').textContent()).toBe(`Повтор задачи №${created.id}: перенесено 2, не перенесено 1.`);
    await expect.poll(async () => Number(await page.locator('[data-testid=counter-total] .stat-value').textContent())).toBe(2);
    expect(await page.locator('[data-testid=retry-failed]').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/retry-task.png`, fullPage: true });

    // A task whose failures would all fail again (no such user) is not offered a retry that would answer «nothing to retry».
    const hopeless = await api('POST', '/api/v1/invite/tasks', { type: 'invite_to_group', target_group: '@sandbox_marketing', targets: ['hy_ghost_user'] });
    await ctx.db
      .updateTable('targets')
      .set({ status: 'FAILED', error_code: 'USERNAME_NOT_OCCUPIED', error_message: 'no Telegram user has this username' })
      .where('task_id', '=', hopeless.id)
      .execute();
    await api('POST', `/api/v1/invite/tasks/${hopeless.id}/cancel`);
    await page.goto(`${base}/?token=${token}#/tasks/${hopeless.id}`);
    await page.getByText('пользователя с таким юзернеймом нет').first().waitFor();
    expect(await page.locator('[data-testid=retry-failed]').count()).toBe(0);
    await page.close();
  });

  it('the «Не писать» page adds by hand, lists and removes, also on a phone', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${base}/?token=${token}#/tasks`);
    await page.getByRole('link', { name: 'Не писать' }).click();
    await page.locator('[data-testid=dnc-page]').waitFor();
    await page.fill('#dnc-entries', '@hy_manual_one\nhttps://t.me/hy_manual_two\nнекорректно!');
    await page.getByRole('button', { name: 'Добавить', exact: true }).click();
    await expect.poll(() => page.locator('[data-testid=dnc-result]').textContent()).toBe('Добавлено: 2 · уже в списке: 0 · ошибочных: 1');
    // The refused line says why, and stays in the box to be corrected; the note waits with it.
    expect(await page.locator('[data-testid=dnc-refused] li').allTextContents()).toEqual([
      '«некорректно!» — некорректный юзернейм (5–32 латинских букв, цифр, подчёркиваний)',
    ]);
    expect(await page.inputValue('#dnc-entries')).toBe('некорректно!');
    const list = page.locator('[data-testid=dnc-list]');
    await expect.poll(() => list.textContent()).toContain('@hy_manual_two');
    expect(await list.textContent()).toContain('отказ в задаче №');
    await page.screenshot({ path: `${SHOTS}/dnc-390.png`, fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await list.locator('tr', { hasText: '@hy_manual_one' }).getByRole('button', { name: 'Убрать' }).click();
    await expect.poll(() => list.textContent()).not.toContain('@hy_manual_one');
    // A search says what it found, and a search that finds no one says that (not "the list is empty").
    const search = page.locator('[data-testid=dnc-page] input[type=search]');
    await search.fill('hy_manual_two');
    await expect.poll(() => page.locator('[data-testid=dnc-count]').textContent()).toBe('Найдено: 1');
    await search.fill('nobody_like_this');
    await expect.poll(() => page.locator('[data-testid=dnc-empty]').textContent()).toBe('В списке нет никого, кто подходит под поиск.');
    await search.fill('');
    await expect.poll(() => page.locator('[data-testid=dnc-count]').textContent()).toMatch(/^В списке: \d+$/);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: `${SHOTS}/dnc-1280.png`, fullPage: true });
    await page.close();
  });
});
