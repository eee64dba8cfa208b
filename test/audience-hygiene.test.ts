import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSandboxAccount, createInviteTask, makeTestApp, SANDBOX_GROUP_KEY, type TestApp } from './helpers/test-app.js';
import { multipartBody } from './helpers/multipart.js';
import { runVirtual } from '../src/scheduler/worker-loop.js';
import { isRetryable } from '../src/hygiene/retryable.js';
import { recordInLedger } from '../src/hygiene/audience-hygiene.js';
import { migrate } from '../src/db/migrations.js';
import { sql } from 'kysely';
import type { Worker } from '../src/scheduler/worker.js';

/**
 * Audience hygiene (issue 11): the per-user, per-group ledger of people already invited or found in the group,
 * the do-not-contact list, and "retry the failures". Users 1 and 2 share one sandbox (one Telegram), so what
 * user 2 does in a group is visible to the platform but never to user 1's ledger or list.
 */
let t: TestApp;
let worker: Worker;
beforeAll(async () => {
  t = await makeTestApp({}, { sandbox: { privacyRate: 0 } });
  worker = t.ctx.createWorker('hygiene-worker');
  await addSandboxAccount(t, 1, 'One');
  await addSandboxAccount(t, 2, 'Two');
});
afterAll(async () => {
  await t?.close();
});

