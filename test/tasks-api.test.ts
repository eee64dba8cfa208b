import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSandboxAccount, createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('auth', () => {
  it('refuses requests without a token, with a readable message', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/invite/tasks' });
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toMatch(/Bearer/);
  });

  it('refuses a token signed with another secret', async () => {
    const { SignJWT } = await import('jose');
    const forged = await new SignJWT({ user_id: 1 })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('not-the-secret'));
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/invite/tasks', headers: { authorization: `Bearer ${forged}` } });
    expect(res.statusCode).toBe(401);
  });

  it('takes the user from a numeric sub claim when user_id is absent', async () => {
    const { SignJWT } = await import('jose');
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('77')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(t.ctx.secrets.jwtSecret));
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      headers: { authorization: `Bearer ${token}` },
      payload: { type: 'direct_message', message_template: 'Hi {first_name}' },
    });
    expect(created.statusCode).toBe(201);
    const mine = await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${created.json().id}`, user: 77 });
    expect(mine.statusCode).toBe(200);
    expect(mine.json.name).toBe('Messages: Hi … · 5 Jan');
  });

  it('health and metrics need no token', async () => {
    expect((await t.app.inject({ url: '/health' })).statusCode).toBe(200);
    const detailed = await t.app.inject({ url: '/health/detailed' });
    expect(detailed.json()).toMatchObject({ status: 'ok', platform_mode: 'sandbox', sandbox: true });
    const metrics = await t.app.inject({ url: '/metrics' });
    expect(metrics.body).toContain('invite_active_tasks');
  });

  it('serves the OpenAPI document', async () => {
    const res = await t.app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json().paths)).toContain('/api/v1/invite/tasks');
  });
});

describe('task CRUD', () => {
  it('creates an invite task named after the group and shows it as sandbox', async () => {
    await addSandboxAccount(t, 1, 'Alpha');
    const task = await createInviteTask(t, ['alice_one', '@bob_two', 'https://t.me/carol_three', 'alice_one', 'x!']);
    expect(task).toMatchObject({
      name: 'Invites to Sandbox Marketing Chat · 5 Jan',
      // The group's title is shown before the task starts, not only the link the user typed.
      target_group: '@sandbox_marketing',
      target_group_title: 'Sandbox Marketing Chat',
      status: 'PENDING',
      priority: 'MEDIUM',
      sandbox: true,
      platform_mode: 'sandbox',
    });
    expect(task.import).toMatchObject({ imported: 3, duplicates: 1, invalid: 1 });
    expect(task.counters).toMatchObject({ total: 3, pending: 3, progress: 0 });
  });

  it('rejects bad input with sentences, not objects', async () => {
    const res = await t.api({ method: 'POST', url: '/api/v1/invite/tasks', payload: { type: 'direct_message', priority: 'URGENT' } });
    expect(res.statusCode).toBe(400);
    expect(res.json.message).not.toContain('[object Object]');
    expect(res.json.message).toMatch(/priority: Invalid option: expected one of "HIGH"\|"MEDIUM"\|"LOW"/);
    const noTemplate = await t.api({ method: 'POST', url: '/api/v1/invite/tasks', payload: { type: 'direct_message' } });
    expect(noTemplate.statusCode).toBe(400);
    expect(noTemplate.json.message).toBe('Invalid request: body.message_template: a direct-message task needs a message template');
    // A variable the worker does not know would reach people as written: refused at its field, named, in each language.
    const typo = { type: 'direct_message', message_template: 'Привет, {firstname}! Ждём вас, {username}. {name|друг}' };
    const unknownVar = await t.api({ method: 'POST', url: '/api/v1/invite/tasks', payload: typo });
    expect(unknownVar.statusCode).toBe(400);
    expect(unknownVar.json.message).toBe(
      'Invalid request: body.message_template: unknown variable {firstname}, {name|друг}: the template can use {username}, {first_name}',
    );
    const unknownRu = await t.api({ method: 'POST', url: '/api/v1/invite/tasks', payload: typo, headers: { 'accept-language': 'ru' } });
    expect(unknownRu.json.details).toEqual([
      expect.objectContaining({
        field: 'message_template',
        message: 'неизвестная переменная {firstname}, {name|друг}: в тексте можно использовать {username}, {first_name}',
      }),
    ]);
    // The same on an edit; known variables, fallbacks and braces that are not a variable are fine.
    const ok = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      payload: { type: 'direct_message', message_template: 'Привет, {first_name|друг}! { скидка 10% } для {username}' },
    });
    expect(ok.statusCode).toBe(201);
    const edit = await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${ok.json.id}`, payload: { message_template: 'Hi {fisrt_name}' } });
    expect(edit.statusCode).toBe(400);
    expect(edit.json.message).toContain('unknown variable {fisrt_name}');
    const badJson = await t.api({ method: 'POST', url: '/api/v1/invite/tasks', payload: '{"type":', headers: { 'content-type': 'application/json' } });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json.message).toMatch(/not valid JSON/);
  });

  it('updates, duplicates and deletes', async () => {
    const task = await createInviteTask(t, ['dupe_source1', 'dupe_source2'], { name: 'Original' });
    const upd = await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${task.id}`, payload: { name: 'Renamed', priority: 'HIGH' } });
    expect(upd.json).toMatchObject({ name: 'Renamed', priority: 'HIGH' });
    // A change that does not mention the priority leaves it alone.
    const notes = await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${task.id}`, payload: { settings: { notes: 'VIP list' } } });
    expect(notes.json).toMatchObject({ priority: 'HIGH', settings: { notes: 'VIP list' } });
    const wrongField = await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${task.id}`, payload: { message_template: 'x' } });
    expect(wrongField.statusCode).toBe(400);
    const copy = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/duplicate` });
    expect(copy.statusCode).toBe(201);
    expect(copy.json).toMatchObject({ name: 'Renamed (copy)', status: 'PENDING', counters: { total: 2, pending: 2 } });
    // In the reader's language; a name at the limit is shortened (never a character cut in half) so the copy's fits it.
    const long = await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${task.id}`, payload: { name: `${'я'.repeat(194)}🚀🚀🚀` } });
    expect(long.json.name).toHaveLength(200);
    const ru = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/duplicate`, headers: { 'accept-language': 'ru' } });
    expect(ru.json.name).toBe(`${'я'.repeat(192)} (копия)`);
    const again = await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${task.id}`, payload: { name: `${'я'.repeat(189)}🚀🚀🚀` } });
    expect(again.statusCode).toBe(200);
    const emoji = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/duplicate`, headers: { 'accept-language': 'ru' } });
    expect(emoji.json.name).toBe(`${'я'.repeat(189)}🚀 (копия)`);
    for (const c of [ru, emoji]) expect((await t.api({ method: 'DELETE', url: `/api/v1/invite/tasks/${c.json.id}` })).statusCode).toBe(204);
    expect((await t.api({ method: 'DELETE', url: `/api/v1/invite/tasks/${copy.json.id}` })).statusCode).toBe(204);
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${copy.json.id}` })).statusCode).toBe(404);
  });

  it("hides another user's task behind a 404 on every route", async () => {
    const task = await createInviteTask(t, ['owner_only1']);
    const routes: Array<[string, string, unknown?]> = [
      ['GET', `/api/v1/invite/tasks/${task.id}`],
      ['PUT', `/api/v1/invite/tasks/${task.id}`, { name: 'x' }],
      ['DELETE', `/api/v1/invite/tasks/${task.id}`],
      ['POST', `/api/v1/invite/tasks/${task.id}/start`],
      ['POST', `/api/v1/invite/tasks/${task.id}/duplicate`],
      ['GET', `/api/v1/invite/tasks/${task.id}/stats`],
      ['GET', `/api/v1/invite/tasks/${task.id}/targets`],
      ['GET', `/api/v1/invite/tasks/${task.id}/report`],
      ['GET', `/api/v1/invite/tasks/${task.id}/logs`],
      ['GET', `/api/v1/invite/tasks/${task.id}/status`],
      ['POST', `/api/v1/invite/tasks/${task.id}/targets`, { targets: ['intruder1'] }],
    ];
    for (const [method, url, payload] of routes) {
      const res = await t.api({ method: method as 'GET', url, payload: payload as object, user: 2 });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    const bulk = await t.api({ method: 'POST', url: '/api/v1/invite/tasks/bulk', user: 2, payload: { action: 'DELETE', task_ids: [task.id] } });
    expect(bulk.json.results[0]).toMatchObject({ ok: false, error: 'NOT_FOUND' });
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}` })).statusCode).toBe(200);
    const list = await t.api({ method: 'GET', url: '/api/v1/invite/tasks', user: 2 });
    expect(list.json.items.map((i: any) => i.id)).not.toContain(task.id);
  });
});

