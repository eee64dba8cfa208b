/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxUiServer, type SandboxUiServer } from './helpers/sandbox-ui-server.js';
import { browserSuiteEnabled, launchChromium } from './helpers/browser.js';
import type { Browser, Page } from 'playwright-core';
import type { AppContext } from '../src/app-context.js';

const haveBrowser = browserSuiteEnabled('UI end-to-end tests');

/**
 * The whole product in a real browser: the service on loopback with an in-process worker on an
 * accelerated sandbox clock (1 real second = 1 virtual hour), so paced invites are watchable.
 */
// The browser suite exercises the UI, not the database engine: it runs in the PGlite pass only.
describe.skipIf(!haveBrowser)('web UI end to end (Chromium)', () => {
  let ctx: AppContext;
  let browser: Browser;
  let base: string;
  let token: string;
  let server: SandboxUiServer;

  beforeAll(async () => {
    server = await startSandboxUiServer({ worker: 'e2e', privacyRate: 0, env: { MAX_TARGETS_PER_TASK: '20000' } });
    ({ ctx, base, token } = server);
    await ctx.accounts.create(1, { label: 'Sender One' });
    await ctx.accounts.create(1, { label: 'Sender Two' });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const counter = async (page: Page, name: string) => Number(await page.locator(`[data-testid=counter-${name}] .stat-value`).textContent());

  it('creates a task with a CSV audience, watches it progress, pauses, resumes and reads the feed', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const consoleErrors: string[] = [];
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(`${base}/?token=${token}#/tasks/new`);
    await expect.poll(() => page.locator('[data-testid=sandbox-banner]').isVisible()).toBe(true);

    // Before a group is given, the pace is not a misleading "~0/day (ready accounts: 0)".
    expect(await page.locator('[data-testid=safe-pacing]').textContent()).toBe(
      'Безопасный темп появится, когда вы укажете группу: он зависит от ваших аккаунтов-админов в ней.',
    );
    await page.fill('#group', 'https://t.me/sandbox_marketing');
    await page.locator('[data-testid=group-check] strong', { hasText: 'Sandbox Marketing Chat' }).waitFor();
    // The auto name is in the UI's language (Russian by default) and dated, so campaigns into one group differ.
    expect(await page.inputValue('#name')).toMatch(/^Приглашения в Sandbox Marketing Chat · \d{1,2} [а-я]+\.?$/);
    expect(await page.locator('[data-testid=group-check]').textContent()).toContain('Sender One');
    // A link that cannot be found takes the suggestion away (the name kept the last group's), and it comes back.
    await page.fill('#group', '@sandbox_no_such_group_here');
    await expect.poll(() => page.inputValue('#name')).toBe('');
    await page.fill('#group', 'https://t.me/sandbox_marketing');
    await expect.poll(() => page.inputValue('#name')).toMatch(/^Приглашения в Sandbox Marketing Chat/);

    // 28 people = 14 per account (under the 15/day group cap): the campaign lasts long enough (~8 virtual hours,
    // ~8 real seconds) that the UI's 3-second refresh sees it running and the pause lands mid-way, even on a busy machine.
    const people = Array.from({ length: 28 }, (_, i) => `e2e_person_${i}`);
    const csv = `username,first_name\n${people.map((p, i) => `@${p},Person ${i}`).join('\n')}\n@e2e_person_0,Dup\nnot valid!,x\n`;
    await page.setInputFiles('input[type=file]', { name: 'audience.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    const preview = page.locator('[data-testid=file-preview]');
    await preview.waitFor();
    expect(await preview.textContent()).toMatch(/Корректных: 28 · повторов: 1 · ошибочных строк: 1/);
    expect(await page.locator('[data-testid=safe-pacing]').textContent()).toContain('~30/день (готовых аккаунтов: 2)');

    await page.click('button[type=submit]');
    await page.waitForURL(/#\/tasks\/\d+$/);
    await page.locator('[data-status=IN_PROGRESS]').first().waitFor();

    // Progress advances on its own, without reloading the page.
    await expect.poll(() => counter(page, 'invited'), { timeout: 20_000 }).toBeGreaterThan(1);

    await page.getByRole('button', { name: 'Пауза' }).click();
    await page.locator('[data-status=PAUSED]').first().waitFor();
    const frozen = await counter(page, 'invited');
    await page.waitForTimeout(3500); // ~3.5 virtual hours
    await page.reload();
    expect(await counter(page, 'invited')).toBe(frozen);

    await page.getByRole('button', { name: 'Продолжить' }).click();
    await page.locator('[data-status=IN_PROGRESS]').first().waitFor();
    await expect.poll(() => counter(page, 'invited'), { timeout: 40_000 }).toBe(28);
    await page.locator('[data-status=COMPLETED]').first().waitFor({ timeout: 10_000 });

    const feed = page.locator('[data-testid=feed]');
    expect(await feed.textContent()).toContain('Пользователь @e2e_person_0 добавлен в Sandbox Marketing Chat');
    await page.selectOption('select[aria-label="Язык"]', 'en');
    await expect.poll(() => feed.textContent()).toContain('User @e2e_person_0 added to Sandbox Marketing Chat');
    expect(await page.locator('.card', { hasText: 'Per account' }).textContent()).toMatch(/Sender (One|Two): invited \d+ of \d+ attempts?/);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('imports a large file in the background, starts the task when it is in, and prepares a report file', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/?token=${token}#/tasks/new`);
    await page.selectOption('select[aria-label="Язык"]', 'en');
    await page.fill('#group', '@sandbox_news');
    await page.locator('[data-testid=group-check] strong', { hasText: 'Sandbox News Channel' }).waitFor();
    // Over 1 MB: the form hands the import to a background job instead of waiting for it.
    const pad = 'x'.repeat(80);
    const rows = Array.from({ length: 12_000 }, (_, i) => `@bg_e2e_${i},Person,${pad}`);
    const big = Buffer.from(`username,first_name,last_name\n${rows.join('\n')}\n`);
    expect(big.length).toBeGreaterThan(1024 * 1024);
    await page.setInputFiles('input[type=file]', { name: 'big.csv', mimeType: 'text/csv', buffer: big });
    await page.locator('[data-testid=file-preview]').waitFor();
    await page.click('button[type=submit]');
    await page.waitForURL(/#\/tasks\/\d+$/);
    const importJob = page.locator('[data-testid=job-import_file]');
    await importJob.waitFor();
    await expect.poll(() => importJob.textContent(), { timeout: 30_000 }).toContain('12000 added · 0 duplicates · 0 invalid · task started');
    // The counters refresh by themselves once the import lands, and the task is running.
    await expect.poll(() => counter(page, 'total'), { timeout: 10_000 }).toBe(12_000);
    await page.locator('[data-status=IN_PROGRESS]').first().waitFor();

    // The one report button: an audience this large is built in the background as an Excel workbook.
    await page.getByRole('button', { name: 'Download report (Excel)' }).click();
    const reportJob = page.locator('[data-testid=job-task_report]');
    await expect.poll(() => reportJob.textContent(), { timeout: 30_000 }).toContain('12000 rows');
    const [download] = await Promise.all([page.waitForEvent('download'), reportJob.getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^task-\d+-report-sandbox\.xlsx$/);
    const { default: ExcelJS } = await import('exceljs');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile((await download.path())!);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Targets']);
    expect(wb.getWorksheet('Targets')!.rowCount).toBe(12_001);
    await page
      .getByRole('button', { name: 'Cancel' })
      .first()
      .click()
      .catch(() => undefined);
    await page.close();
  });

  it('is usable on a 390 px wide phone screen', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${base}/?token=${token}#/tasks`);
    await page.locator('.task-card').first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    for (const route of ['#/tasks/new', '#/accounts', '#/dashboard']) {
      await page.goto(`${base}/${route}`);
      await page.waitForTimeout(500);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), route).toBeLessThanOrEqual(0);
    }
    await page.close();
  });

  it('asks for a token on 401 without losing what was typed', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/?token=expired-or-wrong#/tasks/new`);
    await page.locator('.modal textarea').waitFor(); // the app saw a 401 and asked for a token
    // A token the server does not accept is tried first and refused in the dialog, with the server's reason.
    await page.fill('.modal textarea', 'not-a-token');
    await page.click('.modal button[type=submit]');
    await expect.poll(() => page.locator('.modal [role=alert]').textContent()).toMatch(/^Этот токен не подошёл: .*[а-я]/);
    expect(await page.evaluate(() => localStorage.getItem('invite-orchestrator.token'))).toBe('expired-or-wrong');
    // Dismissing is not possible without a token; type one and the form underneath is still there.
    await page.fill('.modal textarea', token);
    expect(await page.locator('.modal [role=alert]').count()).toBe(0);
    await page.click('.modal button[type=submit]');
    await page.fill('#group', '@sandbox_news');
    await page.locator('[data-testid=group-check] strong', { hasText: 'Sandbox News Channel' }).waitFor();
    // Token revoked mid-edit: the next call gets a 401, the dialog appears, the typed group survives.
    await page.evaluate(() => localStorage.setItem('invite-orchestrator.token', 'revoked'));
    await page.fill('#group', '@sandbox_marketing');
    await page.locator('.modal textarea').waitFor();
    expect(await page.inputValue('#group')).toBe('@sandbox_marketing');
    await page.fill('.modal textarea', token);
    await page.click('.modal button[type=submit]');
    expect(await page.inputValue('#group')).toBe('@sandbox_marketing');
    await page.close();
  });

  it('shows each form error at its field, in Russian, checked in the browser first and then by the server', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/?token=${token}#/tasks/new`);
    await page.fill('#group', '@sandbox_marketing');
    await page.locator('[data-testid=group-check] strong', { hasText: 'Sandbox Marketing Chat' }).waitFor();
    await page.setInputFiles('input[type=file]', { name: 'a.txt', mimeType: 'text/plain', buffer: Buffer.from('field_err_1\n') });
    await page.locator('[data-testid=file-preview]').waitFor();
    // The browser's own checks: a name over 200 characters (as typed) and a start time in the past.
    await page.fill('#name', 'Я'.repeat(201));
    const nameError = page.locator('.field:has(#name) [data-testid=error-name]');
    expect(await nameError.textContent()).toBe('Название — не длиннее 200 символов (сейчас 201).');
    await page.locator('label', { hasText: 'В дату и время' }).click();
    await page.fill('input[name=scheduled_at]', '2020-01-01T10:00');
    await page.click('button[type=submit]');
    expect(await page.locator('[data-testid=error-scheduled_at]').textContent()).toBe('Это время уже прошло: выберите время в будущем.');
    expect(await page.locator('#name').getAttribute('aria-invalid')).toBe('true');
    const notice = page.locator('form .notice-error', { hasText: 'Проверьте отмеченные поля.' });
    expect(await notice.count()).toBe(1);
    // Both fields fixed: nothing is marked, and the notice pointing at marked fields goes with them.
    await page.fill('#name', 'Проверка полей');
    await page.fill('input[name=scheduled_at]', '2099-01-01T10:00');
    await expect.poll(() => notice.count()).toBe(0);
    // Fixed in the browser; the server's own limit (a group link over 300 characters) comes back at its field, in Russian.
    await page.fill('#name', 'Проверка полей');
    await page.locator('label', { hasText: 'Сохранить без запуска' }).click();
    await page.fill('#group', `@${'g'.repeat(320)}`);
    await page.click('button[type=submit]');
    const groupError = page.locator('.field:has(#group) [data-testid=error-target_group]');
    await groupError.waitFor();
    expect(await groupError.textContent()).toBe('слишком длинно: не больше 300 символов');
    expect(await page.locator('[data-testid=error-name]').count()).toBe(0);
    expect(page.url()).toMatch(/#\/tasks\/new$/);
    await page.close();
  });

  it('shows API errors as sentences', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/?token=${token}#/tasks/new`);
    await page.fill('#group', '@sandbox_no_admin');
    await page.locator('[data-testid=group-check]').waitFor();
    await page.setInputFiles('input[type=file]', { name: 'a.txt', mimeType: 'text/plain', buffer: Buffer.from('someone_else1\n') });
    await page.locator('[data-testid=file-preview]').waitFor();
    await page.click('button[type=submit]');
    // The server refuses a task that cannot start (TASK_CANNOT_START) and says why at the group field, in the UI's
    // language (Russian by default); nothing is created unless the user saves it as a draft.
    const alert = page.locator('[data-testid=error-target_group]');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/Ни один ваш аккаунт не админ группы «Sandbox Group Without Your Admins»/);
    expect(await page.locator('body').textContent()).not.toContain('[object Object]');
    await page.close();
  });
});
