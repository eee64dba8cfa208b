/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { browserSuiteEnabled } from './helpers/browser.js';
import { useStillUi } from './helpers/still-ui-server.js';

const haveBrowser = browserSuiteEnabled('UI sandbox bases end-to-end tests');
const SHOTS = process.env.UI_SCREENSHOT_DIR ?? '/tmp/ui-sandbox-bases';

/**
 * A standalone sandbox (no PARSING_SERVICE_URL) offers its labelled demo bases in the create form: a marketer trying
 * the product picks one, sees its first contacts and its size, and creates the task from it, in Russian.
 */
describe.skipIf(!haveBrowser)('the sandbox’s demo bases in the create form (Chromium)', () => {
  const ui = useStillUi();

  it('picks a demo base, previews it and creates a task with its people', async () => {
    mkdirSync(SHOTS, { recursive: true });
    const errors: string[] = [];
    const page = await ui.browser.newPage({ viewport: { width: 1280, height: 900 }, timezoneId: 'Europe/Moscow', locale: 'ru-RU' });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(() => localStorage.setItem('lang', 'ru'));
    await page.goto(`${ui.base}/?token=${ui.token}#/tasks/new`);
    await page.fill('#group', '@sandbox_marketing');
    await page.locator('[data-testid=group-check] strong', { hasText: 'Sandbox Marketing Chat' }).waitFor();
    await page.locator('label', { hasText: 'База из сервиса парсинга' }).click();
    const bases = page.locator('select', { hasText: 'Выберите базу' });
    await expect
      .poll(async () => (await bases.locator('option').allTextContents()).slice(1))
      .toEqual([
        'Песочница: участники чата «Маркетинг для малого бизнеса» — 240 записей',
        expect.stringMatching(/^Песочница: подписчики канала «Новости e-commerce» — 1\s500 записей$/),
        'Песочница: парсинг ещё идёт — пока нет результатов',
      ]);
    await bases.selectOption({ index: 1 });
    await page.getByText('Контактов в базе: 240.').waitFor();
    await page.screenshot({ path: `${SHOTS}/base-picked-ru.png`, fullPage: true });
    await page.locator('label', { hasText: 'Сохранить без запуска' }).click();
    await page.click('button[type=submit]');
    await page.waitForURL(/#\/tasks\/\d+$/);
    const id = Number(page.url().split('/').pop());
    await expect.poll(async () => (await ui.api('GET', `/tasks/${id}`)).json.counters.total).toBe(240);
    expect(errors).toEqual([]);
    await page.close();
  });
});
