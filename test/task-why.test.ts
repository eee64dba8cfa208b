import { afterEach, describe, expect, it, vi } from 'vitest';
import { addSandboxAccount, createInviteTask, makeTestApp, SANDBOX_GROUP_KEY, type TestApp } from './helpers/test-app.js';
import { runVirtual } from '../src/scheduler/worker-loop.js';
import type { Worker } from '../src/scheduler/worker.js';

/**
 * Issue 11: a task that cannot run says why (code + sentence in the reader's language + until), a draft is the
 * only way to create a task that cannot start, and a task no account can ever serve ends with its reason.
 * Runs on PGlite, and on PostgreSQL with TEST_DATABASE_URL.
 */
let t: TestApp;
// Each test builds its own app (a fresh database); the busy two-core machine gets time for it.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
afterEach(async () => {
  await t?.close();
});

const RU = { 'accept-language': 'ru-RU,ru;q=0.9' };
const getTask = async (id: number, headers: Record<string, string> = {}) => (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${id}`, headers })).json;
const start = async (id: number) => {
  const res = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${id}/start` });
  if (res.statusCode !== 200) throw new Error(res.body);
  return res.json;
};
const run = (worker: Worker, hours: number) => runVirtual(worker, t.clock, t.clock.now().getTime() + hours * 3600_000);
const taskCount = async () => (await t.api({ method: 'GET', url: '/api/v1/invite/tasks' })).json.total as number;

