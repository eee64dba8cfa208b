/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuiteEnabled } from './helpers/browser.js';
import { useStillUi } from './helpers/still-ui-server.js';
import { englishRuns, hasCyrillic } from './helpers/english-text.js';
import { ParsingServiceFake, fakePerson, type FakeResult } from './helpers/platform-fakes.js';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';

const haveBrowser = browserSuiteEnabled('UI add-people end-to-end tests');
const SHOTS = process.env.UI_SCREENSHOT_DIR ?? '/tmp/ui-add-audience';
/** A small cap, so the big base runs into it (the over-cap warning and the import's own cap). */
const CAP = 40;

/** A Parsing Service contact with a username and a Russian name. */
const contact = (i: number, username: string, first: string, last: string): FakeResult => ({
  ...fakePerson(i, 'subscribers'),
  username,
  display_name: `${first} ${last}`,
  platform_specific_data: { username, user_id: 800_000 + i, first_name: first, last_name: last },
});

/**
 * «Добавить людей» on a task's page, in a real browser: a file checked by a dry run made for this task, imported with
 * the outcome in words; a Parsing Service base imported at once; a base too big to wait for handed to a background job
 * that the jobs panel follows; a refusal in the server's words with the choice kept; nothing offered on a finished task.
 * The clock stands still and no worker runs; background jobs run when the test says so.
 */
