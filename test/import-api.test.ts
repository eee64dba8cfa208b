import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { addSandboxAccount, createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';
import { multipartBody } from './helpers/multipart.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp({ MAX_IMPORT_FILE_BYTES: String(64 * 1024) });
  await addSandboxAccount(t);
});
afterAll(async () => {
  await t?.close();
});

async function upload(filename: string, content: Buffer | string, query = '', fields: Record<string, string> = {}) {
  const body = multipartBody(filename, content, fields);
  return t.api({ method: 'POST', url: `/api/v1/invite/import/file${query}`, payload: body.payload, headers: body.headers });
}

describe('file import', () => {
  it('imports a CSV with headers, normalising and de-duplicating, and reports row errors', async () => {
    const task = await createInviteTask(t, ['existing_one']);
    const csv = [
      'Username;Phone;First Name;Last Name',
      '@csv_alice;+1 415 555 0101;Alice;Smith',
      'https://t.me/csv_bob;;Bob;',
      'CSV_ALICE;;dup;', // same person as row 2 (usernames are case-insensitive)
      'existing_one;;Already;There', // already in the task
      'no good;;;',
      ';+44 20 7946 0958;Phone;Only',
    ].join('\n');
    const res = await upload('people.csv', csv, `?task_id=${task.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({ format: 'csv', dry_run: false, total_rows: 6, imported: 3, duplicates: 2, invalid: 1 });
    expect(res.json.errors).toEqual([{ row: 6, reason: expect.stringMatching(/"no good" is not a valid username/) }]);
    const targets = await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/targets` });
    const alice = targets.json.items.find((x: any) => x.username === 'csv_alice');
    expect(alice).toMatchObject({ phone: '+14155550101', first_name: 'Alice', last_name: 'Smith', source: 'FILE_UPLOAD' });
    expect(targets.json.items.find((x: any) => x.phone === '+442079460958')).toBeTruthy();
  });

  it('imports a header-less TXT file with usernames, ids and phones', async () => {
    const task = await createInviteTask(t, []);
    const res = await upload('list.txt', '# exported list\n@txt_alice\n\n123456789\n+14155550111\ntxt_alice\n!!\n', `?task_id=${task.id}`);
    expect(res.json).toMatchObject({ format: 'txt', imported: 3, duplicates: 1, invalid: 1 });
  });

  it('imports JSON arrays and Parsing Service style exports', async () => {
    const task = await createInviteTask(t, []);
    const doc = {
      items: [
        { username: 'json_alice', display_name: 'Alice J' },
        { platform_id: 4242, platform_specific_data: { first_name: 'Bo' } },
        'json_carol',
        { nothing: true },
      ],
    };
    const res = await upload('export.json', JSON.stringify(doc), `?task_id=${task.id}`);
    expect(res.json).toMatchObject({ format: 'json', imported: 3, invalid: 1 });
  });

  it('imports an XLSX workbook', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Audience');
    ws.addRow(['user_id', 'username', 'mobile', 'name']);
    ws.addRow([111222333, 'xlsx_alice', '+14155550177', 'Alice Excel']);
    ws.addRow([null, '@xlsx_bob', null, 'Bob Excel']);
    ws.addRow([null, 'x', null, 'Bad Row']);
    const buf = Buffer.from(await wb.xlsx.writeBuffer());
    const task = await createInviteTask(t, []);
    const res = await upload('audience.xlsx', buf, `?task_id=${task.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({ format: 'xlsx', total_rows: 3, imported: 2, invalid: 1 });
    const targets = await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/targets?search=xlsx_alice` });
    expect(targets.json.items[0]).toMatchObject({ user_id_platform: '111222333', phone: '+14155550177', first_name: 'Alice', last_name: 'Excel' });
  });

  it('validates without saving on a dry run, with a preview', async () => {
    const res = await upload('check.csv', 'username\ndry_alice\ndry_bob\ndry_alice\n', '?dry_run=true');
    expect(res.json).toMatchObject({ dry_run: true, imported: 2, duplicates: 1, task_id: null });
    // The preview shows the first valid rows as they will be stored, in file order.
    expect(res.json.preview.map((p: any) => [p.row, p.username])).toEqual([
      [2, 'dry_alice'],
      [3, 'dry_bob'],
      [4, 'dry_alice'],
    ]);
  });

  it('answers malformed files with a 400 and never a 500', async () => {
    const cases: Array<[string, Buffer | string]> = [
      ['broken.xlsx', Buffer.from('PK\u0003\u0004 this is not really a zip file at all')],
      ['broken.json', '{"items": [1, 2'],
      ['scalar.json', '42'],
      ['empty.csv', ''],
      ['old.xls', 'whatever'],
      ['garbage.bin', Buffer.from([0, 159, 146, 150, 255, 0, 1, 2])],
    ];
    for (const [name, content] of cases) {
      const res = await upload(name, content, '?dry_run=true');
      expect(res.statusCode, name).toBeLessThan(500);
      if (res.statusCode !== 200) {
        expect(typeof res.json.message, name).toBe('string');
        expect(res.json.message, name).not.toContain('[object Object]');
      }
    }
    const xls = await upload('old.xls', 'x', '?dry_run=true');
    expect(xls.json.message).toMatch(/save the sheet as \.xlsx/);
    const json = await upload('broken.json', '{"items": [1, 2', '?dry_run=true');
    expect(json.statusCode).toBe(400);
    expect(json.json.message).toMatch(/not valid JSON/);
    // Where a JSON or CSV file breaks, in the reader's language: cut off, or at a line (not a character count).
    const inRussian = async (filename: string, content: string) => {
      const body = multipartBody(filename, content);
      const res = await t.api({
        method: 'POST',
        url: '/api/v1/invite/import/file?dry_run=true',
        payload: body.payload,
        headers: { ...body.headers, 'accept-language': 'ru' },
      });
      expect(res.statusCode).toBe(400);
      return res.json.message as string;
    };
    expect(await inRussian('broken.json', '{"items": [1, 2')).toMatch(/^Файл — не корректный JSON: он обрывается/);
    expect(await inRussian('broken.json', '[\n  {"username": "first_one"}\n  {"username": "second_one"}\n]')).toBe(
      'Файл — не корректный JSON: ошибка в строке 3, символ 3.',
    );
    // A CSV the parser refuses says at which line, and what to do, in either language.
    expect(await inRussian('people.csv', 'username\n@good_person\n"bad"person\n@other_person\n')).toBe(
      'Не удалось прочитать CSV-файл: в строке 3 после закрывающей кавычки идёт текст (кавычку внутри значения в кавычках пишут дважды: "").',
    );
    // A workbook that cannot be read: what to do, in Russian (the zip reader's English stays out of the sentence).
    expect(await inRussian('book.xlsx', 'PK\u0003\u0004 not really a workbook')).toMatch(/^Файл — не читаемая книга \.xlsx: откройте его в Excel/);
    const unclosed = await upload('people.csv', 'username,first_name\n@good_person,"Anna\n@other_person,Bob\n', '?dry_run=true');
    expect(unclosed.json.message).toBe('The CSV file could not be read: a quoted value is never closed (the file ends inside it, at line 3).');
    const english = await upload('broken.json', '[\n  {"username": "first_one"},\n  {"username": "second_one",}\n]', '?dry_run=true');
    expect(english.json.message).toBe('The file is not valid JSON at line 3, column 29: Expected double-quoted property name.');
  });

  it('refuses a file over the size limit and keeps nothing from it', async () => {
    const task = await createInviteTask(t, []);
    const rows = Array.from({ length: 8000 }, (_, i) => `big_person_${i}`).join('\n'); // ~120 KB > 64 KB limit
    const res = await upload('big.txt', rows, `?task_id=${task.id}`);
    expect(res.statusCode).toBe(413);
    expect(res.json.message).toMatch(/larger than the 0.1 MB limit/);
    const after = await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}` });
    expect(after.json.counters.total).toBe(0);
  });

  it('rolls back a partly imported file when the upload turns out too large (size not declared up front)', async () => {
    const task = await createInviteTask(t, []);
    const rows = Array.from({ length: 8000 }, (_, i) => `chunked_person_${i}`).join('\n');
    const body = multipartBody('big.txt', rows);
    const { Readable } = await import('node:stream');
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/invite/import/file?task_id=${task.id}`,
      payload: Readable.from([body.payload]),
      headers: { ...body.headers, authorization: `Bearer ${await t.token()}` },
    });
    expect(res.statusCode).toBe(413);
    const after = await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}` });
    expect(after.json.counters.total).toBe(0);
    // Queued as a background job instead: the same 413, and no job is left behind.
    const queued = await t.app.inject({
      method: 'POST',
      url: `/api/v1/invite/import/file?task_id=${task.id}&background=true`,
      payload: Readable.from([body.payload]),
      headers: { ...body.headers, authorization: `Bearer ${await t.token()}` },
    });
    expect(queued.statusCode).toBe(413);
    expect(queued.json().message).toMatch(/larger than the 0.1 MB limit/);
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/jobs?task_id=${task.id}` })).json.total).toBe(0);
  });

  it('applies the task cap across the batches of a long import', async () => {
    const capped = await makeTestApp({ MAX_TARGETS_PER_TASK: '2500', MAX_IMPORT_FILE_BYTES: String(1024 * 1024) });
    try {
      await addSandboxAccount(capped);
      const task = await createInviteTask(capped, ['already_there1']);
      const rows = Array.from({ length: 4200 }, (_, i) => `batch_person_${i % 4000}`).join('\n'); // 200 repeats
      const body = multipartBody('many.txt', rows);
      const res = await capped.api({ method: 'POST', url: `/api/v1/invite/import/file?task_id=${task.id}`, payload: body.payload, headers: body.headers });
      expect(res.json).toMatchObject({ total_rows: 4200, imported: 2499, over_limit: 1501, duplicates: 200 });
      expect((await capped.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}` })).json.counters.total).toBe(2500);
      const more = await capped.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/targets`, payload: { targets: ['one_more_person'] } });
      expect(more.json).toMatchObject({ imported: 0, over_limit: 1 });
    } finally {
      await capped.close();
    }
  });

  it('says in a dry run how many people would go past the cap, as the import then does', async () => {
    const capped = await makeTestApp({ MAX_TARGETS_PER_TASK: '5' });
    try {
      await addSandboxAccount(capped);
      // Eight different people and one repeat; the cap is five.
      const rows = ['cap_person_1', 'cap_person_2', 'cap_person_2', ...Array.from({ length: 6 }, (_, i) => `cap_person_${i + 3}`)].join('\n');
      const send = (query: string) => {
        const body = multipartBody('people.txt', rows);
        return capped.api({ method: 'POST', url: `/api/v1/invite/import/file${query}`, payload: body.payload, headers: body.headers });
      };
      // No task yet (the create form): a new task takes the whole cap.
      expect((await send('?dry_run=true')).json).toMatchObject({ total_rows: 9, imported: 5, duplicates: 1, over_limit: 3, room: 5 });
      // A task holding two people has room for three; the import then does what its dry run said.
      const task = await createInviteTask(capped, ['cap_person_1', 'someone_else']);
      // cap_person_1 is already in the task: a duplicate using no room, in the dry run as in the import.
      const dry = (await send(`?dry_run=true&task_id=${task.id}`)).json;
      expect(dry).toMatchObject({ imported: 3, duplicates: 2, over_limit: 4, room: 3 });
      // Each previewed row says what the import will do with it (the form shows it beside the person).
      expect(dry.preview.map((p: any) => [p.row, p.username, p.skip])).toEqual([
        [1, 'cap_person_1', 'IN_TASK'],
        [2, 'cap_person_2', null],
        [3, 'cap_person_2', 'REPEATED'],
        [4, 'cap_person_3', null],
        [5, 'cap_person_4', null],
        [6, 'cap_person_5', 'OVER_LIMIT'],
        [7, 'cap_person_6', 'OVER_LIMIT'],
        [8, 'cap_person_7', 'OVER_LIMIT'],
        [9, 'cap_person_8', 'OVER_LIMIT'],
      ]);
      const real = (await send(`?task_id=${task.id}`)).json;
      expect(real).toMatchObject({ imported: 3, duplicates: 2, over_limit: 4, room: null });
      expect((await capped.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}` })).json.counters.total).toBe(5);
      // A person on the do-not-contact list is added as skipped: marked so in the preview, and counted.
      await capped.api({ method: 'POST', url: '/api/v1/invite/do-not-contact', payload: { entries: ['cap_person_3'] } });
      const empty = await createInviteTask(capped, ['someone_else']);
      const hygienic = (await send(`?dry_run=true&task_id=${empty.id}`)).json;
      expect(hygienic).toMatchObject({ imported: 4, do_not_contact: 1, over_limit: 4 });
      expect(hygienic.preview.map((p: any) => p.skip).slice(0, 5)).toEqual([null, null, 'REPEATED', 'DO_NOT_CONTACT', null]);
      // Inline rows are validated against the cap of a new task too.
      const validated = await capped.api({ method: 'POST', url: '/api/v1/invite/import/validate', payload: { rows: rows.split('\n') } });
      expect(validated.json).toMatchObject({ imported: 5, over_limit: 3, room: 5 });
    } finally {
      await capped.close();
    }
  });

  it("will not import into another user's task", async () => {
    const task = await createInviteTask(t, []);
    const body = multipartBody('x.txt', 'someone_new');
    const res = await t.api({ method: 'POST', url: `/api/v1/invite/import/file?task_id=${task.id}`, payload: body.payload, headers: body.headers, user: 2 });
    expect(res.statusCode).toBe(404);
  });

  it('needs a multipart upload', async () => {
    const res = await t.api({ method: 'POST', url: '/api/v1/invite/import/file', payload: { a: 1 } });
    expect(res.statusCode).toBe(400);
    expect(res.json.message).toMatch(/multipart/);
  });
});

/** A dry run read by a Russian (the UI sends Accept-Language) or an English reader. */
async function dryRun(filename: string, content: Buffer | string, lang: 'ru' | 'en' = 'ru', query = '?dry_run=true') {
  const body = multipartBody(filename, content);
  return t.api({ method: 'POST', url: `/api/v1/invite/import/file${query}`, payload: body.payload, headers: { ...body.headers, 'accept-language': lang } });
}

describe("a marketer's exports", () => {
  it('reads a «ФИО» column surname first, so {first_name} is the first name', async () => {
    const task = await createInviteTask(t, []);
    const csv = 'Ник;ФИО;Телефон\nfio_ivanov;Иванов Иван Иванович;+7 916 123-45-01\nfio_petrova;Петрова Анна;\nfio_lee;Lee;\n';
    const res = await upload('crm.csv', csv, `?task_id=${task.id}`);
    expect(res.json).toMatchObject({ imported: 3, invalid: 0 });
    const items = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/targets?search=fio_` })).json.items;
    const names = Object.fromEntries(items.map((x: any) => [x.username, [x.first_name, x.last_name]]));
    expect(names).toEqual({ fio_ivanov: ['Иван', 'Иванов'], fio_petrova: ['Анна', 'Петрова'], fio_lee: ['Lee', null] });
  });

  it('finds the header below a title row and a blank line, and says the rows above were skipped', async () => {
    const csv = 'Выгрузка от 01.12.2026\n\nИмя;Юзернейм;Телефон\nИван;@title_ivan;\nАнна;;+7 916 123-45-02\n';
    const res = await dryRun('export.csv', csv);
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({ total_rows: 2, imported: 2, invalid: 0, errors: [] });
    expect(res.json.preview.map((p: any) => [p.username ?? p.phone, p.first_name])).toEqual([
      ['title_ivan', 'Иван'],
      ['+79161234502', 'Анна'],
    ]);
    expect(res.json.notes).toEqual([
      { code: 'IMPORT_NOTE.rows_above_header', message: 'Над строкой заголовков пропущено строк: 1 — это не люди (название выгрузки, пустые строки).' },
      { code: 'IMPORT_NOTE.columns', message: 'Колонки файла: «Имя» — имя, «Юзернейм» — ник в Telegram, «Телефон» — телефон.' },
    ]);
    // A headerless list is read as before, a username that looks like a heading included; nothing to note.
    const list = await dryRun('list.csv', 'list_alice\nlist_bob1\ntelegram\nlist_carol\n');
    expect(list.json).toMatchObject({ imported: 4, invalid: 0, notes: [] });
  });

  it('reads the people from the sheet that has them when the first sheet is an instruction, and names it', async () => {
    const wb = new ExcelJS.Workbook();
    const help = wb.addWorksheet('Инструкция');
    help.addRow(['Заполните лист «Люди»: в колонке «Ник» — юзернейм Telegram.']);
    help.addRow(['Не меняйте заголовки.']);
    const people = wb.addWorksheet('Люди');
    people.addRow(['Выгрузка от 01.12.2026']);
    people.addRow(['Ник', 'ФИО']);
    people.addRow(['@sheet_ivan', 'Иванов Иван']);
    people.addRow(['sheet_anna', 'Петрова Анна']);
    const buf = Buffer.from(await wb.xlsx.writeBuffer());
    const res = await dryRun('crm.xlsx', buf);
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({ total_rows: 2, imported: 2, invalid: 0 });
    expect(res.json.preview.map((p: any) => [p.row, p.username, p.first_name])).toEqual([
      [3, 'sheet_ivan', 'Иван'],
      [4, 'sheet_anna', 'Анна'],
    ]);
    expect(res.json.notes.map((n: any) => n.code)).toEqual(['IMPORT_NOTE.other_sheet', 'IMPORT_NOTE.rows_above_header', 'IMPORT_NOTE.columns']);
    expect(res.json.notes[0].message).toBe('Люди прочитаны с листа «Люди»: на первом листе, «Инструкция», их нет.');
    const en = await dryRun('crm.xlsx', buf, 'en');
    expect(en.json.notes[0].message).toBe('People were read from the sheet "Люди": the first sheet, "Инструкция", has none.');
    // A first sheet with people stays the audience, whatever the others hold.
    const first = new ExcelJS.Workbook();
    first.addWorksheet('Список').addRow(['first_sheet_one']);
    first.addWorksheet('Ещё').addRow(['username']).worksheet.addRow(['other_sheet_one']);
    const kept = await dryRun('list.xlsx', Buffer.from(await first.xlsx.writeBuffer()));
    expect(kept.json).toMatchObject({ imported: 1, notes: [] });
    expect(kept.json.preview[0].username).toBe('first_sheet_one');
  });

  it('says what each column was read as, and which columns are not read at all (an e-mail, a city)', async () => {
    const csv = 'Email;Ник;Город;Телефон;ФИО\nivan@example.com;cols_ivan;Москва;+7 916 123-45-09;Иванов Иван\n';
    const res = await dryRun('crm.csv', csv);
    expect(res.json).toMatchObject({ imported: 1, invalid: 0 });
    expect(res.json.notes).toEqual([
      { code: 'IMPORT_NOTE.columns', message: 'Колонки файла: «Ник» — ник в Telegram, «Телефон» — телефон, «ФИО» — ФИО, фамилия первой.' },
      { code: 'IMPORT_NOTE.columns_unused', message: 'Не используются (в них не ищем ни ник, ни телефон, ни имя): «Email», «Город».' },
    ]);
    const en = await dryRun('crm.csv', csv, 'en');
    expect(en.json.notes.map((n: any) => n.message)).toEqual([
      'The file\'s columns: "Ник" — Telegram username, "Телефон" — phone, "ФИО" — full name, surname first.',
      'Not used (no username, phone or name is looked for in them): "Email", "Город".',
    ]);
    // The phone read beside the username is in the preview's person.
    expect(res.json.preview[0]).toMatchObject({ username: 'cols_ivan', phone: '+79161234509', first_name: 'Иван', last_name: 'Иванов' });
  });

  it('keeps the notes with a background import, and fails one of a header alone with the sentence', async () => {
    const task = await createInviteTask(t, []);
    const queue = (content: string) => upload('export.csv', content, `?task_id=${task.id}&background=true`);
    const job = async (id: string) => (await t.api({ method: 'GET', url: `/api/v1/invite/jobs/${id}` })).json;
    const ok = await queue('Выгрузка от 01.12.2026\nusername\nbg_title_one\n');
    expect(ok.statusCode).toBe(202);
    const bad = await queue('username\n');
    while ((await t.ctx.jobs.runDue()) > 0);
    const done = await job(ok.json.id);
    expect(done.result).toMatchObject({ imported: 1, invalid: 0 });
    expect(done.result.notes).toEqual([
      { code: 'IMPORT_NOTE.rows_above_header', message: 'Rows skipped above the header row: 1 — they are not people (a title, blank lines).' },
    ]);
    // Read later in Russian, the job says its notes in Russian.
    const ru = (await t.api({ method: 'GET', url: `/api/v1/invite/jobs/${ok.json.id}`, headers: { 'accept-language': 'ru' } })).json;
    expect(ru.result.notes).toEqual([
      { code: 'IMPORT_NOTE.rows_above_header', message: 'Над строкой заголовков пропущено строк: 1 — это не люди (название выгрузки, пустые строки).' },
    ]);
    const failed = await job(bad.json.id);
    expect(failed).toMatchObject({
      status: 'FAILED',
      error: { code: 'MALFORMED_FILE', message: 'The file has only a header row — there are no people in it.' },
    });
  });

  it('refuses a file with only a header row, as it refuses an empty file', async () => {
    const task = await createInviteTask(t, []);
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Люди').addRow(['username', 'ФИО']);
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    for (const [name, content] of [
      ['header.csv', 'username;first_name\n'],
      ['header-blank-rows.csv', 'Выгрузка от 01.12.2026\nusername;phone\n;\n;\n'],
      ['header.xlsx', xlsx],
    ] as Array<[string, string | Buffer]>) {
      const ru = await dryRun(name, content);
      expect(ru.statusCode, name).toBe(400);
      expect(ru.json, name).toEqual({ error: 'MALFORMED_FILE', message: 'В файле только строка заголовков — людей в нём нет.' });
      const en = await dryRun(name, content, 'en');
      expect(en.json.message, name).toBe('The file has only a header row — there are no people in it.');
      const into = await dryRun(name, content, 'ru', `?task_id=${task.id}`);
      expect(into.statusCode, name).toBe(400);
    }
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}` })).json.counters.total).toBe(0);
  });
});

describe('validate endpoint', () => {
  it('normalises rows and reports errors without saving', async () => {
    const res = await t.api({
      method: 'POST',
      url: '/api/v1/invite/import/validate',
      payload: { rows: ['@val_alice', { phone: '+1 415 555 0100' }, 'bad name', 777] },
    });
    expect(res.json).toMatchObject({ total_rows: 4, imported: 3, invalid: 1, dry_run: true });
    expect(res.json.errors[0].row).toBe(3);
  });
});
// The Parsing Service import is tested against a contract fake in parsing-service.test.ts.