describe('create: refused unless saved as a draft', () => {
  it('no account: 409 with the reason at its field in Russian, nothing created; as a draft it is created and says why', async () => {
    t = await makeTestApp();
    const body = { type: 'direct_message', message_template: 'Hi {first_name}', targets: ['@someone_here'], draft: false };
    const refused = await t.api({ method: 'POST', url: '/api/v1/invite/tasks', headers: RU, payload: body });
    expect(refused.statusCode).toBe(409);
    expect(refused.json.error).toBe('TASK_CANNOT_START');
    expect(refused.json.message).toContain('Задачу нельзя запустить');
    expect(refused.json.message).toContain('черновик');
    expect(refused.json.details).toEqual([{ field: 'accounts', code: 'WHY.no_accounts', message: expect.stringContaining('добавьте аккаунт') }]);
    expect(await taskCount()).toBe(0);

    const draft = await t.api({ method: 'POST', url: '/api/v1/invite/tasks', headers: RU, payload: { ...body, draft: true } });
    expect(draft.statusCode).toBe(201);
    expect(draft.json.status).toBe('PENDING');
    expect(draft.json.why).toMatchObject({ code: 'WHY.no_accounts', stuck: true, until: null });
    expect(draft.json.why.text).toContain('Нет доступного аккаунта-отправителя');
    expect(await taskCount()).toBe(1);
    // English readers read it in English.
    expect((await getTask(draft.json.id)).why.text).toBe('There is no usable sender account: add one or enable a disabled one.');
  });

  it('no audience and no admin right: both reasons at their fields; the draft keeps the admin reason until a start clears it', async () => {
    t = await makeTestApp();
    await addSandboxAccount(t);
    const body = { type: 'invite_to_group', target_group: '@sandbox_no_admin', draft: false };
    const refused = await t.api({ method: 'POST', url: '/api/v1/invite/tasks', headers: RU, payload: body });
    expect(refused.statusCode).toBe(409);
    expect(refused.json.details.map((d: any) => [d.field, d.code])).toEqual([
      ['audience', 'WHY.no_audience'],
      ['target_group', 'WHY.no_admin'],
    ]);
    expect(refused.json.details[1].message).toContain('не админ группы «Sandbox Group Without Your Admins»');
    expect(await taskCount()).toBe(0);

    const draft = await t.api({ method: 'POST', url: '/api/v1/invite/tasks', headers: RU, payload: { ...body, draft: true, targets: ['@person_one'] } });
    expect(draft.statusCode).toBe(201);
    expect(draft.json.status_reason).toBe('Ни один ваш аккаунт не админ группы «Sandbox Group Without Your Admins» с правом добавлять участников.');
    expect((await getTask(draft.json.id, RU)).why).toMatchObject({ code: 'WHY.no_admin', stuck: true });
    // A draft without an audience says so first (counted live: it goes away once people are imported).
    const empty = await t.api({ method: 'POST', url: '/api/v1/invite/tasks', payload: { ...body, target_group: '@sandbox_marketing', draft: true } });
    expect(empty.json.why).toMatchObject({ code: 'WHY.no_audience', text: 'The task has no audience: import a file or a base.' });
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${empty.json.id}/targets`, payload: { targets: ['@person_two'] } });
    expect((await getTask(empty.json.id)).why.code).toBe('WHY.not_started');
    // People, all skipped already (a duplicate of a finished task): not "no audience", and the list says the same.
    await t.ctx.db.updateTable('targets').set({ status: 'SKIPPED', error_code: 'SKIPPED_BY_USER' }).where('task_id', '=', empty.json.id).execute();
    const allSkipped = await getTask(empty.json.id, RU);
    expect(allSkipped.why).toMatchObject({
      code: 'WHY.nobody_pending',
      text: 'Все получатели задачи уже пропущены или обработаны: ждать некого — добавьте людей.',
    });
    const listed = await t.api({ method: 'GET', url: '/api/v1/invite/tasks?page_size=100', headers: RU });
    expect(listed.json.items.find((x: any) => x.id === empty.json.id).why.code).toBe('WHY.nobody_pending');
  });

  it('a group that cannot be found is refused at the group field', async () => {
    t = await makeTestApp();
    await addSandboxAccount(t);
    const refused = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      headers: RU,
      payload: { type: 'invite_to_group', target_group: '@no_such_sandbox_group', targets: ['@someone_here'], draft: false },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json.details).toEqual([
      { field: 'target_group', code: 'WHY.group_not_found', message: 'Группа не найдена — проверьте ссылку и что ваш аккаунт её видит.' },
    ]);
    expect(await taskCount()).toBe(0);

    // Saved as a draft, its accounts panel says why each account cannot serve it, all in Russian (the group
    // check's own sentence was English inside a Russian one: «…: could not check the group: the group does not exist»).
    const draft = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      headers: RU,
      payload: { type: 'invite_to_group', target_group: '@no_such_sandbox_group', targets: ['@someone_here'], draft: true },
    });
    expect(draft.statusCode, draft.body).toBe(201);
    const panel = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${draft.json.id}/accounts`, headers: RU })).json;
    expect(panel.items[0].why.text).toMatch(/^не может работать в этой задаче: не удалось проверить группу: /);
    expect(panel.items[0].why.text).not.toMatch(/[A-Za-z]{3,}/);
  });

  it('a task that can start is created as usual with draft: false; the audience may be announced by count', async () => {
    t = await makeTestApp();
    await addSandboxAccount(t);
    const ok = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      payload: { type: 'invite_to_group', target_group: '@sandbox_marketing', draft: false, audience_count: 12 },
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json.status_reason).toBeNull();
    // Announced but not imported yet: the task itself says what is missing.
    expect(ok.json.why.code).toBe('WHY.no_audience');
  });
});

