import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSandboxAccount, createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';
import { autoTaskName, issueText, langFromHeader } from '../src/shared/messages.js';
import { englishRuns } from './helpers/english-text.js';

/** One language, end to end: the request's Accept-Language chooses the language of what the server says. */
let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => {
  await t?.close();
});

const RU = { 'accept-language': 'ru' };
const EN = { 'accept-language': 'en' };

describe('the request language', () => {
  it('is the first of ru/en the header prefers, English without one', () => {
    expect(langFromHeader(undefined)).toBe('en');
    expect(langFromHeader('ru')).toBe('ru');
    expect(langFromHeader('ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7')).toBe('ru');
    expect(langFromHeader('en-GB,en;q=0.9,ru;q=0.8')).toBe('en');
    expect(langFromHeader('de-DE,ru;q=0.5')).toBe('ru');
    expect(langFromHeader('fr')).toBe('en');
  });
});

describe('validation errors per field', () => {
  const bad = { type: 'invite_to_group', name: 'x'.repeat(201), target_group: 'x', priority: 'URGENT', scheduled_at: 'soon' };

  it('names each field with a Russian sentence when asked in Russian', async () => {
    const res = await t.api({ method: 'POST', url: '/api/v1/invite/tasks', headers: RU, payload: bad });
    expect(res.statusCode).toBe(400);
    expect(res.json.error).toBe('VALIDATION_FAILED');
    expect(res.json.message).toMatch(/^Некорректный запрос: /);
    const byField = Object.fromEntries((res.json.details as Array<{ field: string; message: string }>).map((d) => [d.field, d.message]));
    expect(byField.name).toBe('слишком длинно: не больше 200 символов');
    expect(byField.target_group).toBe('слишком коротко: нужно не меньше 2 символов');
    expect(byField.priority).toBe('допустимые значения: HIGH, MEDIUM, LOW');
    expect(byField.scheduled_at).toMatch(/^нужна дата и время/);
    expect(res.json.message).not.toMatch(/[A-Za-z]{4,} (must|expected|Invalid)/);
    // The sentence names each field as the form does; `details` keep the API's names.
    expect(res.json.message).toContain('поле «название»: слишком длинно: не больше 200 символов');
    expect(res.json.message).toContain('поле «группа»: слишком коротко');
    const account = await t.api({ method: 'POST', url: '/api/v1/invite/accounts', headers: RU, payload: { label: 'я'.repeat(300) } });
    expect(account.json.message).toBe('Некорректный запрос: поле «название аккаунта»: слишком длинно: не больше 100 символов');
    const dnc = await t.api({ method: 'POST', url: '/api/v1/invite/do-not-contact', headers: RU, payload: { entries: ['ok_name', { x: 1 }] } });
    expect(dnc.json.message).toMatch(/поле «список, № 2»/);
  });

  it('agrees the noun with the number in Russian, and says an empty list is empty', async () => {
    const res = await t.api({ method: 'POST', url: '/api/v1/invite/do-not-contact', headers: RU, payload: { entries: [] } });
    expect(res.statusCode).toBe(400);
    expect(res.json.details).toEqual([{ field: 'entries', message: 'список не может быть пустым' }]);
    const say = (keyword: string, origin: string, bound: number) =>
      issueText({ keyword, params: { origin, [keyword === 'too_big' ? 'maximum' : 'minimum']: bound } }, 'ru');
    expect(say('too_big', 'array', 21)).toBe('не больше 21 элемента');
    expect(say('too_big', 'array', 11)).toBe('не больше 11 элементов');
    expect(say('too_big', 'string', 101)).toBe('слишком длинно: не больше 101 символа');
    expect(say('too_small', 'string', 2)).toBe('слишком коротко: нужно не меньше 2 символов');
    expect(say('too_small', 'array', 3)).toBe('нужно не меньше 3 элементов');
  });

  it('names the list’s and the bulk’s fields in Russian, and a body that is not JSON by a code of its own', async () => {
    const list = await t.api({ method: 'GET', url: '/api/v1/invite/tasks?sort=nonsense&created_after=вчера', headers: RU });
    expect(list.statusCode).toBe(400);
    expect(list.json.message).toContain('поле «сортировка»');
    expect(list.json.message).toContain('поле «создана после»');
    const bulk = await t.api({ method: 'POST', url: '/api/v1/invite/tasks/bulk', headers: RU, payload: { action: 'SET_PRIORITY', task_ids: ['x'] } });
    expect(bulk.statusCode).toBe(400);
    expect(bulk.json.message).toContain('поле «задачи, № 1»');
    const json = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      headers: { ...RU, authorization: `Bearer ${await t.token()}`, 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(json.statusCode).toBe(400);
    expect(json.json().error).toBe('INVALID_JSON');
    // A group that does not exist is said once, with what to check (it read «Группа не найдена: группа не существует»).
    await addSandboxAccount(t, 71);
    const group = await t.api({ method: 'GET', url: '/api/v1/invite/groups/check?link=%40sandbox_nowhere_to_be_found', headers: RU, user: 71 });
    expect(group.json.error).toBe('Группа не найдена — проверьте ссылку и что ваш аккаунт её видит.');
  });

  it('says the same in English when asked in English (the schema’s own sentences)', async () => {
    const res = await t.api({ method: 'POST', url: '/api/v1/invite/tasks', headers: EN, payload: bad });
    expect(res.statusCode).toBe(400);
    expect(res.json.message).toMatch(/^Invalid request: body\.name: /);
    const fields = (res.json.details as Array<{ field: string; message: string }>).map((d) => d.field).sort();
    expect(fields).toEqual(['name', 'priority', 'scheduled_at', 'target_group']);
    expect(res.json.details.find((d: { field: string }) => d.field === 'name').message).toMatch(/200/);
  });

  it('translates required fields and empty names', async () => {
    const noTemplate = await t.api({ method: 'POST', url: '/api/v1/invite/tasks', headers: RU, payload: { type: 'direct_message' } });
    expect(noTemplate.json.details).toEqual([{ field: 'message_template', message: 'для личных сообщений нужен текст сообщения' }]);
    const noType = await t.api({ method: 'POST', url: '/api/v1/invite/tasks', headers: RU, payload: { name: '  ' } });
    const byField = Object.fromEntries((noType.json.details as Array<{ field: string; message: string }>).map((d) => [d.field, d.message]));
    expect(byField.name).toBe('обязательное поле: не может быть пустым');
    expect(byField.type).toMatch(/^(обязательное поле|допустимые значения: invite_to_group, direct_message)$/);
  });
});

describe('a start time already past', () => {
  it('is refused at its field (create and edit); a form sent back with the old time passes', async () => {
    await addSandboxAccount(t, 70);
    const past = new Date(t.clock.now().getTime() - 3600_000).toISOString();
    const body = { type: 'invite_to_group', target_group: '@sandbox_marketing', targets: ['@past_start_one'], scheduled_at: past, start: true };
    const refused = await t.api({ method: 'POST', url: '/api/v1/invite/tasks', headers: RU, payload: body, user: 70 });
    expect(refused.statusCode).toBe(400);
    expect(refused.json.error).toBe('SCHEDULED_IN_PAST');
    expect(refused.json.details).toEqual([{ field: 'scheduled_at', message: 'это время уже прошло: выберите время в будущем' }]);
    expect((await t.api({ method: 'GET', url: '/api/v1/invite/tasks', user: 70 })).json.total).toBe(0);

    const soon = new Date(t.clock.now().getTime() + 3600_000).toISOString();
    const task = await createInviteTask(t, ['@past_start_two'], { scheduled_at: soon }, 70);
    const moved = await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${task.id}`, headers: RU, payload: { scheduled_at: past }, user: 70 });
    expect(moved.statusCode).toBe(400);
    expect(moved.json.details[0].field).toBe('scheduled_at');
    // Its own time, passed by now, comes back with a renamed form: not a new time, so not refused.
    await t.ctx.db
      .updateTable('tasks')
      .set({ scheduled_at: new Date(past) })
      .where('id', '=', task.id)
      .execute();
    const renamed = await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${task.id}`, payload: { name: 'Переименована', scheduled_at: past }, user: 70 });
    expect(renamed.statusCode, renamed.body).toBe(200);
  });
});