describe('listing', () => {
  it('filters, sorts and paginates', async () => {
    const u = 5;
    await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      user: u,
      payload: { type: 'direct_message', message_template: 'a', name: 'Alpha news', priority: 'LOW' },
    });
    await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      user: u,
      payload: { type: 'direct_message', message_template: 'b', name: 'Beta promo', priority: 'HIGH' },
    });
    await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      user: u,
      payload: { type: 'direct_message', message_template: 'c', name: 'Gamma news', priority: 'MEDIUM', targets: ['gamma_person'] },
    });
    const byName = await t.api({ method: 'GET', url: '/api/v1/invite/tasks?name_contains=news&sort=name&order=asc', user: u });
    expect(byName.json.items.map((i: any) => i.name)).toEqual(['Alpha news', 'Gamma news']);
    const byPriority = await t.api({ method: 'GET', url: '/api/v1/invite/tasks?priority=HIGH,LOW&sort=priority&order=desc', user: u });
    expect(byPriority.json.items.map((i: any) => i.priority)).toEqual(['HIGH', 'LOW']);
    const page2 = await t.api({ method: 'GET', url: '/api/v1/invite/tasks?page=2&page_size=2&sort=name&order=asc', user: u });
    expect(page2.json).toMatchObject({ total: 3, page: 2, pages: 2 });
    expect(page2.json.items.map((i: any) => i.name)).toEqual(['Gamma news']);
    const status = await t.api({ method: 'GET', url: '/api/v1/invite/tasks?status=PENDING&status=PAUSED', user: u });
    expect(status.json.total).toBe(3);
    const byProgress = await t.api({ method: 'GET', url: '/api/v1/invite/tasks?sort=progress', user: u });
    expect(byProgress.statusCode).toBe(200);
    // Tasks created in the same moment come in creation order when the oldest are asked first.
    const oldest = await t.api({ method: 'GET', url: '/api/v1/invite/tasks?sort=created_at&order=asc&running_first=false&page_size=100', user: u });
    const ids = oldest.json.items.map((i: any) => i.id);
    expect(ids).toEqual([...ids].sort((a: number, b: number) => a - b));
    const future = await t.api({ method: 'GET', url: '/api/v1/invite/tasks?created_after=2100-01-01T00:00:00Z', user: u });
    expect(future.json.total).toBe(0);
    const tooBig = await t.api({ method: 'GET', url: '/api/v1/invite/tasks?page_size=500', user: u });
    expect(tooBig.statusCode).toBe(400);
    expect(tooBig.json.message).toMatch(/page_size/);
    // Enum inputs are read in any case (the platform's page sends lower case); unknown values are still refused.
    const lower = await t.api({ method: 'GET', url: '/api/v1/invite/tasks?status=pending', user: u });
    const upper = await t.api({ method: 'GET', url: '/api/v1/invite/tasks?status=PENDING', user: u });
    expect(lower.json.total).toBe(upper.json.total);
    const badStatus = await t.api({ method: 'GET', url: '/api/v1/invite/tasks?status=waiting', user: u });
    expect(badStatus.statusCode).toBe(400);
  });
});