describe('why a running task waits', () => {
  it('all accounts resting: the sentence names the moment, in the reader’s time zone; FloodWait says so', async () => {
    t = await makeTestApp();
    const a = await addSandboxAccount(t, 1, 'Alpha');
    const b = await addSandboxAccount(t, 1, 'Beta');
    const task = await createInviteTask(t, ['@rest_one', '@rest_two']);
    await start(task.id);
    const now = t.clock.now().getTime();
    await t.ctx.db
      .updateTable('accounts')
      .set({ status: 'RESTING', rest_until: new Date(now + 140 * 60_000) })
      .where('id', '=', a)
      .execute();
    await t.ctx.db
      .updateTable('accounts')
      .set({ status: 'RESTING', rest_until: new Date(now + 6 * 3600_000) })
      .where('id', '=', b)
      .execute();
    const why = (await getTask(task.id, { ...RU, 'x-time-zone': 'Europe/Moscow' })).why;
    // 08:00Z + 2 h 20 min = 10:20Z = 13:20 in Moscow: the soonest account back.
    expect(why).toEqual({ code: 'WHY.resting', text: 'Все аккаунты отдыхают до 13:20.', until: new Date(now + 140 * 60_000).toISOString(), stuck: false });
    // The status poll says the same.
    const status = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/status`, headers: RU })).json;
    expect(status.why.code).toBe('WHY.resting');

    await t.ctx.db.updateTable('accounts').set({ status: 'ACTIVE', rest_until: null }).execute();
    await t.ctx.accountManager.reportError(a, { kind: 'FLOOD_WAIT', seconds: 1200, message: 'FloodWait 1200 s', code: 'FLOOD_WAIT' });
    await t.ctx.accountManager.reportError(b, { kind: 'FLOOD_WAIT', seconds: 3000, message: 'FloodWait 3000 s', code: 'FLOOD_WAIT' });
    const flood = (await getTask(task.id, RU)).why;
    expect(flood.code).toBe('WHY.flood_wait');
    expect(flood.text).toMatch(/^Telegram попросил аккаунты подождать \(FloodWait\) — продолжим в \d\d:\d\d\.$/);
    expect(new Date(flood.until).getTime()).toBeGreaterThan(now + 1200_000);
  });

  it('the circuit breaker open: paused until its next probe', async () => {
    t = await makeTestApp();
    await addSandboxAccount(t);
    const task = await createInviteTask(t, ['@circuit_one']);
    await start(task.id);
    const retry = new Date(t.clock.now().getTime() + 5 * 60_000);
    await t.ctx.db
      .insertInto('platform_circuits')
      .values({ platform: 'sandbox', state: 'open', opened_at: t.clock.now(), retry_at: retry, consecutive_opens: 1, updated_at: t.clock.now() })
      .execute();
    expect((await getTask(task.id)).why).toMatchObject({ code: 'WHY.circuit_open', until: retry.toISOString(), stuck: false });
  });

  it('daily caps reached: waits until tomorrow and is NOT ended (a temporary condition)', async () => {
    t = await makeTestApp({ LIMIT_INVITES_PER_ACCOUNT_DAY: '2' });
    await addSandboxAccount(t, 1, 'Alpha');
    const worker = t.ctx.createWorker('why-daily');
    const task = await createInviteTask(t, ['@day_one', '@day_two', '@day_three', '@day_four']);
    await start(task.id);
    await run(worker, 12);
    await worker.housekeeping();
    const now = await getTask(task.id, RU);
    expect(now.status).toBe('IN_PROGRESS');
    expect(now.counters).toMatchObject({ invited: 2, pending: 2 });
    expect(now.why).toMatchObject({ code: 'WHY.daily_limits', until: '2026-01-06T00:00:00.000Z', stuck: false });
    expect(now.why.text).toBe('Дневные лимиты всех аккаунтов исчерпаны — продолжим 6 янв., 00:00.');
    // The list says it too.
    const list = (await t.api({ method: 'GET', url: '/api/v1/invite/tasks', headers: RU })).json;
    expect(list.items[0].why.code).toBe('WHY.daily_limits');
    // Tomorrow it goes on and completes.
    await run(worker, 24);
    expect((await getTask(task.id)).status).toBe('COMPLETED');
  }, 240_000);
});

describe('a task no account can ever serve ends with its reason', () => {
  it('every eligible account used its lifetime allowance into the group: FAILED, said by code in each language', async () => {
    t = await makeTestApp({ LIMIT_INVITES_PER_GROUP_LIFETIME: '3' });
    await addSandboxAccount(t, 1, 'Alpha');
    await addSandboxAccount(t, 1, 'Beta');
    const worker = t.ctx.createWorker('why-lifetime');
    const people = Array.from({ length: 8 }, (_, i) => `@life_person_${i}`);
    const task = await createInviteTask(t, people);
    await start(task.id);
    await run(worker, 72);
    const ended = await getTask(task.id, RU);
    // Both accounts served until their own cap (3 each): the task was not ended while one still could serve.
    expect(ended.counters).toMatchObject({ invited: 6, pending: 2 });
    expect(ended.status).toBe('FAILED');
    const row = await t.ctx.db.selectFrom('tasks').select(['status_reason', 'status_reason_params']).where('id', '=', task.id).executeTakeFirstOrThrow();
    expect(row.status_reason).toBe('TASK_REASON.group_lifetime_exhausted');
    expect(ended.why).toMatchObject({ code: 'TASK_REASON.group_lifetime_exhausted', stuck: true });
    expect(ended.why.text).toContain('лимит 3 приглашений в эту группу исчерпан всеми аккаунтами');
    expect((await getTask(task.id)).why.text).toContain('the limit of 3 invites into this group is used up by every account');
    const lifetime = await t.ctx.db.selectFrom('account_group_usage').select('lifetime_invites').where('group_key', '=', SANDBOX_GROUP_KEY).execute();
    expect(lifetime.map((l) => l.lifetime_invites)).toEqual([3, 3]);
  }, 240_000);

  it('while running, before the scheduler looks again: the live why is already "used up for good"', async () => {
    t = await makeTestApp({ LIMIT_INVITES_PER_GROUP_LIFETIME: '5' });
    const a = await addSandboxAccount(t, 1, 'Alpha');
    const task = await createInviteTask(t, ['@cap_one']);
    await start(task.id);
    await t.ctx.db.insertInto('account_group_usage').values({ account_id: a, group_key: SANDBOX_GROUP_KEY, lifetime_invites: 5 }).execute();
    const why = (await getTask(task.id, RU)).why;
    expect(why).toMatchObject({ code: 'WHY.group_lifetime', stuck: true, until: null });
    expect(why.text).toBe('Лимит 5 приглашений в эту группу исчерпан всеми аккаунтами — добавьте аккаунт.');
    // The scheduler's next look ends it (one conditional update, task-status.ts).
    await t.ctx.createWorker('why-cap').housekeeping();
    expect((await getTask(task.id)).status).toBe('FAILED');
  });

  it('accounts lost their admin rights: the live why says so, and the ending keeps the reason', async () => {
    t = await makeTestApp();
    await addSandboxAccount(t, 1, 'Alpha');
    const task = await createInviteTask(t, ['@rights_one', '@rights_two']);
    await start(task.id);
    await t.ctx.db.updateTable('task_accounts').set({ eligible: false, reason: 'the account is not an admin of this group' }).execute();
    expect((await getTask(task.id, RU)).why).toMatchObject({
      code: 'WHY.no_admin_rights',
      text: 'У аккаунтов больше нет прав администратора в группе — сделайте аккаунт админом с правом добавлять участников.',
      stuck: true,
    });
    await t.ctx.createWorker('why-rights').housekeeping();
    const ended = await getTask(task.id, RU);
    expect(ended.status).toBe('FAILED');
    expect(ended.why.stuck).toBe(true);
    expect(ended.why.text).toContain('потеряли права админа');
  });
});

describe('the accounts panel says each account’s usage and why it waits', () => {
  it('labels usage and renders the wait in the reader’s language', async () => {
    t = await makeTestApp();
    const a = await addSandboxAccount(t, 1, 'Alpha');
    const task = await createInviteTask(t, ['@panel_one']);
    await start(task.id);
    await t.ctx.accountManager.reportError(a, { kind: 'PEER_FLOOD', message: 'PeerFlood', code: 'PEER_FLOOD' });
    const panel = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/accounts`, headers: RU })).json;
    expect(panel.items[0]).toMatchObject({ label: 'Alpha', can_act_now: false, wait_code: 'peer_flood' });
    expect(panel.items[0].why.text).toMatch(/^отдыхает после PeerFlood до /);
    expect(panel.items[0].why.until).not.toBeNull();
  });

  it('says how many more invites into the group the accounts may ever make: the group check, and the panel beside the people waiting', async () => {
    t = await makeTestApp();
    const a = await addSandboxAccount(t, 1, 'Alpha');
    await addSandboxAccount(t, 1, 'Beta');
    await t.ctx.db.insertInto('account_group_usage').values({ account_id: a, group_key: SANDBOX_GROUP_KEY, lifetime_invites: 190 }).execute();
    // Alpha has 10 left of its 200, Beta all 200.
    const check = (await t.api({ method: 'GET', url: '/api/v1/invite/groups/check?link=%40sandbox_marketing' })).json;
    expect(check.group_lifetime_left).toBe(210);
    expect((await t.api({ method: 'GET', url: '/api/v1/invite/groups/check?link=%40no_such_sandbox_group' })).json.group_lifetime_left).toBeNull();
    const task = await createInviteTask(t, ['@cap_one', '@cap_two']);
    await start(task.id);
    const panel = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/accounts` })).json;
    expect(panel.group_lifetime_left).toBe(210);
  });

  it('names the moment the account manager holds, not now + rounded seconds: the banner and the panel say the same minute', async () => {
    t = await makeTestApp();
    const a = await addSandboxAccount(t, 1, 'Alpha');
    const task = await createInviteTask(t, ['@minute_one']);
    await start(task.id);
    // A pause that ends on the minute, read 0.4 s into a second: now + ceil(seconds) lands 0.6 s past it, and
    // now + seconds of a read a moment later lands before it — "до 11:00" in one place, "в 10:59" in the other.
    const ends = new Date('2026-01-05T08:20:00Z');
    await t.ctx.db.updateTable('accounts').set({ next_action_at: ends }).where('id', '=', a).execute();
    t.clock.set(new Date(ends.getTime() - 10 * 60_000 - 400));
    const headers = { ...RU, 'x-time-zone': 'Europe/Moscow' };
    const panel = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/accounts`, headers })).json;
    expect(panel.items[0].why).toMatchObject({ text: 'пауза между действиями до 11:20', until: ends.toISOString() });
    const why = (await getTask(task.id, headers)).why;
    expect(why).toMatchObject({ code: 'WHY.pacing', until: ends.toISOString() });
    expect(why.text).toContain('в 11:20.');
  });
});

describe('the moment a why names', () => {
  it('is a time today, a day and time this year, and the year too when it is another year, in the reader’s zone', async () => {
    const { formatUntil } = await import('../src/tasks/task-why.js');
    const now = new Date('2026-12-06T20:00:00Z'); // 23:00 in Moscow
    expect(formatUntil(new Date('2026-12-06T20:30:00Z'), now, 'ru', 'Europe/Moscow')).toBe('23:30');
    expect(formatUntil(new Date('2026-12-06T21:30:00Z'), now, 'ru', 'Europe/Moscow')).toBe('7 дек., 00:30');
    expect(formatUntil(new Date('2027-03-15T07:00:00Z'), now, 'ru', 'Europe/Moscow')).toBe('15 мар. 2027 г., 10:00');
    expect(formatUntil(new Date('2027-03-15T07:00:00Z'), now, 'en', 'Europe/Moscow')).toBe('15 Mar 2027, 10:00');
    // New Year's Eve in Moscow is still 2026 in UTC: the reader's zone decides.
    expect(formatUntil(new Date('2026-12-31T21:30:00Z'), now, 'ru', 'Europe/Moscow')).toBe('1 янв. 2027 г., 00:30');
  });
});