describe('server sentences by code', () => {
  it('refuses an illegal move in the request’s language', async () => {
    const task = await createInviteTask(t, ['lang_one'], { name: 'Язык' });
    const ru = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/pause`, headers: RU });
    expect(ru.statusCode).toBe(409);
    expect(ru.json).toMatchObject({
      error: 'ILLEGAL_TRANSITION',
      message: 'Нельзя поставить на паузу задачу «Язык»: её статус «Ожидает». На паузу ставится только выполняющаяся или запланированная задача.',
    });
    const en = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/pause`, headers: EN });
    expect(en.json.message).toBe('Cannot pause task "Язык" because it is PENDING: only a running or scheduled task can be paused.');
    const none = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/pause` });
    expect(none.json.message).toBe(en.json.message);
  });

  it('says NO_TARGETS, NO_ACCOUNT, NOT_FOUND and UNAUTHENTICATED in Russian', async () => {
    const empty = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      headers: RU,
      payload: { type: 'invite_to_group', target_group: '@sandbox_marketing', name: 'Пустая' },
    });
    const start = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${empty.json.id}/start`, headers: RU });
    expect(start.json).toMatchObject({ error: 'NO_TARGETS', message: 'В задаче «Пустая» ещё нет аудитории: загрузите файл или базу сервиса парсинга.' });

    const dm = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      user: 5,
      headers: RU,
      payload: { type: 'direct_message', message_template: 'Привет', targets: ['dm_one'], start: true },
    });
    expect(dm.json.start_error).toMatchObject({
      error: 'NO_ACCOUNT',
      message: 'Нет доступного аккаунта-отправителя (sandbox): добавьте аккаунт или включите отключённый.',
    });

    const missing = await t.api({ method: 'GET', url: '/api/v1/invite/tasks/999999', headers: RU });
    expect(missing.json).toMatchObject({ error: 'NOT_FOUND', message: 'Задача не найдена.' });
    const anon = await t.app.inject({ method: 'GET', url: '/api/v1/invite/tasks', headers: RU });
    expect(anon.json()).toMatchObject({ error: 'UNAUTHENTICATED', message: 'Сначала войдите: нужен заголовок «Authorization: Bearer <токен>».' });
    const route = await t.api({ method: 'GET', url: '/api/v1/invite/nowhere', headers: RU });
    expect(route.json.message).toBe('Нет такого адреса: GET /api/v1/invite/nowhere.');
  });

  it('says plain refusals of an edit in Russian by their code', async () => {
    const task = await createInviteTask(t, ['edit_lang'], { name: 'Правка' });
    const res = await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${task.id}`, headers: RU, payload: { message_template: 'Привет' } });
    expect(res.json).toMatchObject({ error: 'NOT_A_MESSAGE_TASK', message: 'Текст сообщения есть только у задач с личными сообщениями.' });
    const en = await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${task.id}`, payload: { message_template: 'Hi' } });
    expect(en.json.message).toBe('Only direct-message tasks have a message template.');
  });

  it('renders bulk results in the request’s language', async () => {
    const task = await createInviteTask(t, ['bulk_lang'], { name: 'Пакет' });
    const res = await t.api({ method: 'POST', url: '/api/v1/invite/tasks/bulk', headers: RU, payload: { action: 'RESUME', task_ids: [task.id] } });
    expect(res.json.results[0]).toMatchObject({ ok: false, error: 'ILLEGAL_TRANSITION', message: expect.stringMatching(/^Нельзя продолжить задачу «Пакет»/) });
  });
});

