/// <reference lib="dom" />
import { describe, expect, it } from 'vitest';
import { browserSuiteEnabled } from './helpers/browser.js';
import { useStillUi } from './helpers/still-ui-server.js';
import type { Page } from 'playwright-core';

const haveBrowser = browserSuiteEnabled('UI task list end-to-end tests');
const SHOTS = process.env.UI_SCREENSHOT_DIR ?? '/tmp/ui-task-list';

/**
 * The task list keeps what it shows in the address (#/tasks?status=…&page=…&sort=…&search=…): Back from a task,
 * a reload and a link restore it; it can be sorted; and a task a bulk action moves off the page stays selected.
 * The clock stands still and no worker runs. The tests run in order on one set of 23 tasks (two pages of 20).
 */
describe.skipIf(!haveBrowser)('task list state, sorting and selection end to end (Chromium)', () => {
  const ui = useStillUi();

  let people = 0;
  const createTask = async (name: string, start: boolean) => {
    people += 1;
    // A minute apart: the order of creation is the order of created_at (the clock stands still otherwise).
    ui.clock.advanceSeconds(60);
    return ui.inviteTask(name, [`@list_person_${people}`], { start });
  };
  const ids = new Map<string, number>();
  const newPage = async (lang: 'ru' | 'en' = 'ru') => {
    const page = await ui.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript((l) => localStorage.setItem('lang', l), lang);
    return page;
  };
  const open = async (page: Page, hash: string) => {
    await page.goto(`${ui.base}/?token=${ui.token}#${hash}`);
    await page.locator('.task-card').first().waitFor();
  };
  const names = (page: Page) => page.locator('.task-card .task-name').allTextContents();
  const hash = (page: Page) => page.evaluate(() => decodeURIComponent(window.location.hash));
  const pagerText = (page: Page) => page.locator('.pager span').textContent();

  // Created oldest first: "Бег один" (running) is the oldest task; "Список 13" runs too.
  const LIST = ['07', '19', '02', '22', '11', '15', '01', '20', '09', '13', '04', '17', '06', '21', '10', '03', '16', '08', '12', '05', '18', '14'].map(
    (n) => `Список ${n}`,
  );
  const ALL_BY_NAME = ['Бег один', ...LIST].sort((a, b) => a.localeCompare(b, 'ru'));

  it('sorts by name, exactly (running tasks in their place), and keeps the order in the address', async () => {
    ids.set('Бег один', await createTask('Бег один', true));
    for (const name of LIST) ids.set(name, await createTask(name, name === 'Список 13'));

    const page = await newPage();
    await open(page, '/tasks');
    // Today's order by default: the running tasks first, then the newest.
    expect((await names(page)).slice(0, 3)).toEqual(['Список 13', 'Бег один', 'Список 14']);
    const sort = page.getByRole('combobox', { name: 'Сортировка' });
    expect(await sort.locator('option').allTextContents()).toEqual([
      'Сортировка: новые сначала',
      'Сортировка: старые сначала',
      'Сортировка: по названию',
      'Сортировка: по приоритету',
      'Сортировка: по прогрессу',
      'Сортировка: по статусу',
    ]);
    await sort.selectOption('name');
    await expect.poll(() => names(page)).toEqual(ALL_BY_NAME.slice(0, 20));
    expect(await hash(page)).toBe('#/tasks?sort=name');
    await page.screenshot({ path: `${SHOTS}/sorted-by-name-ru.png`, fullPage: true });

    // Oldest first: the order of creation, exactly.
    await sort.selectOption('old');
    await expect.poll(() => names(page)).toEqual(['Бег один', ...LIST].slice(0, 20));

    // Nonsense in the address falls back to the defaults; what is valid in it still applies.
    await open(page, '/tasks?page=abc&status=NOPE&priority=1&sort=name');
    await expect.poll(() => names(page)).toEqual(ALL_BY_NAME.slice(0, 20));
    expect(await page.getByRole('combobox', { name: 'Статус' }).inputValue()).toBe('');
    expect(await page.getByRole('combobox', { name: 'Приоритет' }).inputValue()).toBe('');
    expect(await pagerText(page)).toMatch(/^Страница 1 из 2/);
    // A page past the end: the last one.
    await open(page, '/tasks?page=99&sort=name');
    await expect.poll(() => pagerText(page)).toMatch(/^Страница 2 из 2/);
    await expect.poll(() => names(page)).toEqual(ALL_BY_NAME.slice(20));

    // In English too.
    const en = await newPage('en');
    await open(en, '/tasks');
    expect(await en.getByRole('combobox', { name: 'Sort' }).locator('option').allTextContents()).toEqual([
      'Sort: newest first',
      'Sort: oldest first',
      'Sort: by name',
      'Sort: by priority',
      'Sort: by progress',
      'Sort: by status',
    ]);
    await en.close();
    await page.close();
  });

  it('comes back to page 2 after opening a task from it, and to the order it was in', async () => {
    const page = await newPage();
    await open(page, '/tasks');
    await page.locator('.pager button', { hasText: 'Вперёд' }).click();
    await expect.poll(() => pagerText(page)).toMatch(/^Страница 2 из 2/);
    await expect.poll(async () => (await names(page)).length).toBe(3);
    const second = await names(page);
    await page.locator('.task-card .task-name', { hasText: second[1]! }).click();
    await page.locator('[data-testid=task-subtitle]').waitFor();
    expect(await hash(page)).toBe(`#/tasks/${ids.get(second[1]!)}`);

    await page.goBack();
    await page.locator('.task-card').first().waitFor();
    expect(await pagerText(page)).toMatch(/^Страница 2 из 2/);
    expect(await names(page)).toEqual(second);
    // And Back once more: page 1.
    await page.goBack();
    await expect.poll(() => pagerText(page)).toMatch(/^Страница 1 из 2/);

    // The same from a sorted list: page 2 of the order by name.
    await open(page, '/tasks?sort=name&page=2');
    expect(await names(page)).toEqual(ALL_BY_NAME.slice(20));
    await page.locator('.task-card .task-name', { hasText: ALL_BY_NAME[21]! }).click();
    await page.locator('[data-testid=task-subtitle]').waitFor();
    await page.goBack();
    await page.locator(`[data-testid=task-${ids.get(ALL_BY_NAME[21]!)}]`).waitFor();
    expect(await pagerText(page)).toMatch(/^Страница 2 из 2/);
    expect(await names(page)).toEqual(ALL_BY_NAME.slice(20));
    expect(await page.getByRole('combobox', { name: 'Сортировка' }).inputValue()).toBe('name');
    await page.close();
  });

  it('keeps the status filter and the search over a reload; typing does not add history entries', async () => {
    const page = await newPage();
    await open(page, '/tasks');
    await page.getByRole('combobox', { name: 'Статус' }).selectOption('IN_PROGRESS');
    await expect.poll(() => names(page)).toEqual(['Список 13', 'Бег один']);
    expect(await hash(page)).toBe('#/tasks?status=IN_PROGRESS');

    await page.reload();
    await page.locator('.task-card').first().waitFor();
    expect(await page.getByRole('combobox', { name: 'Статус' }).inputValue()).toBe('IN_PROGRESS');
    expect(await names(page)).toEqual(['Список 13', 'Бег один']);

    // The search is written into the address once the typing pauses, in place of the entry (Back does not replay it).
    const before = await page.evaluate(() => history.length);
    await page.getByRole('textbox', { name: 'Поиск по названию' }).pressSequentially('один', { delay: 30 });
    await expect.poll(() => names(page)).toEqual(['Бег один']);
    await expect.poll(() => hash(page)).toBe('#/tasks?status=IN_PROGRESS&search=один');
    expect(await page.evaluate(() => history.length)).toBe(before);
    await page.reload();
    await page.locator('.task-card').first().waitFor();
    expect(await page.getByRole('textbox', { name: 'Поиск по названию' }).inputValue()).toBe('один');
    expect(await page.getByRole('combobox', { name: 'Статус' }).inputValue()).toBe('IN_PROGRESS');
    expect(await names(page)).toEqual(['Бег один']);

    // Back undoes the filter: the whole list again.
    await page.goBack();
    await expect.poll(() => page.getByRole('combobox', { name: 'Статус' }).inputValue()).toBe('');
    expect(await page.getByRole('textbox', { name: 'Поиск по названию' }).inputValue()).toBe('');
    await expect.poll(async () => (await names(page)).length).toBe(20);
    await page.close();
  });

  it('keeps a task a bulk pause moved to page 2 selected, says so, acts on it next and names it', async () => {
    const page = await newPage();
    await open(page, '/tasks');
    // Page 1: the two running tasks, then the newest. "Бег один" is the oldest: paused, it goes to the end (page 2).
    expect((await names(page)).slice(0, 5)).toEqual(['Список 13', 'Бег один', 'Список 14', 'Список 18', 'Список 05']);
    for (const name of ['Бег один', 'Список 14', 'Список 18', 'Список 05'])
      await page.getByRole('checkbox', { name: `Выбрать «${name}»`, exact: true }).check();
    const count = page.locator('[data-testid=bulk-count]');
    expect(await count.textContent()).toBe('Выбрано: 4');

    await page.locator('[data-testid=bulk-bar] button', { hasText: 'Пауза' }).click();
    await expect
      .poll(() => page.locator('[data-testid=bulk-result]').textContent())
      .toMatch(/^Приостановлено: 1 из 1\. Пропущено — в их статусе это действие невозможно: 3\./);
    await page.locator(`[data-testid=task-${ids.get('Бег один')}]`).waitFor({ state: 'detached' });
    expect((await ui.api('GET', `/tasks/${ids.get('Бег один')}`)).json.status).toBe('PAUSED');
    // Still selected and counted, and the bar says one of them is not on this page.
    expect(await count.textContent()).toBe('Выбрано: 4 (не на этой странице: 1)');
    expect(await count.getAttribute('title')).toBe('Бег один');
    await page.screenshot({ path: `${SHOTS}/kept-selected-ru.png`, fullPage: true });

    // The next action includes it (resume applies to it alone); cancelled behind the page's back, the server refuses it
    // and the summary names it.
    expect((await ui.api('POST', `/tasks/${ids.get('Бег один')}/cancel`)).status).toBe(200);
    const resume = page.locator('[data-testid=bulk-bar] button', { hasText: 'Продолжить' });
    expect(await resume.textContent()).toBe('Продолжить (1)');
    await resume.click();
    await expect.poll(() => page.locator('[data-testid=bulk-result]').textContent()).toMatch(/^Возобновлено: 0 из 1\./);
    const failure = page.locator('[data-testid=bulk-result] li');
    expect(await failure.locator('a').textContent()).toBe('Бег один');
    expect(await failure.locator('a').getAttribute('href')).toBe(`#/tasks/${ids.get('Бег один')}`);

    // Another page clears the selection, as before: what the reader changes is what they see.
    await page.locator('.pager button', { hasText: 'Вперёд' }).click();
    await expect.poll(() => pagerText(page)).toMatch(/^Страница 2 из 2/);
    expect(await count.count()).toBe(0);
    await page.close();
  });
});
