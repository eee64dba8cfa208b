import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runVirtual } from '../src/scheduler/worker-loop.js';
import type { Worker } from '../src/scheduler/worker.js';
import { addSandboxAccount, createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';

/**
 * A task narrowed to the accounts its owner chose (`account_ids`): only those act for it, the others are shown as not
 * chosen, a choice that cannot serve the task is refused in the reader's language at its field, and another user's
 * account cannot be chosen.
 */
describe('the accounts chosen for a task', () => {
  let t: TestApp;
  let worker: Worker;
  let anna: number;
  let boris: number;
  let outsider: number;
  const ru = { 'accept-language': 'ru' };

  beforeEach(async () => {
    t = await makeTestApp();
    worker = t.ctx.createWorker('chosen-accounts');
    anna = await addSandboxAccount(t, 1, 'Анна');
    boris = await addSandboxAccount(t, 1, 'Борис');
    // An account of this user that is not an admin of the demo group.
    outsider = await addSandboxAccount(t, 1, 'Не админ', ['-1001000000002']);
  });
  afterEach(async () => {
    await t?.close();
  });

  const panel = async (id: number) => (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${id}/accounts`, headers: ru })).json;
  const start = (id: number) => t.api({ method: 'POST', url: `/api/v1/invite/tasks/${id}/start`, headers: ru });

  it('only the chosen account acts; the other is shown as not chosen; the choice is kept on the task and its copy', async () => {
    const task = await createInviteTask(t, ['ch_one1', 'ch_two2', 'ch_three3', 'ch_four4'], { account_ids: [boris, boris] });
    expect(task.account_ids).toEqual([boris]);
    expect((await start(task.id)).statusCode).toBe(200);
    const p = await panel(task.id);
    expect(p.eligible).toBe(1);
    expect(p.items.find((i: any) => i.account_id === anna)).toMatchObject({
      eligible: false,
      why: { code: 'ACCOUNT_WHY.not_chosen', text: 'не выбран для этой задачи' },
    });
    expect(p.items.find((i: any) => i.account_id === boris)).toMatchObject({ eligible: true });

    await runVirtual(worker, t.clock, t.clock.now().getTime() + 48 * 3600_000);
    const events = t.ctx.sandboxWorld.events;
    expect(events.length).toBe(4);
    expect(new Set(events.map((e) => e.accountId))).toEqual(new Set([boris]));

    // The list and the copy say the same choice.
    const listed = (await t.api({ method: 'GET', url: '/api/v1/invite/tasks' })).json.items.find((x: any) => x.id === task.id);
    expect(listed.account_ids).toEqual([boris]);
    const copy = (await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/duplicate` })).json;
    expect(copy.account_ids).toEqual([boris]);
    // Left to every suitable account (null), both admins work again.
    const open = await createInviteTask(t, ['ch_five5']);
    expect(open.account_ids).toBeNull();
    expect((await start(open.id)).statusCode).toBe(200);
    expect((await panel(open.id)).eligible).toBe(2);
  });

  it("refuses another user's account, an unknown one and an empty choice at the field, in Russian, creating nothing", async () => {
    const theirs = await addSandboxAccount(t, 2, 'Чужой');
    for (const ids of [[anna, theirs], [987654]]) {
      const res = await t.api({
        method: 'POST',
        url: '/api/v1/invite/tasks',
        headers: ru,
        payload: { type: 'invite_to_group', target_group: '@sandbox_marketing', targets: ['@ch_x1'], account_ids: ids },
      });
      expect(res.statusCode, res.body).toBe(400);
      const missing = ids[ids.length - 1];
      expect(res.json.details).toEqual([{ field: 'account_ids', message: `среди ваших аккаунтов нет аккаунта №${missing}` }]);
    }
    const empty = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      headers: ru,
      payload: { type: 'invite_to_group', target_group: '@sandbox_marketing', account_ids: [] },
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.json.details).toEqual([{ field: 'account_ids', message: 'выберите хотя бы один аккаунт или оставьте «все подходящие»' }]);
    expect((await t.api({ method: 'GET', url: '/api/v1/invite/tasks' })).json.total).toBe(0);
  });

  it('a choice that cannot serve the task: the create form is told at «accounts», the start and a change are refused', async () => {
    // The create form's check (draft: false): the only chosen account is no admin of the group.
    const refused = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      headers: ru,
      payload: { type: 'invite_to_group', target_group: '@sandbox_marketing', audience_count: 3, draft: false, account_ids: [outsider] },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json.details).toEqual([
      {
        field: 'accounts',
        code: 'NO_CHOSEN_ADMIN',
        message:
          'Ни один из аккаунтов, выбранных для задачи, не может приглашать в «Sandbox Marketing Chat»: выберите аккаунт-админ с правом добавлять участников или «все подходящие».',
      },
    ]);

    // Created without the check, its start is refused with the same sentence.
    const task = await createInviteTask(t, ['ch_y1'], { account_ids: [outsider] });
    const start1 = await start(task.id);
    expect(start1.statusCode).toBe(409);
    expect(start1.json).toMatchObject({ error: 'NO_CHOSEN_ADMIN' });
    expect(start1.json.message).toMatch(/^Ни один из аккаунтов, выбранных для задачи, не может приглашать в «Sandbox Marketing Chat»/);

    // Running with Anna, then narrowed to the non-admin: refused, and Anna still works for it.
    const running = await createInviteTask(t, ['ch_z1', 'ch_z2'], { account_ids: [anna] });
    expect((await start(running.id)).statusCode).toBe(200);
    const change = await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${running.id}`, headers: ru, payload: { account_ids: [outsider] } });
    expect(change.statusCode).toBe(409);
    expect(change.json.error).toBe('NO_CHOSEN_ADMIN');
    // Said at the field the edit form shows.
    expect(change.json.details).toEqual([
      {
        field: 'account_ids',
        message:
          'Ни один из аккаунтов, выбранных для задачи, не может приглашать в «Sandbox Marketing Chat»: выберите аккаунт-админ с правом добавлять участников или «все подходящие».',
      },
    ]);
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${running.id}` })).json.account_ids).toEqual([anna]);
    expect((await panel(running.id)).items.find((i: any) => i.account_id === anna).eligible).toBe(true);

    // Widened to Boris instead: taken at once by the running task.
    const widen = await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${running.id}`, payload: { account_ids: [boris] } });
    expect(widen.statusCode, widen.body).toBe(200);
    expect(widen.json.account_ids).toEqual([boris]);
    const after = await panel(running.id);
    expect(after.items.find((i: any) => i.account_id === anna)).toMatchObject({ eligible: false, why: { code: 'ACCOUNT_WHY.not_chosen' } });
    expect(after.items.find((i: any) => i.account_id === boris).eligible).toBe(true);
    // And back to every suitable account.
    expect((await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${running.id}`, payload: { account_ids: null } })).json.account_ids).toBeNull();
    expect((await panel(running.id)).eligible).toBe(2);
  });

  it('a draft says again why it could not start when its chosen accounts or its group are edited', async () => {
    const why = async (id: number) => (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${id}`, headers: ru })).json.why;
    const edit = (id: number, payload: Record<string, unknown>) => t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${id}`, headers: ru, payload });
    const draft = await createInviteTask(t, ['ch_d1', 'ch_d2'], { draft: true });
    expect(await why(draft.id)).toMatchObject({ code: 'WHY.not_started' });

    // Narrowed to the account that is no admin of the group: the draft says so, as its start would.
    const narrowed = await edit(draft.id, { account_ids: [outsider] });
    expect(narrowed.statusCode, narrowed.body).toBe(200);
    expect(narrowed.json.status_reason).toMatch(/^Ни один из аккаунтов, выбранных для задачи, не может приглашать в «Sandbox Marketing Chat»/);
    expect(await why(draft.id)).toMatchObject({ code: 'NO_CHOSEN_ADMIN', stuck: true });
    expect((await start(draft.id)).json.error).toBe('NO_CHOSEN_ADMIN');

    // Given an admin again: the reason goes, and the start works.
    expect((await edit(draft.id, { account_ids: [outsider, anna] })).json.status_reason).toBeNull();
    expect(await why(draft.id)).toMatchObject({ code: 'WHY.not_started' });

    // Moved to a group none of the accounts administers, then back: the same.
    expect((await edit(draft.id, { target_group: '@sandbox_no_admin' })).statusCode).toBe(200);
    expect(await why(draft.id)).toMatchObject({ code: 'WHY.no_admin', text: expect.stringContaining('«Sandbox Group Without Your Admins»'), stuck: true });
    expect((await edit(draft.id, { target_group: '@sandbox_marketing' })).json.status_reason).toBeNull();
    expect((await start(draft.id)).statusCode).toBe(200);
  });

  it('a message task uses only the chosen accounts; a chosen account you disabled leaves it nobody to start with', async () => {
    const created = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      headers: ru,
      payload: { type: 'direct_message', message_template: 'Привет, {first_name}!', targets: ['dm_c1', 'dm_c2'], account_ids: [outsider] },
    });
    expect(created.statusCode, created.body).toBe(201);
    await t.api({ method: 'PATCH', url: `/api/v1/invite/accounts/${outsider}`, payload: { enabled: false } });
    // Before the start is tried, the task and the list already say why it could not start.
    const said = 'Ни один из аккаунтов, выбранных для задачи, сейчас не может работать: выберите другие аккаунты или «все подходящие».';
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${created.json.id}`, headers: ru })).json.why).toMatchObject({
      code: 'NO_CHOSEN_ACCOUNT',
      text: said,
      stuck: true,
    });
    const listed = (await t.api({ method: 'GET', url: '/api/v1/invite/tasks', headers: ru })).json.items.find((x: any) => x.id === created.json.id);
    expect(listed.why).toMatchObject({ code: 'NO_CHOSEN_ACCOUNT', text: said });
    const refused = await start(created.json.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json).toMatchObject({
      error: 'NO_CHOSEN_ACCOUNT',
      message: 'Ни один из аккаунтов, выбранных для задачи, сейчас не может работать: выберите другие аккаунты или «все подходящие».',
    });
    await t.api({ method: 'PATCH', url: `/api/v1/invite/accounts/${outsider}`, payload: { enabled: true } });
    expect((await start(created.json.id)).statusCode).toBe(200);
    await runVirtual(worker, t.clock, t.clock.now().getTime() + 24 * 3600_000);
    const events = t.ctx.sandboxWorld.events;
    expect(events.length).toBe(2);
    expect(events.every((e) => e.accountId === outsider)).toBe(true);
  });

  it('an account added or enabled while tasks run joins those left to every suitable account at once, not the narrowed ones', async () => {
    const open = await createInviteTask(t, ['late_1', 'late_2']);
    const narrowed = await createInviteTask(t, ['late_3'], { account_ids: [anna] });
    expect((await start(open.id)).statusCode).toBe(200);
    expect((await start(narrowed.id)).statusCode).toBe(200);
    const carl = await addSandboxAccount(t, 1, 'Карл');
    const recorded = async (taskId: number) =>
      (await t.ctx.db
        .selectFrom('task_accounts')
        .select(['eligible', 'reason'])
        .where('task_id', '=', taskId)
        .where('account_id', '=', carl)
        .executeTakeFirst()) ?? null;
    // Before, the new account had no row for running tasks: the page said «not checked» and the worker never took it.
    expect(await recorded(open.id)).toEqual({ eligible: true, reason: null });
    expect((await panel(open.id)).items.find((i: any) => i.account_id === carl)).toMatchObject({ eligible: true });
    expect(await recorded(narrowed.id)).toEqual({ eligible: false, reason: 'ACCOUNT_WHY.not_chosen' });
    // Disabled and enabled again: back in the running task at once.
    await t.api({ method: 'PATCH', url: `/api/v1/invite/accounts/${carl}`, payload: { enabled: false } });
    expect((await panel(open.id)).items.find((i: any) => i.account_id === carl)).toMatchObject({ eligible: false });
    await t.ctx.db.deleteFrom('task_accounts').where('account_id', '=', carl).execute();
    await t.api({ method: 'PATCH', url: `/api/v1/invite/accounts/${carl}`, payload: { enabled: true } });
    expect(await recorded(open.id)).toEqual({ eligible: true, reason: null });
  });
});
