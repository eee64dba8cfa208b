/// <reference lib="dom" />
import { describe, expect, it } from 'vitest';
import { browserSuiteEnabled } from './helpers/browser.js';
import { useStillUi } from './helpers/still-ui-server.js';
import type { Page } from 'playwright-core';

const haveBrowser = browserSuiteEnabled('UI task edit end-to-end tests');
const SHOTS = process.env.UI_SCREENSHOT_DIR ?? '/tmp/ui-task-edit';

/**
 * Editing a task from its page in a real browser (Moscow time zone, Russian, then English): what can change follows
 * the task's status as the server's rules do, each problem is said at its field, only changed fields are sent, a
 * refusal the server makes (the task moved on meanwhile) keeps what was typed, and the page shows the result.
 * The clock stands still and no worker runs.
 */
describe.skipIf(!haveBrowser)('task edit end to end (Chromium)', () => {
  const ui = useStillUi();

  const openTask = async (id: number, lang: 'ru' | 'en' = 'ru', width = 1280) => {
    const page = await ui.browser.newPage({ viewport: { width, height: 900 }, timezoneId: 'Europe/Moscow', locale: lang === 'ru' ? 'ru-RU' : 'en-GB' });
    await page.addInitScript((l) => localStorage.setItem('lang', l), lang);
    const puts: unknown[] = [];
    page.on('request', (r) => {
      if (r.method() === 'PUT') puts.push(r.postDataJSON());
    });
    await page.goto(`${ui.base}/?token=${ui.token}#/tasks/${id}`);
    await page.locator('[data-testid=task-edit]').click();
    await page.locator('[data-testid=task-edit-form]').waitFor();
    return { page, puts };
  };
  const form = (page: Page) => page.locator('[data-testid=task-edit-form]');
  const note = async (page: Page) => ((await page.locator('[data-testid=task-note]').textContent()) ?? '').trim();

  it('a task not started yet: name, group (checked as typed), priority, start time and notes; problems at their fields (ru)', async () => {
    const id = await ui.inviteTask('Осенняя кампания', ['@edit_one']);
    const { page, puts } = await openTask(id);

    // Nothing changed: said, nothing sent.
    await page.locator('[data-testid=task-edit-save]').click();
    await form(page).getByText('Ничего не изменилось.').waitFor();
    expect(puts).toEqual([]);

    // Problems at their fields: an empty name, a time that has passed.
    await page.fill('#edit-name', '  ');
    await form(page).getByLabel('В заданное время').check();
    await page.getByLabel('Время запуска', { exact: true }).fill('2020-01-01T10:00');
    await page.locator('[data-testid=task-edit-save]').click();
    expect(await page.locator('[data-testid=error-name]').textContent()).toBe('Укажите название задачи.');
    expect(await page.locator('[data-testid=error-scheduled_at]').textContent()).toBe('Это время уже прошло: выберите время в будущем.');
    expect(puts).toEqual([]);

    // A group no account administers: the same admin check as the create form, while typing.
    await page.fill('#edit-group', '@sandbox_no_admin');
    await form(page).locator('[data-testid=group-check]').waitFor();
    expect(await form(page).locator('[data-testid=group-check]').textContent()).toContain('Sandbox Group Without Your Admins');
    await page.fill('#edit-group', '@sandbox_news');
    await form(page).locator('[data-testid=group-check]', { hasText: 'Sandbox News Channel' }).waitFor();

    await page.fill('#edit-name', 'Осенняя кампания — новости');
    // A corrected field no longer shows its problem.
    expect(await page.locator('[data-testid=error-name]').count()).toBe(0);
    await page.selectOption('#edit-priority', 'HIGH');
    await page.getByLabel('Время запуска', { exact: true }).fill('2027-03-01T10:30');
    await page.fill('#edit-notes', 'Согласовано с Ириной.\nНе запускать до пятницы.');
    await page.screenshot({ path: `${SHOTS}/edit-pending-ru.png`, fullPage: true });
    await page.locator('[data-testid=task-edit-save]').click();
    await page.locator('[data-testid=task-edit-form]').waitFor({ state: 'detached' });
    expect(await note(page)).toBe('Изменения сохранены.');
    expect(await page.locator('h1').textContent()).toBe('Осенняя кампания — новости');
    expect(await page.locator('[data-testid=task-notes]').textContent()).toBe('Согласовано с Ириной.\nНе запускать до пятницы.');
    // Only what changed was sent; 10:30 in Moscow is 07:30 UTC.
    expect(puts).toEqual([
      {
        name: 'Осенняя кампания — новости',
        settings: { notes: 'Согласовано с Ириной.\nНе запускать до пятницы.' },
        priority: 'HIGH',
        target_group: '@sandbox_news',
        scheduled_at: '2027-03-01T07:30:00.000Z',
      },
    ]);
    const got = (await ui.api('GET', `/tasks/${id}`)).json;
    expect([got.name, got.priority, got.target_group, got.scheduled_at, got.settings.notes]).toEqual([
      'Осенняя кампания — новости',
      'HIGH',
      '@sandbox_news',
      '2027-03-01T07:30:00.000Z',
      'Согласовано с Ириной.\nНе запускать до пятницы.',
    ]);

    // Opened again, it shows what was saved (the time in the reader's zone); clearing the time is one change.
    await page.locator('[data-testid=task-edit]').click();
    expect(await page.getByLabel('Время запуска', { exact: true }).inputValue()).toBe('2027-03-01T10:30');
    await form(page).getByLabel('Без времени: задача запустится кнопкой «Запустить»').check();
    await page.locator('[data-testid=task-edit-save]').click();
    await page.locator('[data-testid=task-edit-form]').waitFor({ state: 'detached' });
    expect(puts.at(-1)).toEqual({ scheduled_at: null });
    expect((await ui.api('GET', `/tasks/${id}`)).json.scheduled_at).toBeNull();

    // The task starts behind the page's back while the group is being changed: the server's refusal, nothing lost.
    await page.locator('[data-testid=task-edit]').click();
    await page.fill('#edit-group', '@sandbox_marketing');
    const started = await ui.api('POST', `/tasks/${id}/start`);
    expect(started.status, JSON.stringify(started.json)).toBe(200);
    await page.fill('#edit-name', 'Поздняя правка');
    await page.locator('[data-testid=task-edit-save]').click();
    await form(page).locator('[role=alert]').first().waitFor();
    expect(await form(page).locator('[role=alert]').first().textContent()).toMatch(/[а-я]/);
    expect(await page.inputValue('#edit-name')).toBe('Поздняя правка');
    expect((await ui.api('GET', `/tasks/${id}`)).json.name).toBe('Осенняя кампания — новости');
    // The page loads the task again: it shows it running, and the form's rules follow (the group is locked, no
    // start time), with what was typed still there.
    await page.locator('.task-actions [data-status=IN_PROGRESS]').waitFor();
    await form(page).getByText('Группу можно сменить только до запуска задачи.').waitFor();
    expect(await page.inputValue('#edit-name')).toBe('Поздняя правка');
    await page.screenshot({ path: `${SHOTS}/edit-refused-ru.png`, fullPage: true });

    // Reloaded, the same.
    await page.reload();
    await page.locator('[data-testid=task-edit]').click();
    expect(await page.locator('#edit-group').isDisabled()).toBe(true);
    await form(page).getByText('Группу можно сменить только до запуска задачи.').waitFor();
    expect(await form(page).getByText('Время запуска').count()).toBe(0);
    await page.close();
  });

  it('a message task: the template with its preview; a finished task: only name and notes (ru, 390 px)', async () => {
    const created = await ui.api('POST', '/tasks', { type: 'direct_message', message_template: 'Привет!', name: 'Рассылка', targets: ['@msg_one'] });
    const id = created.json.id as number;
    const { page } = await openTask(id, 'ru', 390);
    // A variable the worker does not know is said under the preview as it is typed, and at the field when saving (once).
    await page.fill('#edit-template', 'Здравствуйте, {firstname}!');
    const said = 'Неизвестная переменная {firstname}: в тексте можно использовать {username} и {first_name}.';
    expect(await page.locator('[data-testid=message-preview-problem]').textContent()).toBe(said);
    await page.locator('[data-testid=task-edit-save]').click();
    expect(await page.locator('[data-testid=error-message_template]').textContent()).toBe(said);
    expect(await page.locator('[data-testid=message-preview-problem]').count()).toBe(0);
    // So is a variable opened and not closed; the server refuses it too.
    await page.fill('#edit-template', 'Привет, {first_name! как дела');
    expect(await page.locator('[data-testid=message-preview-problem]').textContent()).toBe(
      'Переменная {first_name не закрыта скобкой «}»: так её и получат люди.',
    );
    const refused = await ui.api('PUT', `/tasks/${id}`, { message_template: 'Привет, {first_name! как дела' });
    expect(refused.status).toBe(400);
    // The preview shows a Russian example person, and someone without a first name (the word after the bar).
    await page.fill('#edit-template', 'Здравствуйте, {first_name|друг}! Ждём вас, @{username}.');
    const preview = form(page).locator('[data-testid=message-preview]');
    expect(await preview.locator('p').allTextContents()).toEqual(['Здравствуйте, Иван! Ждём вас, @ivan_petrov.', 'Здравствуйте, друг! Ждём вас, @olga_s.']);
    expect(await preview.locator('span').allTextContents()).toEqual(['Как увидит @ivan_petrov (Иван):', 'Как увидит тот, у кого нет имени, @olga_s:']);
    await page.fill('#edit-template', 'Здравствуйте, {first_name}! Ждём вас, @{username}.');
    expect(await preview.locator('p').allTextContents()).toEqual(['Здравствуйте, Иван! Ждём вас, @ivan_petrov.', 'Здравствуйте, @olga_s! Ждём вас, @olga_s.']);
    // Without {first_name} there is no second example.
    await page.fill('#edit-template', 'Ждём вас, @{username}.');
    expect(await preview.locator('p').allTextContents()).toEqual(['Ждём вас, @ivan_petrov.']);
    await page.fill('#edit-template', 'Здравствуйте, {first_name}! Ждём вас, @{username}.');
    await page.screenshot({ path: `${SHOTS}/edit-message-ru-390.png`, fullPage: true });
    const box = await form(page).boundingBox();
    expect(box && box.x + box.width).toBeLessThanOrEqual(390);
    await page.locator('[data-testid=task-edit-save]').click();
    await page.locator('[data-testid=task-edit-form]').waitFor({ state: 'detached' });
    expect((await ui.api('GET', `/tasks/${id}`)).json.message_template).toBe('Здравствуйте, {first_name}! Ждём вас, @{username}.');

    expect((await ui.api('POST', `/tasks/${id}/cancel`)).status).toBe(200);
    await page.reload();
    await page.locator('[data-testid=task-edit]').click();
    await form(page).getByText('Задача завершена: можно изменить только название и заметки.', { exact: false }).waitFor();
    expect(await page.locator('#edit-template').count()).toBe(0);
    expect(await page.locator('#edit-priority').count()).toBe(0);
    await page.fill('#edit-notes', 'Отменена: не тот текст.');
    await page.locator('[data-testid=task-edit-save]').click();
    await page.locator('[data-testid=task-notes]').waitFor();
    expect((await ui.api('GET', `/tasks/${id}`)).json.settings.notes).toBe('Отменена: не тот текст.');
    await page.close();
  });

  it('speaks English', async () => {
    const { page } = await openTask(await ui.inviteTask('Spring', ['@edit_en']), 'en');
    expect(await page.locator('[data-testid=task-edit]').textContent()).toBe('Edit');
    await page.fill('#edit-name', '');
    await page.locator('[data-testid=task-edit-save]').click();
    expect(await page.locator('[data-testid=error-name]').textContent()).toBe('Give the task a name.');
    await page.fill('#edit-name', 'Spring, renamed');
    await page.locator('[data-testid=task-edit-save]').click();
    await page.locator('[data-testid=task-note]').waitFor();
    expect(await note(page)).toBe('Changes saved.');
    await page.close();
  });
});
