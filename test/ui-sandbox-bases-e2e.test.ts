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
  it('a message task reads its text as the base’s first people will get it, and is named after the greeting', async () => {
    const page = await ui.browser.newPage({ viewport: { width: 1280, height: 900 }, timezoneId: 'Europe/Moscow', locale: 'ru-RU' });
    await page.addInitScript(() => localStorage.setItem('lang', 'ru'));
    await page.goto(`${ui.base}/?token=${ui.token}#/tasks/new`);
    await page.locator('label', { hasText: 'Личное сообщение' }).click();
    await page.locator('label', { hasText: 'База из сервиса парсинга' }).click();
    const bases = page.locator('select', { hasText: 'Выберите базу' });
    await bases.locator('option').nth(1).waitFor({ state: 'attached' });
    await bases.selectOption({ index: 1 });
    await page.getByText('Контактов в базе: 240.').waitFor();
    await page.locator('textarea').first().fill('Здравствуйте, {first_name|друг}! Приглашаем вас на бесплатный вебинар в четверг.');
    const preview = page.locator('[data-testid=message-preview]');
    // The base's first person with a name and its first without one (its row 9), not made-up examples.
    const first = (await ui.api('GET', '/import/parsing/bases/sandbox-marketing-chat/preview?limit=10')).json.items;
    const named = first.find((p: any) => p.username && p.first_name);
    const unnamed = first.find((p: any) => p.username && !p.first_name);
    await expect
      .poll(() => preview.locator('span').allTextContents())
      .toEqual([`Как увидит @${named.username} (${named.first_name}):`, `Как увидит тот, у кого нет имени, @${unnamed.username}:`]);
    expect(await preview.locator('p').first().textContent()).toBe(`Здравствуйте, ${named.first_name}! Приглашаем вас на бесплатный вебинар в четверг.`);
    expect(await page.locator('[data-testid=message-preview-no-name]').textContent()).toBe(
      'Здравствуйте, друг! Приглашаем вас на бесплатный вебинар в четверг.',
    );
    // Dated by the service's clock (5 January here), as the names the server gives.
    expect(await page.inputValue('#name')).toBe('Сообщения: Приглашаем вас на бесплатный вебинар в… · 5 янв.');
    await page.screenshot({ path: `${SHOTS}/message-preview-ru.png`, fullPage: true });
    await page.close();
  });
});