describe.skipIf(!haveBrowser)('adding people to an existing task (Chromium)', () => {
  const secret = randomBytes(16).toString('hex');
  const parsing = new ParsingServiceFake(secret);

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // User 1's bases: a small one (one person in it is already in the task by then) and one over the direct-import size.
    parsing.addBase(1, {
      task_id: 'subscribers',
      title: 'Подписчики @rival_chat',
      results: [
        contact(1, 'dmitry_orlov', 'Дмитрий', 'Орлов'),
        contact(2, 'elena_popova', 'Елена', 'Попова'),
        contact(3, 'boris_volkov', 'Борис', 'Волков'),
        contact(4, 'sergey_lebedev', 'Сергей', 'Лебедев'),
        contact(5, 'tatiana_morozova', 'Татьяна', 'Морозова'),
        contact(6, 'pavel_novikov', 'Павел', 'Новиков'),
      ],
    });
    parsing.addBase(1, { task_id: 'big-chat', title: 'Участники @big_chat', results: Array.from({ length: 5001 }, (_, i) => fakePerson(i + 1, 'big-chat')) });
    await parsing.start();
  });
  afterAll(() => parsing.close());
  const ui = useStillUi(() => ({ JWT_SECRET: secret, PARSING_SERVICE_URL: parsing.url, MAX_TARGETS_PER_TASK: String(CAP) }));

  const createTask = async (name: string, targets: string[]) => {
    return ui.inviteTask(name, targets);
  };
  const peopleIn = async (id: number) => (await ui.api('GET', `/tasks/${id}`)).json.counters.total as number;
  const newPage = async (lang: 'ru' | 'en', errors: string[]) => {
    const page = await ui.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript((l) => localStorage.setItem('lang', l), lang);
    page.on('pageerror', (e) => errors.push(e.message));
    return page;
  };
  const openTask = async (page: Page, id: number) => {
    await page.goto(`${ui.base}/?token=${ui.token}#/tasks/${id}`);
    await page.locator('[data-testid=counters]').waitFor();
  };
  const counter = async (page: Page, name: string) => Number(await page.locator(`[data-testid=counter-${name}] .stat-value`).textContent());
  const panel = (page: Page) => page.locator('[data-testid=add-audience]');
  const outcome = async (page: Page) => ((await page.locator('[data-testid=add-audience-outcome]').textContent()) ?? '').trim();
  const chooseFile = (page: Page, name: string, text: string) =>
    panel(page)
      .locator('input[type=file]')
      .setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
  /** No page wider than the screen (nothing to scroll sideways). */
  const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

  it('adds a file, then a base, then a big base in the background, in Russian; a refusal keeps the choice; a finished task offers nothing', async () => {
    const id = await createTask('Осенний набор', ['@ivan_petrov', '@maria_sokolova', '@olga_smirnova']);
    const errors: string[] = [];
    const page = await newPage('ru', errors);
    await openTask(page, id);
    expect(await counter(page, 'total')).toBe(3);

    // Collapsed: one button; opened: the picker, and the import waits for a chosen and checked audience.
    const open = page.getByRole('button', { name: 'Добавить людей', exact: true });
    await open.click();
    const submit = page.getByRole('button', { name: 'Добавить в задачу' });
    expect(await submit.isDisabled()).toBe(true);

    // A file: two new people, one already in the task, one repeated in the file, one row that is no one.
    const csv = [
      'username,first_name,last_name',
      '@anna_kuznetsova,Анна,Кузнецова',
      '@boris_volkov,Борис,Волков',
      '@ivan_petrov,Иван,Петров',
      '@anna_kuznetsova,Анна,Кузнецова',
      'не юзернейм!,Ошибка,',
    ].join('\n');
    await chooseFile(page, 'осень.csv', `${csv}\n`);
    const preview = panel(page).locator('[data-testid=file-preview]');
    await preview.waitFor();
    // The dry run is made for this task: the person it holds and the repeat within the file are both duplicates (as the
    // import will count them), the bad row is said in Russian.
    expect(await preview.locator('p').first().textContent()).toBe('Корректных: 2 · повторов или уже в задаче: 2 · ошибочных строк: 1');
    expect(await preview.textContent()).toContain('Анна Кузнецова');
    // Each person shown says what the import will do with them: the one the task holds, the repeat of a row above.
    const rowText = async (where: typeof preview, skip: string) => ((await where.locator(`tr[data-skip=${skip}]`).textContent()) ?? '').trim();
    expect(await rowText(preview, 'IN_TASK')).toBe('4@ivan_petrovИван Петров · уже в задаче');
    expect(await rowText(preview, 'REPEATED')).toBe('5@anna_kuznetsovaАнна Кузнецова · повторяет строку выше');
    expect(await preview.locator('tr:not([data-skip])').count()).toBe(2);
    expect(await preview.locator('.error-text').first().textContent()).toMatch(/^Строка 6: .*[а-я]/);
    expect(await panel(page).locator('.file-picker-name').textContent()).toBe('осень.csv');
    expect(englishRuns((await panel(page).textContent()) ?? '')).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/file-preview-ru-1280.png`, fullPage: true });

    await submit.click();
    await page.locator('[data-testid=add-audience-outcome]').waitFor();
    expect(await outcome(page)).toBe('Добавлено: 2 человека · повторов или уже в задаче: 2 · ошибочных строк: 1');
    // The page's counters and list refresh; the server holds the same.
    await expect.poll(() => counter(page, 'total')).toBe(5);
    expect(await peopleIn(id)).toBe(5);
    const targets = (await ui.api('GET', `/tasks/${id}/targets?page_size=50`)).json.items as Array<{ username: string; first_name: string }>;
    expect(targets.find((x) => x.username === 'anna_kuznetsova')?.first_name).toBe('Анна');
    await expect.poll(() => page.locator('.table-wrap').textContent()).toContain('Анна Кузнецова');
    // The panel closed itself, so the same file is not sent twice by accident.
    expect(await panel(page).locator('form').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/file-added-ru-1280.png`, fullPage: true });

    // A Parsing Service base, small enough to import at once: its first contacts, then the outcome.
    await open.click();
    await panel(page).getByText('База из сервиса парсинга').click();
    await panel(page).locator('select[name=parsing_base]').selectOption({ label: 'Подписчики @rival_chat — 6 записей' });
    const basePreview = panel(page).locator('[data-testid=base-preview]');
    await basePreview.waitFor();
    expect(await basePreview.locator('p').first().textContent()).toBe('Контактов в базе: 6. Первые 6:');
    expect(await basePreview.textContent()).toContain('Татьяна Морозова');
    expect(await rowText(basePreview, 'IN_TASK')).toBe('3@boris_volkovБорис Волков · уже в задаче');
    expect(await panel(page).locator('[data-testid=over-cap]').count()).toBe(0);
    await submit.click();
    await expect.poll(() => outcome(page)).toBe('Добавлено: 5 человек · повторов или уже в задаче: 1');
    await expect.poll(() => counter(page, 'total')).toBe(10);
    expect(await peopleIn(id)).toBe(10);

    // A base over the direct-import size: the warning says how many more this task takes (the cap less the 10 in it).
    await open.click();
    await panel(page).getByText('База из сервиса парсинга').click();
    await panel(page).locator('select[name=parsing_base]').selectOption({ label: 'Участники @big_chat — 5\u00a0001 запись' });
    const overCap = panel(page).locator('[data-testid=over-cap]');
    await overCap.waitFor();
    expect(await overCap.textContent()).toBe('В задачу можно добавить ещё 30: войдут первые 30 из базы, остальные — нет. Их можно загрузить в другую задачу.');
    await page.screenshot({ path: `${SHOTS}/big-base-ru-1280.png`, fullPage: true });
    await submit.click();
    await expect.poll(() => outcome(page)).toBe('Аудитория большая: люди добавляются в фоне, ход виден в «Фоновых заданиях».');
    // The jobs panel shows the job at once; when it has run, its result, and the counters follow by themselves.
    const job = page.locator('[data-testid=job-import_parsing]');
    await job.waitFor();
    expect(await ui.ctx.jobs.runDue()).toBeGreaterThanOrEqual(1);
    await expect.poll(() => job.textContent(), { timeout: 10_000 }).toContain('добавлено 30 · дубликатов 0 · ошибочных 0 · не вошли из-за лимита задачи: 4971');
    await expect.poll(() => counter(page, 'total'), { timeout: 10_000 }).toBe(CAP);
    expect(await peopleIn(id)).toBe(CAP);
    await page.screenshot({ path: `${SHOTS}/background-done-ru-1280.png`, fullPage: true });

    // Phone width: the opened panel with a file over the cap fits the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await open.click();
    await chooseFile(page, 'ещё.csv', 'username\n@new_one\n@new_two\n');
    await preview.waitFor();
    expect(await panel(page).locator('[data-testid=over-cap]').textContent()).toBe(
      'Задача заполнена: больше в неё никто не войдёт. Загрузите их в другую задачу.',
    );
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${SHOTS}/file-preview-ru-390.png`, fullPage: true });
    await panel(page).screenshot({ path: `${SHOTS}/panel-file-preview-ru-390.png` });

    // The task is cancelled behind the page's back: the import is refused in the server's words, the file stays chosen.
    expect((await ui.api('POST', `/tasks/${id}/cancel`)).status).toBe(200);
    await submit.click();
    const refusal = panel(page).locator('[role=alert]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/^Задача «Осенний набор» уже завершена .*импортируйте в новую задачу или в копию\.$/);
    expect(await panel(page).locator('.file-picker-name').textContent()).toBe('ещё.csv');
    expect(await submit.isEnabled()).toBe(true);
    await panel(page).screenshot({ path: `${SHOTS}/panel-refused-ru-390.png` });

    // A finished task takes no one: the page offers no button.
    await page.reload();
    await page.locator('[data-status=CANCELLED]').first().waitFor();
    expect(await panel(page).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Добавить людей' }).count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('warns before adding more people than the task’s accounts may ever invite into the group (200 each, for good)', async () => {
    const id = await createTask('Почти исчерпано', ['@capacity_first']);
    // The one sender account has used 198 of its 200 invites into the group: 2 more, ever.
    const [sender] = await ui.ctx.db.selectFrom('accounts').select('id').where('user_id', '=', 1).execute();
    await ui.ctx.db
      .insertInto('account_group_usage')
      .values({ account_id: sender!.id, group_key: '-1001000000001', lifetime_invites: 198 })
      .onConflict((oc) => oc.columns(['account_id', 'group_key']).doUpdateSet({ lifetime_invites: 198 }))
      .execute();
    const errors: string[] = [];
    const page = await newPage('ru', errors);
    // The warning's figure is the accounts panel's: the page reads the task's accounts once, not once per part.
    const accountReads: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes(`/tasks/${id}/accounts`)) accountReads.push(r.url());
    });
    await openTask(page, id);
    await page.locator('[data-testid=task-accounts-summary]').waitFor();
    expect(accountReads).toHaveLength(1);
    await page.getByRole('button', { name: 'Добавить людей', exact: true }).click();
    const warning = panel(page).locator('[data-testid=add-audience-capacity-short]');
    // One more person: 2 waiting, 2 left — no warning.
    await chooseFile(page, 'one.csv', 'username\n@capacity_second\n');
    await panel(page).locator('[data-testid=file-preview]').waitFor();
    expect(await warning.count()).toBe(0);
    // Two more: 3 would wait for 2 invites left.
    await chooseFile(page, 'two.csv', 'username\n@capacity_second\n@capacity_third\n');
    await expect
      .poll(() => warning.textContent())
      .toMatch(/^Приглашения ждут 3 человека, а аккаунты задачи могут пригласить в эту группу ещё только 2 человека за всё время/);
    await panel(page).screenshot({ path: `${SHOTS}/panel-capacity-short-ru.png` });
    expect(accountReads).toHaveLength(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says it in English', async () => {
    const id = await createTask('Spring intake', ['@first_person']);
    const errors: string[] = [];
    const page = await newPage('en', errors);
    await openTask(page, id);
    await page.getByRole('button', { name: 'Add people', exact: true }).click();
    await chooseFile(page, 'spring.csv', 'username\n@second_person\n@third_person\n@first_person\nnot valid!\n');
    await panel(page).locator('[data-testid=file-preview]').waitFor();
    expect(hasCyrillic((await panel(page).textContent()) ?? '')).toBe(false);
    expect(await panel(page).locator('tr[data-skip=IN_TASK]').textContent()).toBe('4@first_person · already in the task');
    await page.getByRole('button', { name: 'Add to the task' }).click();
    await expect.poll(() => outcome(page)).toBe('Added: 2 people · repeated or already in the task: 1 · invalid rows: 1');
    await expect.poll(() => counter(page, 'total')).toBe(3);
    await page.screenshot({ path: `${SHOTS}/added-en-1280.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});

