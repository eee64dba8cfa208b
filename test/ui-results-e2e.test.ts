/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxUiServer, type SandboxUiServer } from './helpers/sandbox-ui-server.js';
import { browserSuiteEnabled, launchChromium } from './helpers/browser.js';
import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import ExcelJS from 'exceljs';
import type { AppContext } from '../src/app-context.js';

const haveBrowser = browserSuiteEnabled('UI results end-to-end tests');
/** Screenshots for a person to look at (desktop and 390 px, light and dark). */
const PEOPLE = 150;
const SHOTS = process.env.UI_SCREENSHOTS_DIR ?? '/tmp/ui-results-screenshots';

/**
 * Results people can read, in a real browser: the task chart (dated axes in the reader's language and zone, axis
 * titles, legend, empty state), the task list (running first, created date, invited count), the dashboard
 * refreshing in place, and the report button's Excel file.
 */
describe.skipIf(!haveBrowser)('results in the web UI (Chromium)', () => {
  let ctx: AppContext;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let token: string;
  let server: SandboxUiServer;
  let running: number;
  let fresh: number;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startSandboxUiServer({ worker: 'results-e2e', privacyRate: 0.3 });
    ({ ctx, app, base, token } = server);
    await ctx.accounts.create(1, { label: 'Chart Sender One' });
    await ctx.accounts.create(1, { label: 'Chart Sender Two' });
    const post = async (url: string, payload?: unknown) => {
      const res = await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
      if (res.statusCode >= 300) throw new Error(`${url}: ${res.body}`);
      return res.json();
    };
    // 150 people over two accounts (15 a day each into one group): about five virtual days (two real minutes), so it
    // is still IN_PROGRESS while the list is read, with several hours of actions already on the chart.
    const people = Array.from({ length: PEOPLE }, (_, i) => `chart_person_${i}`);
    running = (
      await post('/api/v1/invite/tasks', { type: 'invite_to_group', target_group: '@sandbox_marketing', name: 'График', targets: people, start: true })
    ).id;
    fresh = (await post('/api/v1/invite/tasks', { type: 'invite_to_group', target_group: '@sandbox_marketing', name: 'Новая задача', targets: ['fresh_one'] }))
      .id;
    for (let i = 0; i < 300 && (await ctx.tasks.counters(running)).done < 8; i++) await new Promise((r) => setTimeout(r, 100));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const open = async (route: string, opts: { lang: 'ru' | 'en'; theme?: 'light' | 'dark'; width?: number; height?: number }) => {
    const context = await browser.newContext({
      viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 },
      timezoneId: 'Europe/Moscow',
      locale: opts.lang === 'ru' ? 'ru-RU' : 'en-GB',
      acceptDownloads: true,
    });
    await context.addInitScript(
      ([lang, theme]) => {
        localStorage.setItem('lang', lang!);
        localStorage.setItem('theme', theme!);
      },
      [opts.lang, opts.theme ?? 'light'],
    );
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/?token=${token}#${route}`);
    return { page, errors, close: () => context.close() };
  };

  /** The x-axis labels the chart drew, and the labels the task's hour buckets should have in Moscow. */
  const axisCheck = async (page: Page, lang: 'ru' | 'en') => {
    const stats = (
      await app.inject({ url: `/api/v1/invite/tasks/${running}/stats`, headers: { authorization: `Bearer ${token}`, 'x-time-zone': 'Europe/Moscow' } })
    ).json();
    const fmt = new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', {
      timeZone: 'Europe/Moscow',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
    const first = Date.parse(stats.per_hour[0].at);
    const last = Date.parse(stats.per_hour.at(-1).at) + 3 * 3600_000; // the page may have refreshed since
    const expected = new Set<string>();
    for (let t = first; t <= last; t += 3600_000) expected.add(fmt.format(new Date(t)));
    const ticks = await page.locator('[data-testid=activity-chart] .x-tick').allTextContents();
    return { ticks, expected };
  };

  it('draws the task chart in Russian: dated axis in the reader’s zone, axis titles, legend; a new task says there is nothing yet', async () => {
    const { page, errors, close } = await open(`/tasks/${running}`, { lang: 'ru' });
    const chart = page.locator('[data-testid=activity-chart]');
    await chart.locator('.recharts-bar-rectangle').first().waitFor({ timeout: 15_000 });
    await page.screenshot({ path: `${SHOTS}/task-ru-desktop-light-hour.png`, fullPage: true });
    expect(await chart.locator('.recharts-legend-item-text').allTextContents()).toEqual(['Приглашено', 'Пропущено', 'Ошибки']);
    expect(await chart.locator('.recharts-label').allTextContents()).toEqual(['Время', 'Действия']);
    const { ticks, expected } = await axisCheck(page, 'ru');
    expect(ticks.length).toBeGreaterThan(0);
    for (const tick of ticks) {
      expect(expected.has(tick), `${tick} is not one of ${[...expected].join(' | ')}`).toBe(true);
      expect(tick).toMatch(/^\d{1,2} (янв|февр|мар|апр|мая|июн|июл|авг|сент|окт|нояб|дек)\.?, \d{2}:00$/);
    }
    expect(await page.locator('[data-testid=invited-pct]').textContent()).toMatch(/^Приглашено, % аудитории: \d+(,\d)?%$/);
    expect(await page.locator('[data-testid=started-at]').textContent()).toMatch(/^Запущена: \d{1,2} [а-я]+\.?(?: \d{4} г\.)?, \d{2}:\d{2}$/);
    expect(await page.locator('[data-testid=finished-at]').textContent()).toBe('Завершена: ещё нет');
    // The feed writes its times as the header does («9 дек., 13:51», not «09 дек., 13:51»).
    const feedTimes = await page.locator('[data-testid=feed] li .small').allTextContents();
    expect(feedTimes.length).toBeGreaterThan(0);
    for (const at of feedTimes) expect(at).toMatch(/^\d{1,2} [а-я]+\.?(?: \d{4} г\.)?, \d{2}:\d{2}$/);
    expect(feedTimes.some((at) => at.startsWith('0'))).toBe(false);
    // Each account's line says what its numbers are (it used to read "Sender A: 4 / 4").
    const perAccount = await page.locator('[data-testid=per-account] li').allTextContents();
    expect(perAccount.length).toBeGreaterThan(0);
    for (const line of perAccount) expect(line).toMatch(/^.+: приглашено \d+ из \d+ (попытки|попыток)$/);
    // By day: the same chart, dated by day.
    await page.selectOption('select[aria-label="Действий в час"]', 'day');
    await expect.poll(() => chart.locator('.recharts-label').allTextContents()).toEqual(['Дата', 'Действия']);
    await page.screenshot({ path: `${SHOTS}/task-ru-desktop-light.png`, fullPage: true });

    await page.goto(`${base}/#/tasks/${fresh}`);
    const empty = page.locator('[data-testid=chart-empty]');
    await empty.waitFor();
    expect(await empty.textContent()).toBe('Действий пока нет: график заполнится, когда начнут уходить приглашения и сообщения.');
    expect(await page.locator('[data-testid=activity-chart]').count()).toBe(0);
    expect(errors).toEqual([]);
    await close();
  });

  it('draws it in English too, and in dark theme at 390 px without overflowing', async () => {
    const { page, errors, close } = await open(`/tasks/${running}`, { lang: 'en', theme: 'dark', width: 390 });
    const chart = page.locator('[data-testid=activity-chart]');
    await chart.locator('.recharts-bar-rectangle').first().waitFor({ timeout: 15_000 });
    expect(await chart.locator('.recharts-legend-item-text').allTextContents()).toEqual(['Invited', 'Skipped', 'Failed']);
    expect(await chart.locator('.recharts-label').allTextContents()).toEqual(['Time', 'Actions']);
    const { ticks, expected } = await axisCheck(page, 'en');
    expect(ticks.length).toBeGreaterThan(0);
    for (const tick of ticks) expect(expected.has(tick), `${tick} is not one of ${[...expected].join(' | ')}`).toBe(true);
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    // The axis text takes the theme's muted colour, not the library's grey on a dark panel. Polled: the chart redraws
    // its ticks as it settles at this width, and a tick replaced between finding and reading it has no computed style
    // (a detached element's is empty; this read '' once in CI).
    await expect
      .poll(() =>
        chart
          .locator('.recharts-cartesian-axis-tick-value')
          .first()
          .evaluate((el) => (el.isConnected ? getComputedStyle(el).fill : 'detached')),
      )
      .toBe('rgb(154, 163, 181)');
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    const box = await chart.boundingBox();
    expect(box!.width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${SHOTS}/task-en-390-dark.png`, fullPage: true });
    await chart.screenshot({ path: `${SHOTS}/chart-en-390-dark.png` });
    expect(errors).toEqual([]);
    await close();
    for (const [lang, theme, width] of [
      ['ru', 'dark', 1280],
      ['ru', 'light', 390],
    ] as const) {
      const shot = await open(`/tasks/${running}`, { lang, theme, width });
      await shot.page.locator('[data-testid=activity-chart] .recharts-bar-rectangle').first().waitFor({ timeout: 15_000 });
      await shot.page.screenshot({ path: `${SHOTS}/task-${lang}-${width === 390 ? '390' : 'desktop'}-${theme}.png`, fullPage: true });
      await shot.close();
    }
  });

  it('lists the running task first, with its created date and invited count', async () => {
    const { page, close } = await open('/tasks', { lang: 'ru' });
    await page.locator('.task-card').first().waitFor();
    const ids = await page.locator('.task-card').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    // The fresh task is newer, yet the running one leads.
    expect(ids).toEqual([`task-${running}`, `task-${fresh}`]);
    const meta = page.locator(`[data-testid=task-${running}] [data-testid=task-meta]`);
    expect(await meta.textContent()).toMatch(/^создана \d{1,2} [а-я]+\.? \d{4} г\. · приглашено \d+ · приоритет средний/);
    // At 1280 px the name has the room (a fixed 400 px for the buttons left it about 180 px: three words a line).
    const nameWidth = (await page.locator(`[data-testid=task-${running}] .task-main`).boundingBox())!.width;
    expect(nameWidth).toBeGreaterThan(300);
    const invited = (await ctx.tasks.counters(running)).invited;
    await expect
      .poll(async () => Number((await meta.locator('[data-testid=task-done-count]').textContent())!.replace(/\D/g, '')), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(invited);
    expect(await page.locator(`[data-testid=task-${fresh}] [data-testid=task-done-count]`).textContent()).toBe('приглашено 0');
    // A search that finds nothing says so, not "no tasks yet, create your first".
    await page.getByPlaceholder('Поиск по названию').fill('такой задачи нет');
    await expect.poll(() => page.locator('[data-testid=tasks-empty]').textContent()).toBe('Нет задач, подходящих под поиск или фильтры.');
    // A task's recipients filtered to a status no one has: said in words, not an empty card.
    await page.goto(`${base}/#/tasks/${fresh}`);
    const statusFilter = page.locator('select[aria-label]', { has: page.locator('option', { hasText: 'Статус: Все' }) });
    // An invite task offers only the statuses its people can have (no «Отправлено»).
    await expect
      .poll(() => statusFilter.locator('option').allTextContents())
      .toEqual(['Статус: Все', 'Ожидает', 'В работе', 'Приглашён', 'Пропущен', 'Ошибка']);
    await statusFilter.selectOption('FAILED');
    await expect.poll(() => page.locator('[data-testid=recipients-empty]').textContent()).toBe('Никого в этом статусе.');
    await close();
  });

  it('refreshes the dashboard in place: the same elements, the scroll kept, no "Loading…"', async () => {
    const { page, errors, close } = await open('/dashboard', { lang: 'ru', width: 390, height: 500 });
    const dash = page.locator('[data-testid=dashboard]');
    await dash.locator('[data-testid=activity-chart] .recharts-bar-rectangle').first().waitFor({ timeout: 15_000 });
    expect(await dash.locator('.recharts-legend-item-text').allTextContents()).toEqual(['Приглашено', 'Отправлено', 'Пропущено', 'Ошибки']);
    // The task counts by status are named as counts of tasks (the card under "1" used to read "Завершена").
    expect(await dash.locator('[data-testid=dash-tasks-IN_PROGRESS] .stat-label').textContent()).toBe('Выполняющиеся задачи');
    expect(await dash.locator('[data-testid=dash-tasks-PENDING] .stat-label').textContent()).toBe('Задачи, ждущие запуска');
    const first = await dash.getAttribute('data-updated');
    await page.locator('[data-testid=dash-invites]').evaluate((el) => {
      (el as HTMLElement & { mark?: string }).mark = 'before-tick';
    });
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const scrolled = await page.evaluate(() => window.scrollY);
    expect(scrolled).toBeGreaterThan(0);
    let sawLoading = false;
    await expect
      .poll(
        async () => {
          sawLoading ||= (await page.getByText('Загрузка…').count()) > 0;
          return dash.getAttribute('data-updated');
        },
        { timeout: 25_000, interval: 250 },
      )
      .not.toBe(first);
    expect(sawLoading).toBe(false);
    expect(await page.locator('[data-testid=dash-invites]').evaluate((el) => (el as HTMLElement & { mark?: string }).mark)).toBe('before-tick');
    expect(await page.evaluate(() => window.scrollY)).toBe(scrolled);
    await page.screenshot({ path: `${SHOTS}/dashboard-ru-390-light.png`, fullPage: true });
    await dash.locator('[data-testid=activity-chart]').screenshot({ path: `${SHOTS}/chart-dashboard-ru-390-light.png` });
    expect(errors).toEqual([]);
    await close();
    const dark = await open('/dashboard', { lang: 'en', theme: 'dark' });
    await dark.page.locator('[data-testid=activity-chart] .recharts-bar-rectangle').first().waitFor({ timeout: 15_000 });
    await dark.page.screenshot({ path: `${SHOTS}/dashboard-en-desktop-dark.png`, fullPage: true });
    await dark.close();
  });

  it('downloads the report as an Excel workbook that opens, in the reader’s language', async () => {
    const { page, close } = await open(`/tasks/${running}`, { lang: 'ru' });
    const button = page.getByRole('button', { name: 'Скачать отчёт (Excel)' });
    await button.waitFor();
    // The file is built while the worker keeps inviting on the same database: generous on a busy machine.
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 50_000 }), button.click()]);
    expect(download.suggestedFilename()).toBe(`task-${running}-report-sandbox.xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile((await download.path())!);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Сводка', 'Получатели']);
    const sheet = wb.getWorksheet('Получатели')!;
    expect(sheet.rowCount).toBe(PEOPLE + 1);
    expect(sheet.getRow(1).getCell(7).value).toBe('Статус');
    const summary = Object.fromEntries(
      wb
        .getWorksheet('Сводка')!
        .getSheetValues()
        .filter(Boolean)
        .map((r) => [(r as unknown[])[1], (r as unknown[])[2]]),
    );
    expect(summary['Часовой пояс']).toBe('Europe/Moscow');
    expect(summary['Всего получателей']).toBe(PEOPLE);
    await close();
  }, 120_000);
});