describe('auto task names', () => {
  it('are in the user’s language, dated in the user’s time zone', async () => {
    await addSandboxAccount(t, 1, 'Alpha');
    // The test clock is 2026-01-05 08:00 UTC: 22:00 on the 4th in Honolulu.
    const ru = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      headers: { ...RU, 'x-time-zone': 'Pacific/Honolulu' },
      payload: { type: 'invite_to_group', target_group: '@sandbox_marketing' },
    });
    expect(ru.json.name).toBe('Приглашения в Sandbox Marketing Chat · 4 янв.');
    const en = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      headers: EN,
      payload: { type: 'invite_to_group', target_group: '@sandbox_marketing' },
    });
    expect(en.json.name).toBe('Invites to Sandbox Marketing Chat · 5 Jan');
    const dm = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      headers: { ...RU, 'x-time-zone': 'not/a zone' },
      payload: { type: 'direct_message', message_template: 'Здравствуйте, {first_name}! У нас новая подборка статей для вас' },
    });
    expect(dm.json.name).toBe('Сообщения: У нас новая подборка статей для вас · 5 янв.');
  });

  it('the admin check suggests the same name', async () => {
    const res = await t.api({ method: 'GET', url: '/api/v1/invite/groups/check?link=%40sandbox_marketing', headers: RU });
    expect(res.json.suggested_name).toBe('Приглашения в Sandbox Marketing Chat · 5 янв.');
    expect(autoTaskName('en', { group: 'G' }, new Date('2026-11-23T12:00:00Z'), 'UTC')).toBe('Invites to G · 23 Nov');
    expect(autoTaskName('ru', { group: 'G' }, new Date('2026-11-23T12:00:00Z'), 'UTC')).toBe('Приглашения в G · 23 нояб.');
  });
});