const run = (hours: number) => runVirtual(worker, t.clock, t.clock.now().getTime() + hours * 3600_000);
const targets = async (id: number, user = 1) =>
  (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${id}/targets?page_size=100`, user })).json.items as any[];
const byName = async (id: number, user = 1) => Object.fromEntries((await targets(id, user)).map((x) => [x.username?.toLowerCase() ?? x.phone, x]));
const getTask = async (id: number, user = 1) => (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${id}`, user })).json;
const act = async (id: number, action: string, user = 1) => {
  const res = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${id}/${action}`, user });
  if (res.statusCode !== 200) throw new Error(res.body);
  return res.json;
};
const sandboxInvites = (name: string) => t.ctx.sandboxWorld.events.filter((e) => e.action === 'invite' && e.person.endsWith(`:${name}`)).length;
/** Writes an outcome onto some of a task's people by hand, as the worker would have left it. */
const setOutcome = (taskId: number, usernames: string[], status: string, code: string | null, message: string | null) =>
  t.ctx.db
    .updateTable('targets')
    .set({ status: status as never, error_code: code, error_message: message })
    .where('task_id', '=', taskId)
    .where('username', 'in', usernames)
    .execute();
async function upload(url: string, filename: string, content: string, user = 1) {
  const body = multipartBody(filename, content);
  return t.api({ method: 'POST', url, payload: body.payload, headers: body.headers, user });
}

describe('the ledger of people already invited into a group', () => {
  let first: any;
  let late: any;

  it('is written with each outcome, and a task imported before them skips them when it claims (no platform call, no limit used)', async () => {
    first = await createInviteTask(t, ['led_alice', 'led_bob', 'led_carol']);
    // Imported before anyone was invited (and before its group was known): nothing to skip yet.
    late = await createInviteTask(t, ['led_alice', 'led_dan']);
    expect(late.import).toMatchObject({ imported: 2, already_invited: 0, do_not_contact: 0 });
    await act(first.id, 'start');
    await run(12);
    expect((await getTask(first.id)).status).toBe('COMPLETED');
    const ledger = await t.ctx.db.selectFrom('audience_ledger').selectAll().where('user_id', '=', 1).orderBy('identity_key').execute();
    expect(ledger.map((l) => [l.group_key, l.identity_key, l.outcome, l.task_id])).toEqual([
      [SANDBOX_GROUP_KEY, 'u:led_alice', 'INVITED', first.id],
      [SANDBOX_GROUP_KEY, 'u:led_bob', 'INVITED', first.id],
      [SANDBOX_GROUP_KEY, 'u:led_carol', 'INVITED', first.id],
    ]);

    const before = await t.ctx.db
      .selectFrom('execution_logs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    await act(late.id, 'start');
    await run(12);
    const people = await byName(late.id);
    expect(people.led_alice).toMatchObject({ status: 'SKIPPED', error_code: 'ALREADY_INVITED', attempts: 0, account_id: null });
    expect(people.led_alice.error_message).toContain(`task #${first.id}`);
    expect(people.led_dan).toMatchObject({ status: 'INVITED' });
    expect(sandboxInvites('led_alice')).toBe(1);
    // Only led_dan spent an attempt.
    const after = await t.ctx.db
      .selectFrom('execution_logs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n) - Number(before.n)).toBe(1);
    expect((await getTask(late.id)).counters).toMatchObject({ total: 2, invited: 1, skipped: 1, pending: 0 });
  });

  it('skips them at import time into a task whose group is known, and counts them in the report', async () => {
    const third = await createInviteTask(t, ['led_frank']);
    await act(third.id, 'start');
    await act(third.id, 'pause');
    const res = await upload(`/api/v1/invite/import/file?task_id=${third.id}`, 'more.csv', 'username\nled_alice\nLED_BOB\nled_gina\n');
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({ imported: 3, already_invited: 2, do_not_contact: 0 });
    const people = await byName(third.id);
    expect(people.led_bob).toMatchObject({ status: 'SKIPPED', error_code: 'ALREADY_INVITED', attempts: 0 });
    expect(people.led_gina).toMatchObject({ status: 'PENDING' });
    expect((await getTask(third.id)).counters).toMatchObject({ total: 4, pending: 2, skipped: 2 });
    // Inline audiences too.
    const inline = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${third.id}/targets`, payload: { targets: ['led_carol', 'led_hank'] } });
    expect(inline.json).toMatchObject({ imported: 2, already_invited: 1 });
    await act(third.id, 'cancel');
  });

  it('skips them from the first import into a task not started yet: its group is learnt when it is created, or when the group changes', async () => {
    // Created with people already invited: the preview promised they would be skipped, and so they are.
    const fresh = await createInviteTask(t, ['led_alice', 'led_ivan']);
    expect(fresh.import).toMatchObject({ imported: 2, already_invited: 1 });
    expect((await getTask(fresh.id)).counters).toMatchObject({ total: 2, pending: 1, skipped: 1 });
    const file = await upload(`/api/v1/invite/import/file?task_id=${fresh.id}`, 'more.csv', 'username\nled_bob\nled_jane\n');
    expect(file.json).toMatchObject({ imported: 2, already_invited: 1 });
    // A task created for another group, moved to this one before its start: the next import knows it.
    const moved = await createInviteTask(t, [], { target_group: '@sandbox_no_admin' });
    await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${moved.id}`, payload: { target_group: '@sandbox_marketing' } });
    const later = await upload(`/api/v1/invite/import/file?task_id=${moved.id}`, 'more.csv', 'username\nled_carol\nled_kate\n');
    expect(later.json).toMatchObject({ imported: 2, already_invited: 1 });
    // A group nobody can resolve now is learnt at the start, as before.
    const unknown = await createInviteTask(t, ['led_alice'], { target_group: '@sandbox_no_such_group_here' });
    expect(unknown.import).toMatchObject({ imported: 1, already_invited: 0 });
    for (const id of [fresh.id, moved.id, unknown.id]) await t.api({ method: 'DELETE', url: `/api/v1/invite/tasks/${id}` });
  });

  it('counts them in previews (file dry run with the group from the admin check, validate), for their owner only', async () => {
    const file = 'username\nled_alice\nled_carol\nled_new_one\n';
    const dry = await upload(`/api/v1/invite/import/file?dry_run=true&group_key=${SANDBOX_GROUP_KEY}`, 'p.csv', file);
    expect(dry.json).toMatchObject({ dry_run: true, imported: 3, already_invited: 2, do_not_contact: 0 });
    expect((await upload('/api/v1/invite/import/file?dry_run=true&group_key=-1001000000002', 'p.csv', file)).json.already_invited).toBe(0);
    expect((await upload('/api/v1/invite/import/file?dry_run=true', 'p.csv', file)).json.already_invited).toBe(0);
    expect((await upload(`/api/v1/invite/import/file?dry_run=true&group_key=${SANDBOX_GROUP_KEY}`, 'p.csv', file, 2)).json.already_invited).toBe(0);
    const validate = await t.api({
      method: 'POST',
      url: '/api/v1/invite/import/validate',
      payload: { rows: ['led_alice', 'led_zoe_new'], group_key: SANDBOX_GROUP_KEY },
    });
    expect(validate.json).toMatchObject({ imported: 2, already_invited: 1 });
    // A dry run against an existing task uses the task's group.
    const other = await createInviteTask(t, []);
    await act(other.id, 'start').catch(() => undefined); // no pending targets: refused, group stays unknown
    expect(
      (await upload(`/api/v1/invite/import/file?dry_run=true&task_id=${other.id}&group_key=${SANDBOX_GROUP_KEY}`, 'p.csv', file)).json.already_invited,
    ).toBe(2);
  });

  it("another user's ledger never skips anyone; someone found already in the group enters the ledger", async () => {
    const theirs = await createInviteTask(t, ['iso_zed'], {}, 2);
    await act(theirs.id, 'start', 2);
    await run(6);
    expect((await byName(theirs.id, 2)).iso_zed).toMatchObject({ status: 'INVITED' });
    const mine = await createInviteTask(t, ['iso_zed']);
    await act(mine.id, 'start');
    await run(6);
    // Tried on the platform (user 2's ledger does not count for user 1), which says: already a member.
    expect((await byName(mine.id)).iso_zed).toMatchObject({ status: 'SKIPPED', error_code: 'USER_ALREADY_PARTICIPANT', attempts: 1 });
    const entry = await t.ctx.db.selectFrom('audience_ledger').selectAll().where('user_id', '=', 1).where('identity_key', '=', 'u:iso_zed').executeTakeFirst();
    expect(entry).toMatchObject({ outcome: 'ALREADY_MEMBER', task_id: mine.id });
    const dry = await upload(`/api/v1/invite/import/file?dry_run=true&group_key=${SANDBOX_GROUP_KEY}`, 'p.txt', 'iso_zed\n');
    expect(dry.json.already_invited).toBe(1);
  });
});

