import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVirtual } from '../src/scheduler/worker-loop.js';
import { multipartBody } from './helpers/multipart.js';
import { addSandboxAccount, createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';

/**
 * Reports a Russian marketer opens and acts on (a review walk's findings): the CSV opens in Excel as a table (header
 * first, Russian statuses with the codes kept apart, times in the zone as Excel date-times, usernames without a formula's @, what the file
 * is about after the rows); a failed task's report says why it failed; a direct-message report holds each text sent.
 */
let t: TestApp;
let invite: { id: number };
let dm: { id: number };
let failed: { id: number };
beforeAll(async () => {
  // The deployment's zone is Moscow: a report asked for without a zone uses it (as the XLSX does).
  t = await makeTestApp({ LIMITS_TIME_ZONE: 'Europe/Moscow' }, { sandbox: { privacyRate: 0.34 } });
  await addSandboxAccount(t, 1, 'Отправитель');
  invite = await createInviteTask(t, ['mk_one', 'mk_two', 'mk_three', 'mk_four', 'mk_five', 'mk_six'], { name: 'Осенняя рассылка' });
  const created = await t.api({
    method: 'POST',
    url: '/api/v1/invite/tasks',
    payload: {
      type: 'direct_message',
      name: 'Личные приглашения',
      message_template: 'Привет, {first_name|друг}! Скидка 10% для {username}.\nДо встречи, "Команда"',
      targets: [{ username: 'dm_anna', first_name: 'Анна' }, { username: 'dm_boris' }, { username: 'blocked_carl' }],
    },
  });
  expect(created.statusCode).toBe(201);
  dm = created.json;
  for (const id of [invite.id, dm.id]) expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${id}/start` })).statusCode).toBe(200);
  await runVirtual(t.ctx.createWorker('report-marketer'), t.clock, t.clock.now().getTime() + 3 * 86400_000);
  // A task the scheduler ended because every account used up its lifetime allowance into the group (task-status.ts).
  failed = await createInviteTask(t, ['mk_late_one', 'mk_late_two'], { name: 'Упёрлась в лимит' });
  await t.ctx.db
    .updateTable('tasks')
    .set({ status: 'FAILED', status_reason: 'TASK_REASON.group_lifetime_exhausted', status_reason_params: JSON.stringify({ limit: 200 }) })
    .where('id', '=', failed.id)
    .execute();
});
afterAll(async () => {
  await t?.close();
});

const RU = { 'accept-language': 'ru' };
const EN = { 'accept-language': 'en' };
const report = async (id: number, query: string, headers: Record<string, string>) =>
  t.app.inject({ method: 'GET', url: `/api/v1/invite/tasks/${id}/report${query}`, headers: { authorization: `Bearer ${await t.token(1)}`, ...headers } });
const unquote = (cell: string) => (cell.startsWith('"') ? cell.slice(1, -1).replaceAll('""', '"') : cell);
/** The CSV's lines without the BOM and the last newline. */
const csvLines = (body: string) =>
  body
    .replace(/^\uFEFF/, '')
    .replace(/\n$/, '')
    .split('\n');
/** The table (header and rows, up to the blank line) and the lines about the file after it, as label → value (unquoted). */
const csvParts = (body: string, sep: string) => {
  const lines = csvLines(body);
  const blank = lines.indexOf('');
  expect(blank).toBeGreaterThan(0);
  // One cell a line, «label: value», in the first column (a value under «username» would import back as a person).
  const info = Object.fromEntries(
    lines
      .slice(blank + 1)
      .map(unquote)
      .map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]),
  );
  expect(lines.slice(blank + 1).every((l) => /^"(?:[^"]|"")*"$/.test(l) || !l.includes(sep))).toBe(true);
  return { header: lines[0]!, rows: lines.slice(1, blank), info };
};
const workbook = async (res: { rawPayload?: Buffer }) => {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
  return wb;
};
const summaryOf = (wb: ExcelJS.Workbook) =>
  Object.fromEntries(
    wb.worksheets[0]!.getSheetValues()
      .filter(Boolean)
      .map((r) => [(r as unknown[])[1], (r as unknown[])[2]]),
  );
const processedAt = async (taskId: number) =>
  (await t.ctx.db.selectFrom('targets').select(['username', 'processed_at', 'status']).where('task_id', '=', taskId).orderBy('id').execute()).map((r) => ({
    ...r,
    processed_at: r.processed_at!,
  }));
const wall = (d: Date, offsetHours: number) => new Date(d.getTime() + offsetHours * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

describe('the CSV a Russian marketer opens in Excel', () => {
  it('is a table from its first line: Russian header, statuses in Russian with the codes apart, Moscow times, plain usernames', async () => {
    const res = await report(invite.id, '?delimiter=;', RU);
    expect(res.statusCode).toBe(200);
    expect(res.body.startsWith('\uFEFF')).toBe(true);
    const { header, rows, info } = csvParts(res.body, ';');
    expect(csvLines(res.body).some((l) => l.startsWith('#'))).toBe(false);
    expect(header).toBe('id получателя;юзернейм;id пользователя;телефон;имя;фамилия;статус;код причины;причина;аккаунт;попыток;обработан;код статуса');
    expect(rows).toHaveLength(6);
    const targets = await processedAt(invite.id);
    const cells = rows.map((r) => r.split(';'));
    for (const [i, c] of cells.entries()) {
      expect(c).toHaveLength(13);
      expect(c[1]).toBe(targets[i]!.username);
      // The status in Russian (as the XLSX), the code in the last column for programs.
      expect(c[6]).toBe(targets[i]!.status === 'INVITED' ? 'Приглашён' : 'Пропущен');
      expect(c[12]).toBe(targets[i]!.status);
      // Moscow (+3, the deployment's zone: no tz asked) as `YYYY-MM-DD HH:MM:SS`, which Excel reads as a date-time.
      expect(c[11]).toBe(wall(targets[i]!.processed_at, 3));
      expect(c[11]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    }
    expect(cells.some((c) => c[6] === 'Пропущен' && c[7] === 'USER_PRIVACY_RESTRICTED' && c[8] === 'настройки приватности запрещают приглашения')).toBe(true);
    expect(cells.some((c) => c[6] === 'Приглашён' && c[9] === 'Отправитель')).toBe(true);
    // What the file is about, after the table: the SANDBOX label, the status, the zone its times are in.
    expect(info).toMatchObject({
      Задача: 'Осенняя рассылка',
      Режим: 'ПЕСОЧНИЦА (имитация, не настоящие результаты Telegram)',
      Статус: 'Завершена',
      'Часовой пояс': 'Europe/Moscow',
    });
    expect(info.Причина).toBeUndefined();
    expect(info['Отчёт создан']).toBe(wall(t.clock.now(), 3));
  });

  it('is the same table in English, in the zone asked for (tz), with the same time layout', async () => {
    const res = await report(invite.id, '?tz=America/New_York', EN);
    const { header, rows, info } = csvParts(res.body, ',');
    expect(header).toBe('target_id,username,user_id,phone,first_name,last_name,status,error_code,reason,account,attempts,processed_at,status_code');
    const targets = await processedAt(invite.id);
    const first = rows[0]!.split(',');
    expect(first[1]).toBe(targets[0]!.username);
    expect(first[6]).toBe(targets[0]!.status === 'INVITED' ? 'Invited' : 'Skipped');
    expect(first[12]).toBe(targets[0]!.status);
    expect(first[11]).toBe(wall(targets[0]!.processed_at, -5));
    expect(info).toMatchObject({
      Task: 'Осенняя рассылка',
      'Platform mode': 'SANDBOX (simulated, not real Telegram results)',
      'Time zone': 'America/New_York',
    });
  });

  it('imports back as exactly its people (to retry the skipped): the usernames read, the lines after the table add nobody', async () => {
    for (const [headers, query] of [
      [EN, ''],
      [RU, '?delimiter=;'],
    ] as const) {
      const file = await report(invite.id, query, headers);
      const dry = await t.api({ method: 'POST', url: '/api/v1/invite/import/file?dry_run=true', ...multipartBody('report.csv', file.body) });
      expect(dry.statusCode).toBe(200);
      expect(dry.json.imported).toBe(6);
      expect(dry.json.preview.map((p: { username: string }) => p.username)).toEqual(['mk_one', 'mk_two', 'mk_three', 'mk_four', 'mk_five', 'mk_six']);
    }
  });

  it('is built the same by a background job', async () => {
    const queued = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${invite.id}/report/jobs?delimiter=;`, headers: RU });
    expect(queued.statusCode).toBe(202);
    await t.ctx.jobs.runDue();
    const done = (await t.api({ method: 'GET', url: `/api/v1/invite/jobs/${queued.json.id}` })).json;
    expect(done.status).toBe('COMPLETED');
    // Rows are the targets, not the file's lines (the header and the lines after the table are not counted).
    expect(done.result.rows).toBe(6);
    const file = await t.api({ method: 'GET', url: done.download_url });
    expect(file.headers['content-disposition']).toContain(`task-${invite.id}-report-sandbox.csv`);
    const direct = await report(invite.id, '?delimiter=;', RU);
    expect(csvParts(file.body, ';').rows).toEqual(csvParts(direct.body, ';').rows);
    expect(csvParts(file.body, ';').info.Режим).toMatch(/^ПЕСОЧНИЦА/);
  });
});