/**
 * Every class of message, data-driven: each case makes one request and says where its text is; the same request
 * in Russian must say Cyrillic with no English sentence, in English no Cyrillic, and both the same code. A new
 * message class is one more row.
 */
describe('every class of message in both languages', () => {
  type Said = { code: string | null; text: string };
  type Ask = (headers: Record<string, string>) => Promise<Said>;
  let ids: { task: number; failed: number; target: number; job: string; account: number };

  beforeAll(async () => {
    await addSandboxAccount(t, 41, 'Lang Alpha');
    const task = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      user: 41,
      headers: EN,
      payload: { type: 'invite_to_group', target_group: '@sandbox_marketing', name: 'Lang task', targets: ['lang_target_one', 'lang_target_two'] },
    });
    const failed = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      user: 41,
      headers: EN,
      payload: { type: 'invite_to_group', target_group: '@sandbox_marketing', name: 'Lang failed', targets: ['lang_failed_one'] },
    });
    const db = t.ctx.db;
    // What the worker writes: a target skipped for a platform reason (code + its English sentence), a task failed with a
    // reason code, a job given up after its worker died.
    const target = await db.selectFrom('targets').select('id').where('task_id', '=', task.json.id).orderBy('id').executeTakeFirstOrThrow();
    await db
      .updateTable('targets')
      .set({ status: 'SKIPPED', error_code: 'USER_PRIVACY_RESTRICTED', error_message: "the user's privacy settings forbid invites" })
      .where('id', '=', target.id)
      .execute();
    await db.updateTable('tasks').set({ status: 'FAILED', status_reason: 'TASK_REASON.no_sender' }).where('id', '=', failed.json.id).execute();
    const job = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.json.id}/report/jobs`, user: 41, headers: EN });
    await db
      .updateTable('background_jobs')
      .set({
        status: 'FAILED',
        error_code: 'ABANDONED',
        error_message: 'The job stopped 3 times without finishing (its worker died); it was given up.',
        attempts: 3,
      })
      .where('id', '=', job.json.id)
      .execute();
    const account = await t.api({ method: 'GET', url: '/api/v1/invite/accounts', user: 41, headers: EN });
    ids = { task: task.json.id, failed: failed.json.id, target: target.id, job: job.json.id, account: account.json.items[0].id };
  });

  const ask =
    (
      opts: { method?: 'GET' | 'POST' | 'PUT' | 'PATCH'; url: () => string; payload?: unknown; user?: number },
      read: (res: { json: any; body: string }) => Said,
    ): Ask =>
    async (headers) => {
      const res = await t.api({
        method: opts.method ?? 'GET',
        url: opts.url(),
        user: opts.user ?? 41,
        headers,
        ...(opts.payload ? { payload: opts.payload } : {}),
      });
      return read(res);
    };
  const refusal = (res: { json: any }): Said => ({
    code: res.json.error,
    text: [res.json.message, ...(res.json.details ?? []).map((d: { message: string }) => d.message)].join(' | '),
  });
  const rowErrors = (res: { json: any }): Said => ({
    code: String(res.json.errors.length),
    text: res.json.errors.map((e: { reason: string }) => e.reason).join(' | '),
  });

  const cases: Array<[what: string, ask: Ask]> = [
    [
      'validation, per field',
      ask({ method: 'POST', url: () => '/api/v1/invite/tasks', payload: { type: 'invite_to_group', name: '', target_group: 'x', priority: 'NOW' } }, refusal),
    ],
    ['task refusal: illegal move', ask({ method: 'POST', url: () => `/api/v1/invite/tasks/${ids.failed}/pause` }, refusal)],
    [
      'task refusal: no ready admin, with each account’s reason',
      ask(
        {
          method: 'POST',
          url: () => '/api/v1/invite/tasks',
          payload: { type: 'invite_to_group', target_group: '@sandbox_no_admin', name: 'Lang', targets: ['lang_x_one'], start: true },
        },
        (res) => refusal({ json: res.json.start_error }),
      ),
    ],
    [
      'group check: account reasons',
      ask({ url: () => '/api/v1/invite/groups/check?link=%40sandbox_no_admin' }, (res) => ({ code: 'unavailable', text: res.json.unavailable[0].reason })),
    ],
    [
      'group check: group not found',
      ask({ url: () => '/api/v1/invite/groups/check?link=%40sandbox_nowhere_to_be_found' }, (res) => ({ code: 'error', text: res.json.error })),
    ],
    [
      'test invite: field error',
      ask({ method: 'POST', url: () => `/api/v1/invite/tasks/${ids.task}/test-invite`, payload: { username: 'not a name!' } }, refusal),
    ],
    ['accounts: invalid phone', ask({ method: 'POST', url: () => '/api/v1/invite/accounts', payload: { label: 'P', phone: 'call me' } }, refusal)],
    [
      'accounts: session on the sandbox',
      ask({ method: 'POST', url: () => '/api/v1/invite/accounts', payload: { label: 'S', session_string: `1${'A'.repeat(200)}` } }, refusal),
    ],
    [
      'targets: identifier clash',
      ask({ method: 'PUT', url: () => `/api/v1/invite/tasks/${ids.task}/targets/${ids.target + 1}`, payload: { username: 'lang_target_one' } }, refusal),
    ],
    [
      'import row errors',
      ask({ method: 'POST', url: () => '/api/v1/invite/import/validate', payload: { rows: ['not valid!', { phone: '12' }, { note: 'x' }] } }, rowErrors),
    ],
    ['do-not-contact row errors', ask({ method: 'POST', url: () => '/api/v1/invite/do-not-contact', payload: { entries: ['no way!'] } }, rowErrors)],
    [
      'import: empty file',
      async (headers) =>
        refusal(
          await t.api({
            method: 'POST',
            url: '/api/v1/invite/import/file?dry_run=true',
            user: 41,
            headers: { ...headers, ...multipart('') },
            payload: multipartBody(''),
          }),
        ),
    ],
    ['task status reason', ask({ url: () => `/api/v1/invite/tasks/${ids.failed}` }, (res) => ({ code: res.json.status, text: res.json.status_reason }))],
    [
      'target reason',
      ask({ url: () => `/api/v1/invite/tasks/${ids.task}/targets?status=SKIPPED` }, (res) => ({
        code: res.json.items[0].error_code,
        text: res.json.items[0].error_message,
      })),
    ],
    [
      'reasons in the task’s stats',
      ask({ url: () => `/api/v1/invite/tasks/${ids.task}/stats` }, (res) => ({
        code: res.json.skipped_by_reason[0].code,
        text: res.json.skipped_by_reason[0].reason,
      })),
    ],
    ['job reason', ask({ url: () => `/api/v1/invite/jobs/${ids.job}` }, (res) => ({ code: res.json.error.code, text: res.json.error.message }))],
    ['job refusal: report not ready', ask({ url: () => `/api/v1/invite/jobs/${ids.job}/download` }, refusal)],
    [
      'report header',
      ask({ url: () => `/api/v1/invite/tasks/${ids.task}/report?format=csv` }, (res) => ({
        code: 'csv',
        text: res.body
          .replace(/^\uFEFF/, '')
          .split('\n')
          .slice(0, 2)
          .join(' | ')
          .replace('Lang task', ''),
      })),
    ],
  ];

  it.each(cases)('%s', async (_what, request) => {
    const ru = await request(RU);
    const en = await request(EN);
    if (process.env.SHOW_TEXTS) console.log(`${_what}\n  ru: ${ru.text}\n  en: ${en.text}`);
    expect(ru.code).toBe(en.code);
    expect(ru.text, 'Russian text').toMatch(/[А-Яа-яЁё]/);
    expect(englishRuns(ru.text, ['Sandbox Group Without Your Admins', 'Lang Alpha', 'sandbox_nowhere_to_be_found']), ru.text).toEqual([]);
    expect(en.text, 'English text').not.toMatch(/[А-Яа-яЁё]/);
    expect(en.text).not.toBe(ru.text);
  });

  it('keeps an old English status reason readable in both languages', async () => {
    await t.ctx.db.updateTable('tasks').set({ status_reason: 'Stopped by hand.' }).where('id', '=', ids.failed).execute();
    for (const headers of [RU, EN]) {
      const res = await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${ids.failed}`, user: 41, headers });
      expect(res.json.status_reason).toBe('Stopped by hand.');
    }
  });

  it('says why no account can invite, not just that none can', async () => {
    const res = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      user: 41,
      headers: RU,
      payload: { type: 'invite_to_group', target_group: '@sandbox_no_admin', name: 'Lang', targets: ['lang_y_one'], start: true },
    });
    expect(res.json.start_error.message).toContain('Lang Alpha: не админ этой группы');
  });
});

const BOUNDARY = 'i18nboundary';
const multipart = (_content: string) => ({ 'content-type': `multipart/form-data; boundary=${BOUNDARY}` });
const multipartBody = (content: string) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="people.csv"\r\nContent-Type: text/csv\r\n\r\n${content}\r\n--${BOUNDARY}--\r\n`;