describe('the do-not-contact list', () => {
  const list = async (query = '', user = 1) => (await t.api({ method: 'GET', url: `/api/v1/invite/do-not-contact${query}`, user })).json;

  it("adds by hand (usernames, links, ids, phones), from a file and from a task's refusals; lists, searches, pages, removes", async () => {
    const manual = await t.api({
      method: 'POST',
      url: '/api/v1/invite/do-not-contact',
      payload: { entries: ['@dnc_alice', 'https://t.me/dnc_bob', '+1 415 555 0199', 12345678, 'bad!!'], note: 'asked us' },
    });
    expect(manual.statusCode).toBe(201);
    expect(manual.json).toMatchObject({ added: 4, already: 0, invalid: 1 });
    expect((await t.api({ method: 'POST', url: '/api/v1/invite/do-not-contact', payload: { entries: ['DNC_ALICE'] } })).json).toMatchObject({
      added: 0,
      already: 1,
    });

    const file = await upload('/api/v1/invite/do-not-contact/file', 'dnc.csv', 'username,phone\ndnc_carol,\ndnc_alice,\n,+14155550199\n');
    expect(file.statusCode).toBe(201);
    expect(file.json).toMatchObject({ format: 'csv', added: 1, already: 2, invalid: 0 });

    const refusing = await createInviteTask(t, ['dnc_private_one', 'dnc_mutual_two', 'dnc_fine_three', 'dnc_kicked_four']);
    await act(refusing.id, 'start');
    await run(12);
    const fromTask = await t.api({ method: 'POST', url: '/api/v1/invite/do-not-contact/from-task', payload: { task_id: refusing.id } });
    expect(fromTask.statusCode).toBe(201);
    expect(fromTask.json).toMatchObject({ matched: 3, added: 3 });
    const onlyPrivacy = await t.api({
      method: 'POST',
      url: '/api/v1/invite/do-not-contact/from-task',
      payload: { task_id: refusing.id, codes: ['USER_PRIVACY_RESTRICTED'] },
    });
    expect(onlyPrivacy.json).toMatchObject({ matched: 1, added: 0, already: 1 });

    const all = await list();
    expect(all.total).toBe(8);
    expect(all.items[0]).toMatchObject({ source: 'TASK', source_task_id: refusing.id });
    expect((await list('?search=@dnc_car')).items.map((x: any) => x.username)).toEqual(['dnc_carol']);
    expect((await list('?search=415555')).items.map((x: any) => x.phone)).toEqual(['+14155550199']);
    const page2 = await list('?page=2&page_size=3');
    expect(page2).toMatchObject({ total: 8, page: 2, pages: 3 });
    expect(page2.items).toHaveLength(3);

    const carol = (await list('?search=dnc_carol')).items[0];
    expect((await t.api({ method: 'DELETE', url: `/api/v1/invite/do-not-contact/${carol.id}` })).statusCode).toBe(204);
    expect((await list()).total).toBe(7);
    const audit = await t.ctx.db.selectFrom('audit_log').select('action').where('user_id', '=', 1).where('action', 'like', 'dnc.%').execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['dnc.add', 'dnc.add', 'dnc.add', 'dnc.add', 'dnc.add', 'dnc.remove']);
  });

  it("refuses an entry too long to be anyone on its own line, in the reader's language, and adds the rest", async () => {
    const long = `x${'y'.repeat(299)}`;
    const res = await t.api({
      method: 'POST',
      url: '/api/v1/invite/do-not-contact',
      headers: { 'accept-language': 'ru' },
      payload: { entries: ['@dnc_long_ok', long, '0', '89991234568'] },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json).toMatchObject({ added: 2, invalid: 2 });
    expect(res.json.errors).toEqual([
      { row: 2, reason: `«x${'y'.repeat(39)}…» — некорректный юзернейм (5–32 латинских букв, цифр, подчёркиваний)` },
      { row: 3, reason: '«0» — не id пользователя Telegram (целое число больше нуля, до 20 цифр)' },
    ]);
    const phone = await t.ctx.db.selectFrom('do_not_contact').select(['phone', 'user_id_platform']).where('phone', '=', '+79991234568').executeTakeFirst();
    expect(phone).toEqual({ phone: '+79991234568', user_id_platform: null });
    // Searched as people write numbers: with spaces and brackets, or with the domestic 8.
    for (const search of ['+7 999 123', '8 (999) 123-45-68', '999-123'])
      expect(
        (await list(`?search=${encodeURIComponent(search)}`)).items.map((x: any) => x.phone),
        search,
      ).toEqual(['+79991234568']);
  });

  it("is the owner's only: another user sees none of it, cannot remove from it, and is not affected by it", async () => {
    expect((await list('', 2)).total).toBe(0);
    const mineId = (await list()).items[0].id;
    expect((await t.api({ method: 'DELETE', url: `/api/v1/invite/do-not-contact/${mineId}`, user: 2 })).statusCode).toBe(404);
    const myTask = await createInviteTask(t, ['whatever_one']);
    expect((await t.api({ method: 'POST', url: '/api/v1/invite/do-not-contact/from-task', user: 2, payload: { task_id: myTask.id } })).statusCode).toBe(404);
    const theirs = await createInviteTask(t, ['dnc_alice', 'dnc_bob'], {}, 2);
    expect(theirs.import).toMatchObject({ imported: 2, do_not_contact: 0 });
  });

  it('is honoured by every import (any identifier matches) and by previews', async () => {
    const dry = await upload('/api/v1/invite/import/file?dry_run=true', 'p.csv', 'username,phone\ndnc_alice,\nsomeone_new,+14155550199\nfresh_person,\n');
    expect(dry.json).toMatchObject({ imported: 3, do_not_contact: 2, already_invited: 0 });
    const task = await createInviteTask(t, []);
    const res = await upload(`/api/v1/invite/import/file?task_id=${task.id}`, 'p.csv', 'username,phone\ndnc_alice,\nsomeone_new,+14155550199\nfresh_person,\n');
    expect(res.json).toMatchObject({ imported: 3, do_not_contact: 2 });
    const people = await byName(task.id);
    expect(people.someone_new).toMatchObject({ status: 'SKIPPED', error_code: 'DO_NOT_CONTACT', error_message: 'on your do-not-contact list' });
    expect(people.fresh_person.status).toBe('PENDING');
    // Direct-message tasks too.
    const dm = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      payload: { type: 'direct_message', message_template: 'Hi {first_name}', targets: ['dnc_bob', 'dm_fine_one'] },
    });
    expect(dm.json.import).toMatchObject({ imported: 2, do_not_contact: 1 });
  });

  it('is honoured by the worker for people added after the import', async () => {
    const task = await createInviteTask(t, ['dnc_late_one', 'dnc_late_two']);
    await t.api({ method: 'POST', url: '/api/v1/invite/do-not-contact', payload: { entries: ['dnc_late_one'] } });
    await act(task.id, 'start');
    await run(6);
    const people = await byName(task.id);
    expect(people.dnc_late_one).toMatchObject({ status: 'SKIPPED', error_code: 'DO_NOT_CONTACT', attempts: 0 });
    expect(people.dnc_late_two.status).toBe('INVITED');
    expect(sandboxInvites('dnc_late_one')).toBe(0);
  });
});