describe('a failed task’s report says why', () => {
  it('in the XLSX summary, under the status, in the reader’s language', async () => {
    const ru = summaryOf(await workbook(await report(failed.id, '?format=xlsx', RU)));
    expect(ru.Статус).toBe('Ошибка');
    expect(ru.Причина).toBe('Задача остановлена: лимит 200 приглашений в эту группу исчерпан всеми аккаунтами — добавьте аккаунт и запустите копию задачи.');
    const en = summaryOf(await workbook(await report(failed.id, '?format=xlsx', EN)));
    expect(en.Status).toBe('FAILED');
    expect(en.Reason).toBe(
      'The task stopped: the limit of 200 invites into this group is used up by every account. Add an account and run a duplicate of the task.',
    );
    // A task that ended well has no reason line.
    expect(summaryOf(await workbook(await report(invite.id, '?format=xlsx', RU))).Причина).toBeUndefined();
  });

  it('in the CSV’s lines after the table', async () => {
    const { info, rows } = csvParts((await report(failed.id, '?delimiter=;', RU)).body, ';');
    expect(rows).toHaveLength(2);
    expect(info.Статус).toBe('Ошибка');
    expect(info.Причина).toBe('Задача остановлена: лимит 200 приглашений в эту группу исчерпан всеми аккаунтами — добавьте аккаунт и запустите копию задачи.');
  });
});