/**
 * An installation with no Parsing Service (a standalone sandbox with its demo bases switched off): the create form and
 * the add-people panel say so where the choice is, instead of offering it and answering with an error; the bases are
 * never asked for.
 */
describe.skipIf(!haveBrowser)('without a Parsing Service (Chromium)', () => {
  const ui = useStillUi({ SANDBOX_PARSING_SERVICE: 'false' });

  it('the base choice is off and says why, in Russian and in English; the file stays the audience', async () => {
    const basesAsked: string[] = [];
    const errors: string[] = [];
    for (const [lang, note] of [
      ['ru', 'К этой установке не подключён сервис парсинга, поэтому его базы выбрать нельзя: загрузите файл.'],
      ['en', 'No Parsing Service is connected to this installation, so its bases cannot be chosen: upload a file.'],
    ] as const) {
      const page = await ui.browser.newPage({ viewport: { width: 390, height: 844 } });
      await page.addInitScript((l) => localStorage.setItem('lang', l), lang);
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => {
        if (r.url().includes('/import/parsing/bases')) basesAsked.push(r.url());
      });
      await page.goto(`${ui.base}/?token=${ui.token}#/tasks/new`);
      const notConnected = page.locator('[data-testid=parsing-not-connected]');
      await expect.poll(() => notConnected.textContent()).toBe(note);
      const baseRadio = page.locator('input[type=radio][name=source]').nth(1);
      expect(await baseRadio.isDisabled()).toBe(true);
      expect(await page.locator('input[type=radio][name=source]').first().isChecked()).toBe(true);
      expect(await page.locator('input[type=file]').count()).toBe(1);
      await page.screenshot({ path: `${SHOTS}/no-parsing-${lang}-390.png`, fullPage: true });
      await page.close();
    }
    expect(basesAsked).toEqual([]);
    expect(errors).toEqual([]);
  });
});