describe('copies of a task (duplicate, retry the failures)', () => {
  it('a duplicate of a finished task skips at once the people it invited, those put on the do-not-contact list since and those Telegram refused for good; the rest wait', async () => {
    const src = await createInviteTask(t, ['dup_ann', 'dup_ben', 'dup_cat', 'dup_dan', 'dup_eve', 'dup_fay'], { name: 'Копируемая' });
    // Cat and Dan are set aside before the start, so only Ann and Ben are invited; Telegram refused Eve and Fay for good.
    await setOutcome(src.id, ['dup_cat', 'dup_dan'], 'SKIPPED', 'SKIPPED_BY_USER', null);
    await setOutcome(src.id, ['dup_eve'], 'SKIPPED', 'USER_PRIVACY_RESTRICTED', "the user's privacy settings forbid invites");
    await setOutcome(src.id, ['dup_fay'], 'FAILED', 'USERNAME_NOT_OCCUPIED', 'no Telegram user has this username');
    await act(src.id, 'start');
    await run(12);
    expect((await getTask(src.id)).status).toBe('COMPLETED');
    await t.api({ method: 'POST', url: '/api/v1/invite/do-not-contact', payload: { entries: ['@DUP_CAT'] } });

    const res = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${src.id}/duplicate` });
    expect(res.statusCode, res.body).toBe(201);
    const copy = await targets(res.json.id);
    expect(copy.map((x) => [x.username, x.status, x.error_code])).toEqual([
      ['dup_ann', 'SKIPPED', 'ALREADY_INVITED'],
      ['dup_ben', 'SKIPPED', 'ALREADY_INVITED'],
      ['dup_cat', 'SKIPPED', 'DO_NOT_CONTACT'],
      ['dup_dan', 'PENDING', null],
      // The platform's refusals are kept: trying them again would meet them again and spend the accounts' limits.
      ['dup_eve', 'SKIPPED', 'USER_PRIVACY_RESTRICTED'],
      ['dup_fay', 'SKIPPED', 'USERNAME_NOT_OCCUPIED'],
    ]);
    expect(copy[0].error_message).toBe(`already invited into this group (task #${src.id})`);
    expect(copy[5].error_message).toBe('no Telegram user has this username');
    expect((await getTask(res.json.id)).counters).toMatchObject({ total: 6, pending: 1, skipped: 5 });
    // Started, it tries Dan only.
    const before = sandboxInvites('dup_ann');
    await act(res.json.id, 'start');
    await run(12);
    expect(sandboxInvites('dup_ann')).toBe(before);
    expect(Object.fromEntries((await targets(res.json.id)).map((x) => [x.username, x.status]))).toMatchObject({ dup_dan: 'INVITED' });
  });

  it('retrying the failures skips at once a person invited into the group by another task since', async () => {
    const src = await createInviteTask(t, ['rh_net', 'rh_elsewhere']);
    await act(src.id, 'start'); // the start's admin check learns the group
    await t.ctx.db.updateTable('targets').set({ status: 'FAILED', error_code: 'TIMEOUT' }).where('task_id', '=', src.id).execute();
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${src.id}/cancel` });
    const other = await createInviteTask(t, ['rh_elsewhere']);
    await act(other.id, 'start');
    await run(12);
    const res = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${src.id}/retry-failed`, payload: {} });
    expect(res.statusCode, res.body).toBe(201);
    expect((await targets(res.json.id)).map((x) => [x.username, x.status, x.error_code, x.extra?.retry_of_task])).toEqual([
      ['rh_net', 'PENDING', null, src.id],
      ['rh_elsewhere', 'SKIPPED', 'ALREADY_INVITED', src.id],
    ]);
  });
});