describe('a direct-message task’s report holds the text each person was sent', () => {
  it('in the XLSX: a «Текст сообщения» column, filled for the people sent to, as they received it', async () => {
    const sent = t.ctx.sandboxWorld.events.filter((e) => e.action === 'message');
    expect(sent).toHaveLength(2);
    const wb = await workbook(await report(dm.id, '?format=xlsx', RU));
    const sheet = wb.worksheets[1]!;
    expect(sheet.getRow(1).getCell(13).value).toBe('Текст сообщения');
    const byUser = new Map<string, { status: unknown; message: unknown }>();
    for (let r = 2; r <= sheet.rowCount; r++) {
      const row = sheet.getRow(r);
      byUser.set(String(row.getCell(2).value), { status: row.getCell(7).value, message: row.getCell(13).value });
    }
    expect(byUser.get('@dm_anna')).toEqual({ status: 'Отправлено', message: 'Привет, Анна! Скидка 10% для @dm_anna.\nДо встречи, "Команда"' });
    expect(byUser.get('@dm_boris')).toEqual({ status: 'Отправлено', message: 'Привет, друг! Скидка 10% для @dm_boris.\nДо встречи, "Команда"' });
    // Exactly what the platform was handed.
    expect(sent.map((e) => e.text).sort()).toEqual([byUser.get('@dm_anna')!.message, byUser.get('@dm_boris')!.message].sort());
    // Not sent: no text.
    expect(byUser.get('@blocked_carl')!.status).toBe('Пропущен');
    expect(byUser.get('@blocked_carl')!.message).toBeNull();
    expect((await workbook(await report(dm.id, '?format=xlsx', EN))).worksheets[1]!.getRow(1).getCell(13).value).toBe('Message');
    // An invite task sends no text: no such column.
    expect((await workbook(await report(invite.id, '?format=xlsx', RU))).worksheets[1]!.getRow(1).cellCount).toBe(12);
  });

  it('the text edited while the task runs: each person’s row holds the text they were sent, not the latest', async () => {
    const created = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      payload: {
        type: 'direct_message',
        name: 'Правка на ходу',
        message_template: 'Первый текст для {first_name|друга}',
        targets: [{ username: 'edit_first', first_name: 'Ира' }, { username: 'edit_second', first_name: 'Олег' }, { username: 'edit_third' }],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json.id;
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${id}/start` })).statusCode).toBe(200);
    const worker = t.ctx.createWorker('report-edit');
    // One account, 10–15 minutes between its messages: within 5 minutes only the first person is sent to.
    await runVirtual(worker, t.clock, t.clock.now().getTime() + 5 * 60_000);
    const edit = (message_template: string) => t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${id}`, payload: { message_template } });
    expect((await edit('Второй текст для {first_name|друга}')).statusCode).toBe(200);
    await runVirtual(worker, t.clock, t.clock.now().getTime() + 12 * 60_000 + 5 * 60_000);
    expect((await edit('Третий текст для {first_name|друга}')).statusCode).toBe(200);
    await runVirtual(worker, t.clock, t.clock.now().getTime() + 86400_000);
    const handed = new Map(t.ctx.sandboxWorld.events.filter((e) => e.action === 'message' && e.person.includes('edit_')).map((e) => [e.person, e.text]));
    expect([...handed.values()]).toEqual(['Первый текст для Ира', 'Второй текст для Олег', 'Третий текст для друга']);

    const sheet = (await workbook(await report(id, '?format=xlsx', RU))).worksheets[1]!;
    const byUser = new Map<string, unknown>();
    for (let r = 2; r <= sheet.rowCount; r++) byUser.set(String(sheet.getRow(r).getCell(2).value), sheet.getRow(r).getCell(13).value);
    expect(Object.fromEntries(byUser)).toEqual({
      '@edit_first': 'Первый текст для Ира',
      '@edit_second': 'Второй текст для Олег',
      '@edit_third': 'Третий текст для друга',
    });
    const csv = (await report(id, '?delimiter=;', RU)).body;
    expect(csv).toContain(';SENT;Первый текст для Ира\n');
    expect(csv).toContain(';SENT;Второй текст для Олег\n');
  });

  it('in the CSV: a last column with the text (quoted: it holds a line break and quotes)', async () => {
    const res = await report(dm.id, '?delimiter=;', RU);
    const text = res.body.replace(/^\uFEFF/, '');
    expect(text.split('\n')[0]).toMatch(/;код статуса;текст сообщения$/);
    expect(text).toContain(';SENT;"Привет, Анна! Скидка 10% для @dm_anna.\nДо встречи, ""Команда"""\n');
    expect(text).toContain(';SENT;"Привет, друг! Скидка 10% для @dm_boris.\nДо встречи, ""Команда"""\n');
    expect(text).toMatch(/;blocked_carl;[^\n]*;Пропущен;[^\n]*;SKIPPED;\n/);
    expect((await report(dm.id, '', EN)).body.split('\n')[0]).toMatch(/,status_code,message$/);
  });
});