describe('lifecycle', () => {
  it('refuses to start a task with no targets', async () => {
    const res = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      payload: { type: 'invite_to_group', target_group: '@sandbox_marketing', name: 'Empty' },
    });
    const start = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${res.json.id}/start` });
    expect(start.statusCode).toBe(409);
    expect(start.json.message).toMatch(/no audience/);
  });

  it('refuses illegal transitions with a reason', async () => {
    const task = await createInviteTask(t, ['transition_a']);
    const resume = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/resume` });
    expect(resume.statusCode).toBe(409);
    expect(resume.json.message).toMatch(/Cannot resume .* PENDING/);
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/start` })).json.status).toBe('IN_PROGRESS');
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/start` })).statusCode).toBe(409);
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/pause` })).json.status).toBe('PAUSED');
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/pause` })).statusCode).toBe(409);
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/resume` })).json.status).toBe('IN_PROGRESS');
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/cancel` })).json.status).toBe('CANCELLED');
    const again = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/cancel` });
    expect(again.statusCode).toBe(409);
    expect(again.json.message).toMatch(/finished task cannot be cancelled/);
  });

  it('refuses to start when no account is an admin of the group', async () => {
    const task = await createInviteTask(t, ['some_person1'], { target_group: '@sandbox_no_admin' });
    const res = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/start` });
    expect(res.statusCode).toBe(409);
    expect(res.json.message).toMatch(/not an admin/);
  });

  it('schedules a task with a future start time', async () => {
    const task = await createInviteTask(t, ['later_person1'], { scheduled_at: '2026-01-06T09:00:00Z' });
    const res = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/start` });
    expect(res.json.status).toBe('SCHEDULED');
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/cancel` });
  });

  it('limits concurrent tasks per user', async () => {
    const u = 9;
    await addSandboxAccount(t, u, 'Nine');
    const ids: number[] = [];
    for (let i = 0; i < 11; i++) ids.push((await createInviteTask(t, [`conc_person_${i}`], {}, u)).id);
    for (const id of ids.slice(0, 10)) expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${id}/start`, user: u })).statusCode).toBe(200);
    const eleventh = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${ids[10]}/start`, user: u });
    expect(eleventh.statusCode).toBe(409);
    expect(eleventh.json.message).toMatch(/10 running or scheduled/);
  });

  it('applies bulk actions and reports each outcome', async () => {
    const u = 11;
    await addSandboxAccount(t, u);
    const a = await createInviteTask(t, ['bulk_a_person'], {}, u);
    const b = await createInviteTask(t, ['bulk_b_person'], {}, u);
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${a.id}/start`, user: u });
    const pause = await t.api({ method: 'POST', url: '/api/v1/invite/tasks/bulk', user: u, payload: { action: 'PAUSE', task_ids: [a.id, b.id] } });
    expect(pause.json).toMatchObject({ succeeded: 1, failed: 1 });
    expect(pause.json.results.find((r: any) => r.id === b.id).message).toMatch(/Cannot pause/);
    const prio = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks/bulk',
      user: u,
      payload: { action: 'SET_PRIORITY', task_ids: [a.id, b.id], priority: 'LOW' },
    });
    expect(prio.json.succeeded).toBe(2);
    const noPrio = await t.api({ method: 'POST', url: '/api/v1/invite/tasks/bulk', user: u, payload: { action: 'SET_PRIORITY', task_ids: [a.id] } });
    expect(noPrio.statusCode).toBe(400);
    const del = await t.api({ method: 'POST', url: '/api/v1/invite/tasks/bulk', user: u, payload: { action: 'DELETE', task_ids: [a.id, b.id] } });
    expect(del.json.succeeded).toBe(2);
    expect((await t.api({ method: 'GET', url: '/api/v1/invite/tasks', user: u })).json.total).toBe(0);
  });

  it('starts selected tasks in bulk as their own start would, each refusal with its reason and the others still started', async () => {
    const u = 12;
    await addSandboxAccount(t, u);
    const RU = { 'accept-language': 'ru' };
    const ready = await createInviteTask(t, ['bulk_start_ready'], { name: 'Готова' }, u);
    // No account of the user is an admin there: the single start's NO_READY_ADMIN.
    const noAdmin = await createInviteTask(t, ['bulk_start_noadmin'], { name: 'Без админа', target_group: '@sandbox_no_admin' }, u);
    const noAudience = await createInviteTask(t, [], { name: 'Без аудитории' }, u);
    const running = await createInviteTask(t, ['bulk_start_running'], { name: 'Уже идёт' }, u);
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${running.id}/start`, user: u })).json.status).toBe('IN_PROGRESS');
    // After a refusal in the middle: still tried, and a future start time makes it SCHEDULED as a single start does.
    const later = await createInviteTask(t, ['bulk_start_later'], { name: 'Позже', scheduled_at: '2026-01-06T09:00:00Z' }, u);

    const ids = [ready.id, noAdmin.id, noAudience.id, running.id, later.id];
    const res = await t.api({ method: 'POST', url: '/api/v1/invite/tasks/bulk', user: u, headers: RU, payload: { action: 'START', task_ids: ids } });
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({ action: 'START', succeeded: 2, failed: 3 });
    const byId = new Map(res.json.results.map((r: any) => [r.id, r]));
    expect(byId.get(ready.id)).toMatchObject({ ok: true, status: 'IN_PROGRESS' });
    expect(byId.get(later.id)).toMatchObject({ ok: true, status: 'SCHEDULED' });
    expect(byId.get(noAdmin.id)).toMatchObject({
      ok: false,
      error: 'NO_READY_ADMIN',
      message: expect.stringMatching(/^Сейчас ни один аккаунт не может приглашать/),
    });
    expect(byId.get(noAudience.id)).toMatchObject({
      ok: false,
      error: 'NO_TARGETS',
      message: 'В задаче «Без аудитории» ещё нет аудитории: загрузите файл или базу сервиса парсинга.',
    });
    expect(byId.get(running.id)).toMatchObject({
      ok: false,
      error: 'ILLEGAL_TRANSITION',
      message: expect.stringMatching(/^Нельзя запустить задачу «Уже идёт»/),
    });

    const statusOf = async (id: number) => (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${id}`, user: u })).json.status;
    expect(await Promise.all(ids.map(statusOf))).toEqual(['IN_PROGRESS', 'PENDING', 'PENDING', 'IN_PROGRESS', 'SCHEDULED']);
    // Started the way a single start starts: its accounts were assigned and its start time recorded.
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${ready.id}`, user: u })).json.started_at).toBeTruthy();
    const assigned = await t.ctx.db.selectFrom('task_accounts').select(['task_id', 'eligible']).where('task_id', 'in', ids).execute();
    expect(
      assigned
        .filter((r) => r.eligible)
        .map((r) => r.task_id)
        .sort((x, y) => x - y),
    ).toEqual([ready.id, running.id, later.id].sort((x, y) => x - y));

    // The refusals read in English too (the request's language).
    const again = await t.api({ method: 'POST', url: '/api/v1/invite/tasks/bulk', user: u, payload: { action: 'START', task_ids: [noAudience.id] } });
    expect(again.json.results[0]).toMatchObject({
      ok: false,
      message: 'Task "Без аудитории" has no audience yet: import a file or a Parsing Service base first.',
    });
    for (const id of [ready.id, running.id, later.id]) await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${id}/cancel`, user: u });
  });
});

describe('targets', () => {
  it('lists, edits, deletes and bulk-updates targets', async () => {
    const task = await createInviteTask(t, ['tgt_alpha1', 'tgt_bravo2', 'tgt_charlie3']);
    const list = await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/targets?search=bravo` });
    expect(list.json.items).toHaveLength(1);
    const [bravo] = list.json.items;
    const edit = await t.api({
      method: 'PUT',
      url: `/api/v1/invite/tasks/${task.id}/targets/${bravo.id}`,
      payload: { username: '@tgt_bravo_fixed', first_name: 'Bravo' },
    });
    expect(edit.json).toMatchObject({ username: 'tgt_bravo_fixed', first_name: 'Bravo' });
    const clash = await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${task.id}/targets/${bravo.id}`, payload: { username: 'tgt_alpha1' } });
    expect(clash.statusCode).toBe(409);
    const skip = await t.api({
      method: 'POST',
      url: `/api/v1/invite/tasks/${task.id}/targets/bulk-action`,
      payload: { action: 'skip', target_ids: [bravo.id] },
    });
    expect(skip.json.affected).toBe(1);
    const reset = await t.api({
      method: 'POST',
      url: `/api/v1/invite/tasks/${task.id}/targets/bulk-action`,
      payload: { action: 'reset', statuses: ['SKIPPED'] },
    });
    expect(reset.json.affected).toBe(1);
    expect((await t.api({ method: 'DELETE', url: `/api/v1/invite/tasks/${task.id}/targets/${bravo.id}` })).statusCode).toBe(204);
    const after = await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}` });
    expect(after.json.counters.total).toBe(2);
    const none = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/targets/bulk-action`, payload: { action: 'skip' } });
    expect(none.statusCode).toBe(400);
  });

  it('finds a person as people write them: @name, its t.me link, the whole name, a phone with spaces or a domestic 8', async () => {
    const task = await createInviteTask(t, [
      { username: 'search_anna', first_name: 'Анна', last_name: 'Соколова' },
      { username: 'search_boris', first_name: 'Борис', last_name: 'Соколов' },
      { phone: '+79991234567', first_name: 'Вера' },
      { username: 'search_100_percent' },
    ]);
    const found = async (search: string) =>
      (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/targets?search=${encodeURIComponent(search)}` })).json.items.map(
        (x: any) => x.username ?? x.phone,
      );
    expect(await found('@search_anna')).toEqual(['search_anna']);
    expect(await found('https://t.me/search_anna')).toEqual(['search_anna']);
    expect(await found('t.me/search_boris?start=1')).toEqual(['search_boris']);
    expect(await found('Анна Соколова')).toEqual(['search_anna']);
    expect(await found('соколов')).toEqual(['search_anna', 'search_boris']);
    expect(await found('+7 999 123-45')).toEqual(['+79991234567']);
    expect(await found('8 (999) 123 45 67')).toEqual(['+79991234567']);
    // LIKE's own characters are the text they are: «100_» is not «100 and any character».
    expect(await found('100_p')).toEqual(['search_100_percent']);
    expect(await found('100%')).toEqual([]);
    expect(await found('никто')).toEqual([]);
  });

  it('caps targets per task and says how many were over the limit', async () => {
    const capped = await makeTestApp({ MAX_TARGETS_PER_TASK: '3' });
    try {
      await addSandboxAccount(capped);
      const task = await createInviteTask(capped, ['cap_one1', 'cap_two2', 'cap_three3', 'cap_four4', 'cap_five5']);
      expect(task.import).toMatchObject({ imported: 3, over_limit: 2 });
    } finally {
      await capped.close();
    }
  });
});

describe('a task’s history', () => {
  it('says when a task ended longer ago than the execution logs are kept (its chart and feed are gone, its totals stay)', async () => {
    const task = await createInviteTask(t, ['history_one']);
    const stats = async () => (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/stats` })).json;
    expect(await stats()).toMatchObject({ history_days: t.ctx.config.logRetentionDays, history_deleted: false });
    const ended = (days: number) =>
      t.ctx.db
        .updateTable('tasks')
        .set({ status: 'COMPLETED', finished_at: new Date(t.clock.now().getTime() - days * 86_400_000) })
        .where('id', '=', task.id)
        .execute();
    await ended(t.ctx.config.logRetentionDays - 1);
    expect((await stats()).history_deleted).toBe(false);
    await ended(t.ctx.config.logRetentionDays + 1);
    expect((await stats()).history_deleted).toBe(true);
  });
});