describe('retry the failures', () => {
  it('decides retryable from the error codes: network and unknown failures only', () => {
    for (const code of ['TIMEOUT', 'NETWORK_TIMEOUT', 'CONNECT_FAILED', 'INTERNAL_SERVER_ERROR']) expect(isRetryable('FAILED', code)).toBe(true);
    expect(isRetryable('FAILED', null)).toBe(true);
    for (const code of [
      'USER_PRIVACY_RESTRICTED',
      'USER_IS_BLOCKED',
      'USERNAME_NOT_OCCUPIED',
      'PHONE_NOT_FOUND',
      'USER_ALREADY_PARTICIPANT',
      'ALREADY_INVITED',
      'DO_NOT_CONTACT',
      'SKIPPED_BY_USER',
      'OUTCOME_UNKNOWN',
    ]) {
      expect(isRetryable('SKIPPED', code)).toBe(false);
    }
    expect(isRetryable('INVITED', null)).toBe(false);
  });

  it('creates a task from the retryable failures only, and says what was left out and why', async () => {
    const src = await createInviteTask(t, ['rt_net_one', 'rt_net_two', 'rt_private', 'rt_ghost', 'rt_ledger', 'rt_ok', 'rt_dnc'], {
      priority: 'HIGH',
      name: 'Весенняя',
    });
    const set = (name: string, status: string, code: string | null, msg = 'x') => setOutcome(src.id, [name], status, code, msg);
    await set('rt_net_one', 'FAILED', 'TIMEOUT', 'gave up after 3 attempts: no answer');
    await set('rt_net_two', 'FAILED', 'NETWORK_TIMEOUT');
    await set('rt_private', 'SKIPPED', 'USER_PRIVACY_RESTRICTED', "the user's privacy settings forbid invites");
    await set('rt_ghost', 'FAILED', 'USERNAME_NOT_OCCUPIED', 'no Telegram user has this username');
    await set('rt_ledger', 'SKIPPED', 'ALREADY_INVITED');
    await set('rt_ok', 'INVITED', null);
    await set('rt_dnc', 'SKIPPED', 'DO_NOT_CONTACT');
    // An invitation is written into the ledger with its outcome, as the worker does (the task knows its group).
    const task = await t.ctx.db.selectFrom('tasks').selectAll().where('id', '=', src.id).executeTakeFirstOrThrow();
    const ok = await t.ctx.db.selectFrom('targets').selectAll().where('task_id', '=', src.id).where('username', '=', 'rt_ok').executeTakeFirstOrThrow();
    await recordInLedger(t.ctx.db, task, ok, 'INVITED', t.clock.now());
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${src.id}/cancel` });

    expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${src.id}/retry-failed`, user: 2, payload: {} })).statusCode).toBe(404);
    const res = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${src.id}/retry-failed`, payload: {} });
    expect(res.statusCode).toBe(201);
    expect(res.json).toMatchObject({
      name: 'Повтор: Весенняя',
      type: 'invite_to_group',
      target_group: '@sandbox_marketing',
      priority: 'HIGH',
      status: 'PENDING',
      retry_of: src.id,
      carried_over: 2,
      left_out: 4,
    });
    expect(res.json.left_out_by_reason.map((r: any) => r.code).sort()).toEqual([
      'ALREADY_INVITED',
      'DO_NOT_CONTACT',
      'USERNAME_NOT_OCCUPIED',
      'USER_PRIVACY_RESTRICTED',
    ]);
    const copy = await targets(res.json.id);
    expect(copy.map((x) => [x.username, x.status, x.attempts])).toEqual([
      ['rt_net_one', 'PENDING', 0],
      ['rt_net_two', 'PENDING', 0],
    ]);
    expect(res.json.counters).toMatchObject({ total: 2, pending: 2 });
    const en = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${src.id}/retry-failed`, payload: { lang: 'en' } });
    expect(en.json.name).toBe('Retry: Весенняя');
    // A name at the limit is shortened so the new task's name fits it too.
    await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${src.id}`, payload: { name: 'в'.repeat(200) } });
    const long = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${src.id}/retry-failed`, payload: {} });
    expect(long.json.name).toBe(`Повтор: ${'в'.repeat(192)}`);
  });

  it('refuses with the reasons when nothing is worth retrying', async () => {
    const src = await createInviteTask(t, ['nr_private']);
    await t.ctx.db.updateTable('targets').set({ status: 'SKIPPED', error_code: 'USER_PRIVACY_RESTRICTED' }).where('task_id', '=', src.id).execute();
    const res = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${src.id}/retry-failed` });
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json).toMatchObject({ error: 'NOTHING_TO_RETRY', details: { carried_over: 0, left_out: 1 } });
  });
});

describe('migration 6', () => {
  // Last in this file: it drops and rebuilds the hygiene tables.
  it('backfills the ledger from the targets of invite tasks whose group is known', async () => {
    const rows = async () =>
      (
        await t.ctx.db
          .selectFrom('audience_ledger')
          .select(['user_id', 'group_key', 'identity_key', 'outcome', 'task_id'])
          .orderBy('user_id')
          .orderBy('identity_key')
          .execute()
      ).map((r) => ({ ...r, user_id: Number(r.user_id) }));
    const before = await rows();
    expect(before.length).toBeGreaterThan(5);
    await sql`DROP TABLE audience_ledger`.execute(t.ctx.db);
    await sql`DROP TABLE do_not_contact`.execute(t.ctx.db);
    await sql`DELETE FROM schema_migrations WHERE version = 6`.execute(t.ctx.db);
    await migrate(t.ctx.db);
    expect(await rows()).toEqual(before);
  });
});