describe('the execution log speaks the reader’s language', () => {
  const logs = async (id: number, headers: Record<string, string>) =>
    (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${id}/logs?page_size=100`, headers })).json.items as {
      id: number;
      result: string;
      message: string;
      target_label: string;
      error_code: string | null;
    }[];

  it('each entry’s message in Russian for a Russian reader, as the worker stored it for an English one', async () => {
    const [ru, en] = [await logs(invite.id, RU), await logs(invite.id, EN)];
    expect(ru.map((l) => l.id)).toEqual(en.map((l) => l.id));
    const added = ru.find((l) => l.result === 'SUCCESS')!;
    expect(added.message).toBe(`Пользователь ${added.target_label} добавлен в Sandbox Marketing Chat`);
    expect(en.find((l) => l.id === added.id)!.message).toBe(`User ${added.target_label} added to Sandbox Marketing Chat`);
    // The sandbox's privacy refusals: the reason from its code, in Russian.
    const refused = ru.find((l) => l.error_code === 'USER_PRIVACY_RESTRICTED')!;
    expect(refused.message).toMatch(new RegExp(`^Не удалось пригласить ${refused.target_label}: [А-Яа-яЁё]`));
    expect(en.find((l) => l.id === refused.id)!.message).toMatch(new RegExp(`^Could not invite ${refused.target_label}: .*privacy`));
    for (const l of ru) expect(l.message).not.toMatch(/\b(User|Could not|added to|Message sent)\b/);

    const dmRu = await logs(dm.id, RU);
    expect(
      dmRu
        .filter((l) => l.result === 'SUCCESS')
        .map((l) => l.message)
        .sort(),
    ).toEqual(['Сообщение отправлено @dm_anna', 'Сообщение отправлено @dm_boris']);
    // The Mailing page's log (the platform's page) reads the same sentences.
    const compat = await t.api({ method: 'GET', url: `/api/v1/tasks/${invite.id}/logs?limit=50`, headers: RU });
    expect(compat.json.logs.find((l: { id: number }) => l.id === added.id).details).toBe(added.message);
  });
});
