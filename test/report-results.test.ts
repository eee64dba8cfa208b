import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVirtual } from '../src/scheduler/worker-loop.js';
import { addSandboxAccount, createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';

/**
 * Results people can read: the XLSX report (language, time zone, real Excel dates, a summary sheet), the CSV
 * for Excel (BOM, `;`), the zone validated, and the task list with running tasks first.
 */
let t: TestApp;
let task: { id: number };
beforeAll(async () => {
  t = await makeTestApp({}, { sandbox: { privacyRate: 0.34 } });
  await addSandboxAccount(t, 1, 'Report Sender');
  task = await createInviteTask(t, ['rep_one', 'rep_two', 'rep_three', 'rep_four', 'rep_five', 'rep_six'], { name: 'Отчёт; "кавычки", запятая' });
  expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/start` })).statusCode).toBe(200);
  await runVirtual(t.ctx.createWorker('report-test'), t.clock, t.clock.now().getTime() + 3 * 86400_000);
});
afterAll(async () => {
  await t?.close();
});

const xlsx = async (res: { body: string; rawPayload?: Buffer }) => {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
  return wb;
};
const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers: { ...headers } });
const authed = async (url: string, headers: Record<string, string> = {}) => get(url, { authorization: `Bearer ${await t.token(1)}`, ...headers });

describe('XLSX report', () => {
  it('is in Russian for a Russian reader, with a summary sheet, every target, and dates in the zone asked for', async () => {
    const res = await authed(`/api/v1/invite/tasks/${task.id}/report?format=xlsx&tz=Europe/Moscow`, { 'accept-language': 'ru' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers['content-disposition']).toContain(`task-${task.id}-report-sandbox.xlsx`);
    const wb = await xlsx(res);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Сводка', 'Получатели']);

    const counters = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}` })).json.counters;
    expect(counters.done).toBe(6);
    const summary = Object.fromEntries(
      wb
        .getWorksheet('Сводка')!
        .getSheetValues()
        .filter(Boolean)
        .map((r) => [(r as unknown[])[1], (r as unknown[])[2]]),
    );
    expect(summary.Задача).toBe('Отчёт; "кавычки", запятая');
    expect(summary.Статус).toBe('Завершена');
    // The same label as the CSV's and the app's banner.
    expect(summary.Режим).toBe('ПЕСОЧНИЦА (имитация, не настоящие результаты Telegram)');
    expect(summary['Всего получателей']).toBe(6);
    expect(summary.Приглашены).toBe(counters.invited);
    expect(summary.Пропущены).toBe(counters.skipped);
    expect(summary['Часовой пояс']).toBe('Europe/Moscow');
    // The task started at the test clock's 08:00 UTC: 11:00 on a Moscow wall clock, as a real Excel date.
    expect(summary.Запущена).toEqual(new Date('2026-01-05T11:00:00Z'));

    const sheet = wb.getWorksheet('Получатели')!;
    expect(sheet.rowCount).toBe(7);
    expect(sheet.getRow(1).values).toEqual([
      undefined,
      'ID',
      'Юзернейм',
      'ID в Telegram',
      'Телефон',
      'Имя',
      'Фамилия',
      'Статус',
      'Причина',
      'Код причины',
      'Аккаунт',
      'Попыток',
      'Обработан',
    ]);
    const statuses = [2, 3, 4, 5, 6, 7].map((r) => sheet.getRow(r).getCell(7).value);
    expect(statuses.filter((s) => s === 'Приглашён')).toHaveLength(counters.invited);
    expect(statuses.filter((s) => s === 'Пропущен')).toHaveLength(counters.skipped);
    expect(counters.skipped).toBeGreaterThan(0);
    const skipped = [2, 3, 4, 5, 6, 7].map((r) => sheet.getRow(r)).find((r) => r.getCell(7).value === 'Пропущен')!;
    expect(skipped.getCell(9).value).toBe('USER_PRIVACY_RESTRICTED');
    expect(skipped.getCell(8).value).toBe('настройки приватности запрещают приглашения');

    // processed_at: the database's instant, shifted to Moscow (+3) and stored as an Excel date with a Russian layout.
    const targets = await t.ctx.db.selectFrom('targets').select(['id', 'processed_at']).where('task_id', '=', task.id).orderBy('id').execute();
    const cell = sheet.getRow(2).getCell(12);
    expect(cell.value).toBeInstanceOf(Date);
    expect((cell.value as Date).getTime()).toBe(targets[0]!.processed_at!.getTime() + 3 * 3600_000);
    expect(cell.numFmt).toBe('dd.mm.yyyy hh:mm:ss');
    expect(sheet.getRow(2).getCell(2).value).toBe('@rep_one');
    expect(sheet.getRow(2).getCell(10).value).toBe('Report Sender');
  });

  it('is in English with dates in the UI’s zone (X-Time-Zone) for an English reader', async () => {
    const res = await authed(`/api/v1/invite/tasks/${task.id}/report?format=xlsx`, { 'accept-language': 'en', 'x-time-zone': 'America/New_York' });
    expect(res.statusCode).toBe(200);
    const wb = await xlsx(res);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Targets']);
    const sheet = wb.getWorksheet('Targets')!;
    expect(sheet.getRow(1).getCell(7).value).toBe('Status');
    expect(sheet.getRow(1).getCell(12).value).toBe('Processed at');
    expect(['Invited', 'Skipped']).toContain(sheet.getRow(2).getCell(7).value);
    const summary = Object.fromEntries(
      wb
        .getWorksheet('Summary')!
        .getSheetValues()
        .filter(Boolean)
        .map((r) => [(r as unknown[])[1], (r as unknown[])[2]]),
    );
    // 08:00 UTC in January is 03:00 in New York.
    expect(summary.Started).toEqual(new Date('2026-01-05T03:00:00Z'));
    expect(summary.Status).toBe('COMPLETED');
    expect(sheet.getRow(2).getCell(12).numFmt).toBe('yyyy-mm-dd hh:mm:ss');
  });

  it('refuses a time zone that does not exist, naming the field, in the reader’s language', async () => {
    const bad = await authed(`/api/v1/invite/tasks/${task.id}/report?format=xlsx&tz=Mars/Olympus`, { 'accept-language': 'ru' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details).toEqual([{ field: 'tz', message: expect.stringContaining('часовой пояс') }]);
    const badHeader = await authed(`/api/v1/invite/tasks/${task.id}/report?format=xlsx`, { 'accept-language': 'en', 'x-time-zone': 'Nowhere/Town' });
    expect(badHeader.statusCode).toBe(400);
    expect(badHeader.json().details).toEqual([{ field: 'X-Time-Zone', message: expect.stringContaining('unknown time zone') }]);
    expect((await authed(`/api/v1/invite/tasks/${task.id}/report?format=pdf`)).statusCode).toBe(400);
  });

  it('builds the same workbook in the background and serves it as XLSX', async () => {
    const queued = await t.api({
      method: 'POST',
      url: `/api/v1/invite/tasks/${task.id}/report/jobs?format=xlsx&tz=Asia/Tokyo`,
      headers: { 'accept-language': 'ru' },
    });
    expect(queued.statusCode).toBe(202);
    await t.ctx.jobs.runDue();
    const done = (await t.api({ method: 'GET', url: `/api/v1/invite/jobs/${queued.json.id}` })).json;
    expect(done.status).toBe('COMPLETED');
    expect(done.result).toMatchObject({ rows: 6, format: 'xlsx', filename: `task-${task.id}-report-sandbox.xlsx` });
    const file = await authed(done.download_url);
    expect(file.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const wb = await xlsx(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Сводка', 'Получатели']);
    expect(wb.getWorksheet('Получатели')!.rowCount).toBe(7);
    const summary = Object.fromEntries(
      wb
        .getWorksheet('Сводка')!
        .getSheetValues()
        .filter(Boolean)
        .map((r) => [(r as unknown[])[1], (r as unknown[])[2]]),
    );
    expect(summary.Запущена).toEqual(new Date('2026-01-05T17:00:00Z'));
  });
});

describe('activity series in the reader’s time zone', () => {
  it('cuts hours and days at the reader’s local hour and midnight, with skipped and failed per bucket', async () => {
    const stats = async (tz: string) => (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/stats`, headers: { 'x-time-zone': tz } })).json;
    const utc = await stats('UTC');
    const india = await stats('Asia/Kolkata'); // +05:30: an hour there starts at :30 UTC
    expect(utc.per_hour.length).toBeGreaterThan(0);
    expect(utc.per_hour.every((p: { at: string }) => p.at.slice(14, 16) === '00')).toBe(true);
    expect(india.per_hour.every((p: { at: string }) => p.at.slice(14, 16) === '30')).toBe(true);
    expect(india.per_day[0].at).toMatch(/T18:30:00\.000Z$/);
    const sum = (xs: Array<Record<string, number>>, k: string) => xs.reduce((n, x) => n + x[k]!, 0);
    expect(sum(utc.per_day, 'succeeded')).toBe(utc.counters.invited);
    expect(sum(utc.per_day, 'skipped')).toBe(utc.counters.skipped);
    expect(sum(india.per_hour, 'skipped')).toBe(utc.counters.skipped);
    expect(sum(utc.per_day, 'failed')).toBe(0);

    const dash = async (tz: string) =>
      (await t.api({ method: 'GET', url: '/api/v1/invite/dashboard/summary', headers: { 'x-time-zone': tz } })).json.last_30_days as Array<{ day: string }>;
    // The first invites went out at 08:00 UTC on 5 January: still 4 January in Pago Pago (−11).
    expect((await dash('UTC'))[0]!.day).toBe('2026-01-05');
    expect((await dash('Pacific/Pago_Pago'))[0]!.day).toBe('2026-01-04');
  });
});

describe('CSV for Excel', () => {
  it('starts with a UTF-8 BOM and the header row, splits on `;` when asked, quoting cells that hold one', async () => {
    const comma = await authed(`/api/v1/invite/tasks/${task.id}/report`);
    expect(comma.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(comma.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    // Nothing above the table: the header is the first line (a «# title» line became row 1 above it in Excel).
    expect(comma.body.replace(/^\uFEFF/, '').split('\n')[0]).toBe(
      'target_id,username,user_id,phone,first_name,last_name,status,error_code,reason,account,attempts,processed_at,status_code',
    );

    const semi = await authed(`/api/v1/invite/tasks/${task.id}/report?delimiter=;`);
    expect(semi.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = semi.body
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\n');
    expect(lines[0]).toBe('target_id;username;user_id;phone;first_name;last_name;status;error_code;reason;account;attempts;processed_at;status_code');
    expect(lines[1]!.split(';')[1]).toBe('rep_one');
    expect(lines[1]!.split(';')).toHaveLength(13);
    // Six targets, one blank line that ends the table, then what the file is about, a «label: value» cell a line:
    // the task (quoted, it holds `;`) and the SANDBOX label.
    expect(lines[7]).toBe('');
    expect(lines[8]).toBe('"Task: Отчёт; ""кавычки"", запятая"');
    expect(lines[9]).toBe('"Platform mode: SANDBOX (simulated, not real Telegram results)"');
    expect(lines.slice(1, 7).every((l) => l.split(';').length === 13)).toBe(true);
    expect((await authed(`/api/v1/invite/tasks/${task.id}/report?delimiter=semicolon`)).body).toBe(semi.body);
  });
});

describe('group titles', () => {
  it('names the groups an account has invited into by title, not by id', async () => {
    const accounts = (await t.api({ method: 'GET', url: '/api/v1/invite/accounts' })).json;
    const sender = (Array.isArray(accounts) ? accounts : accounts.items).find((a: { label: string }) => a.label === 'Report Sender');
    expect(Object.keys(sender.lifetime_by_group)).toEqual(['-1001000000001']);
    expect(sender.group_titles).toEqual({ '-1001000000001': 'Sandbox Marketing Chat' });
  });
});

describe('task list', () => {
  it('shows running tasks first, then the order asked for, with the created date and the invited count', async () => {
    const u = 31;
    await addSandboxAccount(t, u, 'List Sender');
    const mk = async (name: string) => (await createInviteTask(t, [`${name}_a`, `${name}_b`], { name }, u)).id as number;
    const first = await mk('list_first');
    t.clock.advanceSeconds(60);
    const running = await mk('list_running');
    t.clock.advanceSeconds(60);
    const last = await mk('list_last');
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${running}/start`, user: u })).json.status).toBe('IN_PROGRESS');
    await runVirtual(t.ctx.createWorker('list-test'), t.clock, t.clock.now().getTime() + 60_000, { maxActions: 1 });

    const list = (await t.api({ method: 'GET', url: '/api/v1/invite/tasks', user: u })).json.items;
    expect(list.map((x: { id: number }) => x.id)).toEqual([running, last, first]);
    expect(list[0].status).toBe('IN_PROGRESS');
    const detail = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${running}`, user: u })).json;
    expect(list[0].counters.done).toBe(1);
    expect(list[0].counters.invited).toBe(detail.counters.invited);
    expect(Date.parse(list[1].created_at) - Date.parse(list[2].created_at)).toBe(120_000);
    const byName = (await t.api({ method: 'GET', url: '/api/v1/invite/tasks?sort=name&order=asc', user: u })).json.items;
    expect(byName.map((x: { id: number }) => x.id)).toEqual([running, first, last]);
    const plain = (await t.api({ method: 'GET', url: '/api/v1/invite/tasks?running_first=false', user: u })).json.items;
    expect(plain.map((x: { id: number }) => x.id)).toEqual([last, running, first]);
  });
});
