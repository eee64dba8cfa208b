/// <reference lib="dom" />
import { describe, expect, it } from 'vitest';
import { browserSuiteEnabled } from './helpers/browser.js';
import { useStillUi } from './helpers/still-ui-server.js';
import type { Page } from 'playwright-core';

const haveBrowser = browserSuiteEnabled('UI bulk actions end-to-end tests');
const SHOTS = process.env.UI_SCREENSHOT_DIR ?? '/tmp/ui-bulk';

/**
 * The task list's selection and bulk actions in a real browser: an action is sent only for the selected tasks it
 * applies to (the rest are counted as skipped), a refusal the server makes is shown with the task's name in the
 * reader's language, cancel and delete ask first, and the selection never reaches tasks the page no longer shows.
 * The clock stands still and no worker runs, so every status is the one the test set.
 */
describe.skipIf(!haveBrowser)('task list bulk actions end to end (Chromium)', () => {
  const ui = useStillUi();

  let people = 0;
  const createTask = async (name: string, start: boolean, extra: Record<string, unknown> = {}) => {
    people += 1;
    return ui.inviteTask(name, [`@bulk_person_${people}`], { start, extra });
  };
  const statusOf = async (id: number) => {
    const got = await ui.api('GET', `/tasks/${id}`);
    return got.status === 404 ? 'GONE' : (got.json.status as string);
  };
  const newPage = async (width = 1280, lang: 'ru' | 'en' = 'ru') => {
    const page = await ui.browser.newPage({ viewport: { width, height: 900 } });
    await page.addInitScript((l) => localStorage.setItem('lang', l), lang);
    return page;
  };
  const select = (page: Page, name: string, label = `Выбрать «${name}»`) => page.getByRole('checkbox', { name: label, exact: true }).check();
  const resultText = async (page: Page) => ((await page.locator('[data-testid=bulk-result]').textContent()) ?? '').trim();

  it('pauses, resumes, re-prioritises and deletes selected tasks, skipping those it does not apply to (ru, 1280 and 390)', async () => {
    const running1 = await createTask('Пачка один', true);
    const running2 = await createTask('Пачка два', true);
    const pending = await createTask('Пачка три', false);
    const cancelled = await createTask('Пачка четыре', false);
    expect((await ui.api('POST', `/tasks/${cancelled}/cancel`)).status).toBe(200);

    const page = await newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
    await page.goto(`${ui.base}/?token=${ui.token}#/tasks`);
    await page.locator(`[data-testid=task-${running1}]`).waitFor();
    expect(await page.locator('[data-testid=bulk-count]').count()).toBe(0);

    // Three selected; pause applies to the two running ones only, and the button says so.
    await select(page, 'Пачка один');
    await select(page, 'Пачка два');
    await select(page, 'Пачка три');
    expect(await page.locator('[data-testid=bulk-count]').textContent()).toBe('Выбрано: 3');
    const pause = page.locator('[data-testid=bulk-bar] button', { hasText: 'Пауза' });
    expect(await pause.textContent()).toBe('Пауза (2)');
    expect(await page.locator('[data-testid=bulk-bar] button', { hasText: 'Продолжить' }).isDisabled()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/selected-ru-1280.png`, fullPage: true });
    await pause.click();
    await page.locator('[data-testid=bulk-result]').waitFor();
    expect(await resultText(page)).toContain('Приостановлено: 2 из 2. Пропущено — в их статусе это действие невозможно: 1.');
    expect([await statusOf(running1), await statusOf(running2), await statusOf(pending)]).toEqual(['PAUSED', 'PAUSED', 'PENDING']);
    // The list shows the new statuses, and the selection stays for the next action.
    await expect.poll(() => page.locator(`[data-testid=task-${running1}] [data-status]`).getAttribute('data-status')).toBe('PAUSED');
    expect(await page.locator('[data-testid=bulk-count]').textContent()).toBe('Выбрано: 3');

    // Behind the page's back, one of them is cancelled: the server refuses it, and the page names it with the reason.
    expect((await ui.api('POST', `/tasks/${running2}/cancel`)).status).toBe(200);
    await page.locator('[data-testid=bulk-bar] button', { hasText: 'Продолжить' }).click();
    await expect.poll(() => resultText(page)).toMatch(/^Возобновлено: 1 из 2\./);
    const failure = page.locator('[data-testid=bulk-result] li');
    expect(await failure.count()).toBe(1);
    expect(await failure.locator('a').textContent()).toBe('Пачка два');
    expect(await failure.locator('a').getAttribute('href')).toBe(`#/tasks/${running2}`);
    // The server's own sentence, in Russian (a 409 naming the status it found).
    expect(await failure.textContent()).toMatch(/^Пачка два: .*[а-я]/);
    expect(await page.locator('[data-testid=bulk-result]').getAttribute('class')).toContain('notice-warn');
    expect(await statusOf(running1)).toBe('IN_PROGRESS');
    await page.screenshot({ path: `${SHOTS}/refused-ru-1280.png`, fullPage: true });

    // Priority for the whole page: the finished ones are skipped.
    await page.getByRole('checkbox', { name: 'Выбрать все на странице' }).check();
    expect(await page.locator('[data-testid=bulk-count]').textContent()).toBe('Выбрано: 4');
    await page.getByRole('combobox', { name: 'Сменить приоритет…' }).selectOption('HIGH');
    await expect.poll(() => resultText(page)).toMatch(/^Приоритет изменён: 2 из 2\. Пропущено — в их статусе это действие невозможно: 2\./);
    for (const id of [running1, pending]) expect((await ui.api('GET', `/tasks/${id}`)).json.priority).toBe('HIGH');
    for (const id of [running2, cancelled]) expect((await ui.api('GET', `/tasks/${id}`)).json.priority).toBe('MEDIUM');

    // Delete asks first, naming how many, and then the rows are gone from the page and the server.
    await page.getByRole('checkbox', { name: 'Выбрать все на странице' }).uncheck();
    expect(await page.locator('[data-testid=bulk-count]').count()).toBe(0);
    await select(page, 'Пачка три');
    await select(page, 'Пачка четыре');
    await page.locator('[data-testid=bulk-bar] button', { hasText: 'Удалить' }).click();
    await expect.poll(() => resultText(page)).toMatch(/^Удалено: 2 из 2\./);
    expect(dialogs.at(-1)).toBe('Удалить выбранные задачи (2) вместе с аудиториями и журналами? Это необратимо.');
    expect([await statusOf(pending), await statusOf(cancelled)]).toEqual(['GONE', 'GONE']);
    await page.locator(`[data-testid=task-${pending}]`).waitFor({ state: 'detached' });
    // What was deleted is no longer selected.
    expect(await page.locator('[data-testid=bulk-count]').count()).toBe(0);

    // Another filter clears the selection: nothing hidden is acted on.
    await select(page, 'Пачка один');
    await page.getByRole('textbox', { name: 'Поиск по названию' }).fill('два');
    await page.locator(`[data-testid=task-${running1}]`).waitFor({ state: 'detached' });
    await page.getByRole('textbox', { name: 'Поиск по названию' }).fill('');
    await page.locator(`[data-testid=task-${running1}]`).waitFor();
    expect(await page.getByRole('checkbox', { name: 'Выбрать «Пачка один»' }).isChecked()).toBe(false);

    // Phone width: the bar wraps and stays usable.
    await page.setViewportSize({ width: 390, height: 844 });
    await select(page, 'Пачка один');
    await page.locator('[data-testid=bulk-count]').waitFor();
    const bar = await page.locator('[data-testid=bulk-bar]').boundingBox();
    expect(bar && bar.x + bar.width).toBeLessThanOrEqual(390);
    // A box a finger can hit (the browser's own is 13 px).
    const box = await page.getByRole('checkbox', { name: 'Выбрать «Пачка один»' }).boundingBox();
    expect(box?.width).toBeGreaterThanOrEqual(20);
    await page.screenshot({ path: `${SHOTS}/selected-ru-390.png`, fullPage: true });
    await page.close();
  });

  it('says the same in English', async () => {
    const id = await createTask('Batch en', true);
    const page = await newPage(1280, 'en');
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
    await page.goto(`${ui.base}/?token=${ui.token}#/tasks`);
    await page.locator(`[data-testid=task-${id}]`).waitFor();
    await select(page, 'Batch en', 'Select "Batch en"');
    expect(await page.locator('[data-testid=bulk-count]').textContent()).toBe('Selected: 1');
    await page.locator('[data-testid=bulk-bar] button', { hasText: 'Cancel' }).click();
    await expect.poll(() => resultText(page)).toMatch(/^Cancelled: 1 of 1\./);
    expect(dialogs).toEqual(['Cancel the selected tasks (1)? They cannot be restarted (you can duplicate them).']);
    expect(await statusOf(id)).toBe('CANCELLED');
    await page.close();
  });

  it('starts the selected prepared tasks in one go and names each that could not start, with its reason (ru and en)', async () => {
    const ready = await createTask('Старт готова', false);
    // No account of the user is an admin of this group: its start is refused, the others still start.
    const noAdmin = await createTask('Старт без админа', false, { target_group: '@sandbox_no_admin' });
    const running = await createTask('Старт уже идёт', true);

    const page = await newPage();
    await page.goto(`${ui.base}/?token=${ui.token}#/tasks`);
    await page.locator(`[data-testid=task-${ready}]`).waitFor();
    await select(page, 'Старт готова');
    await select(page, 'Старт без админа');
    await select(page, 'Старт уже идёт');
    // Start applies to the two not started yet; the running one is skipped.
    const start = page.locator('[data-testid=bulk-bar] button', { hasText: 'Запустить' });
    expect(await start.textContent()).toBe('Запустить (2)');
    await start.click();
    await expect.poll(() => resultText(page)).toMatch(/^Запущено: 1 из 2\. Пропущено — в их статусе это действие невозможно: 1\.\s*Не удалось запустить:/);
    const failure = page.locator('[data-testid=bulk-result] li');
    expect(await failure.count()).toBe(1);
    expect(await failure.locator('a').getAttribute('href')).toBe(`#/tasks/${noAdmin}`);
    // The single start's own sentence, in Russian.
    expect(await failure.textContent()).toMatch(/^Старт без админа: Сейчас ни один аккаунт не может приглашать в «Sandbox Group Without Your Admins»/);
    expect(await page.locator('[data-testid=bulk-result]').getAttribute('class')).toContain('notice-warn');
    expect([await statusOf(ready), await statusOf(noAdmin), await statusOf(running)]).toEqual(['IN_PROGRESS', 'PENDING', 'IN_PROGRESS']);
    await expect.poll(() => page.locator(`[data-testid=task-${ready}] [data-status]`).getAttribute('data-status')).toBe('IN_PROGRESS');
    await page.screenshot({ path: `${SHOTS}/start-ru-1280.png`, fullPage: true });
    await page.close();

    // In English, and a task with a future start time is started into waiting for it, which the summary says.
    const now = await createTask('Start now', false);
    const later = await createTask('Start later', false, { scheduled_at: '2026-01-06T09:00:00Z' });
    const en = await newPage(1280, 'en');
    await en.goto(`${ui.base}/?token=${ui.token}#/tasks`);
    await en.locator(`[data-testid=task-${later}]`).waitFor();
    await select(en, 'Start now', 'Select "Start now"');
    await select(en, 'Start later', 'Select "Start later"');
    // Applies to every selected one: no count, as the other actions.
    await en.locator('[data-testid=bulk-bar] button', { hasText: 'Start' }).click();
    await expect.poll(() => resultText(en)).toMatch(/^Started: 2 of 2\. Of them, waiting for their start time: 1\./);
    expect(await en.locator('[data-testid=bulk-result]').getAttribute('class')).toContain('notice-ok');
    expect([await statusOf(now), await statusOf(later)]).toEqual(['IN_PROGRESS', 'SCHEDULED']);
    await en.close();
  });
});
