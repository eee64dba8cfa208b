import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSandboxAccount, createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';
import { autoTaskName, langFromHeader } from '../src/shared/messages.js';

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
    expect(dm.json.name).toBe('Сообщения: Здравствуйте, …! У нас новая подборка ст… · 5 янв.');
  });

  it('the admin check suggests the same name', async () => {
    const res = await t.api({ method: 'GET', url: '/api/v1/invite/groups/check?link=%40sandbox_marketing', headers: RU });
    expect(res.json.suggested_name).toBe('Приглашения в Sandbox Marketing Chat · 5 янв.');
    expect(autoTaskName('en', { group: 'G' }, new Date('2026-11-23T12:00:00Z'), 'UTC')).toBe('Invites to G · 23 Nov');
    expect(autoTaskName('ru', { group: 'G' }, new Date('2026-11-23T12:00:00Z'), 'UTC')).toBe('Приглашения в G · 23 нояб.');
  });
});
