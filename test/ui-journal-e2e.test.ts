/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { browserSuiteEnabled } from './helpers/browser.js';
import { useStillUi } from './helpers/still-ui-server.js';

const haveBrowser = browserSuiteEnabled('UI journal end-to-end tests');
const SHOTS = process.env.UI_SCREENSHOT_DIR ?? '/tmp/ui-journal';

/** «Журнал»: what the marketer did, in sentences, newest first; a task still there opens from its entry. */
describe.skipIf(!haveBrowser)('the journal page (Chromium)', () => {
  const ui = useStillUi();

  it('lists the user’s actions in Russian, then in English; an entry about a task opens it', async () => {
    mkdirSync(SHOTS, { recursive: true });
    const kept = await ui.inviteTask('Журнал: осень', ['@journal_ui_one']);
    const gone = await ui.inviteTask('Лишняя', []);
    expect((await ui.api('DELETE', `/tasks/${gone}`)).status).toBe(204);
    expect((await ui.api('POST', `/tasks/${kept}/start`)).status).toBe(200);

    const errors: string[] = [];
    const page = await ui.browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(() => localStorage.setItem('lang', 'ru'));
    await page.goto(`${ui.base}/?token=${ui.token}#/tasks`);
    await page.locator('.topbar nav a', { hasText: 'Журнал' }).click();
    const entries = page.locator('[data-testid=audit] li');
    await entries.first().waitFor();
    const texts = (await entries.allTextContents()).map((s) => s.replace(/^\d{1,2} [а-я]+\.?(?: \d{4} г\.)?, \d{2}:\d{2} /, ''));
    expect(texts.slice(0, 5)).toEqual([
      'Запущена задача «Журнал: осень»',
      'Удалена задача «Лишняя»',
      'Создана задача «Лишняя»',
      'В задачу «Журнал: осень» добавлены люди: 1',
      'Создана задача «Журнал: осень»',
    ]);
    // The page scrolls, not a box inside it (its pager turns the pages).
    expect(await page.locator('[data-testid=audit]').evaluate((el) => getComputedStyle(el).maxHeight)).toBe('none');
    // A deleted task is named but not a link; one still there opens.
    expect(await entries.nth(1).locator('a').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/journal-ru.png`, fullPage: true });
    await entries.first().locator('a').click();
    await page.waitForURL(new RegExp(`#/tasks/${kept}$`));
    await page.locator('[data-testid=counters]').waitFor();

    await page.goto(`${ui.base}/#/audit`);
    await page.selectOption('select[aria-label="Язык"]', 'en');
    await expect.poll(async () => (await page.locator('[data-testid=audit] li').first().textContent())?.endsWith('Started task "Журнал: осень"')).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
