import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSandboxAccount, createInviteTask, makeTestApp, SANDBOX_GROUP_KEY, type TestApp } from './helpers/test-app.js';

describe("a task's accounts, audience numbers and test invite", () => {
  let t: TestApp;
  let admin: number;
  let outsider: number;
  beforeAll(async () => {
    t = await makeTestApp({ LIMIT_INVITES_PER_GROUP_DAY: '2' });
    admin = await addSandboxAccount(t, 1, 'Admin account');
    outsider = await addSandboxAccount(t, 1, 'Not an admin', ['-1001000000002']);
    await addSandboxAccount(t, 2, 'Someone else');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists the accounts a task may use, with usage against every limit and why the others may not', async () => {
    const task = await createInviteTask(t, ['@acc_one']);
    const before = await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/accounts` });
    expect(before.statusCode).toBe(200);
    expect(before.json).toMatchObject({ checked: 'live', group: { key: SANDBOX_GROUP_KEY }, eligible: 1, can_act_now: 1 });
    expect(before.json.items).toHaveLength(2);
    const [a, b] = before.json.items;
    expect(a).toMatchObject({
      account_id: admin,
      eligible: true,
      can_act_now: true,
      reason: null,
      usage: { invites_today: 0, invites_per_day: 30, invites_today_in_group: 0, invites_per_group_day: 2, lifetime_in_group: 0, lifetime_per_group: 200 },
    });
    expect(b).toMatchObject({ account_id: outsider, eligible: false, can_act_now: false, reason: 'not an admin of this group' });
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/accounts`, user: 2 })).statusCode).toBe(404);
  });

  it('a test invite goes through the Account Manager, is recorded like any invite and counts toward the limits', async () => {
    const task = await createInviteTask(t, []);
    const res = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/test-invite`, payload: { username: 't.me/probe_person' } });
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({ outcome: 'INVITED', result: 'SUCCESS', account: { id: admin }, group: { key: SANDBOX_GROUP_KEY } });
    expect(res.json.message).toMatch(/@probe_person added to/);
    // Counted: today's usage in this group, the lifetime count, the log, and the account now pauses before its next action.
    const accounts = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/accounts` })).json;
    expect(accounts.checked).toBe('at_start');
    expect(accounts.items[0]).toMatchObject({
      can_act_now: false,
      wait_reason: 'pausing between actions',
      usage: { invites_today_in_group: 1, lifetime_in_group: 1 },
    });
    expect(accounts.items[0].wait_for_seconds).toBeGreaterThanOrEqual(600);
    const logs = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/logs` })).json;
    expect(logs.items.map((l: any) => l.result)).toEqual(['SUCCESS']);
    // The task itself did not start.
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}` })).json.status).toBe('PENDING');

    // While the account pauses, a second test sends nothing, says until when, and leaves no one behind.
    const again = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/test-invite`, payload: { username: '@probe_two' } });
    expect(again.statusCode).toBe(409);
    expect(again.json.error).toBe('NO_ACCOUNT_AVAILABLE_NOW');
    expect(again.json.message).toMatch(/Admin account: pausing between actions/);
    expect(again.json.details.wait_for_seconds).toBeGreaterThanOrEqual(600);
    const targets = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/targets` })).json;
    expect(targets.items.map((x: any) => x.username)).toEqual(['probe_person']);

    // After the pause (spread over the day, so it can be longer than 15 min), the next test uses the second and
    // last invite allowed into this group today; the account then rests until the next day.
    t.clock.advanceSeconds(again.json.details.wait_for_seconds + 1);
    const second = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/test-invite`, payload: { username: '@probe_two' } });
    expect(second.json.outcome).toBe('INVITED');
    const third = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/test-invite`, payload: { username: '@probe_three' } });
    expect(third.json.error).toBe('NO_ACCOUNT_AVAILABLE_NOW');
    const nextMidnight = new Date(t.clock.now());
    nextMidnight.setUTCHours(24, 0, 0, 0);
    expect(t.clock.now().getTime() + third.json.details.wait_for_seconds * 1000).toBeGreaterThanOrEqual(nextMidnight.getTime());
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/targets/stats` })).json.by_status.INVITED).toBe(2);
  });

  it('reports a refusal as the outcome, refuses a person already processed, bad usernames and finished tasks', async () => {
    t.clock.advanceSeconds(86_400);
    const task = await createInviteTask(t, []);
    const refused = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/test-invite`, payload: { username: '@very_private_person' } });
    expect(refused.statusCode).toBe(200);
    expect(refused.json).toMatchObject({ outcome: 'SKIPPED', error_code: 'USER_PRIVACY_RESTRICTED' });
    // The reason in the reader's language: a Russian reader is told a bot is a bot in Russian.
    t.clock.advanceSeconds(86_400);
    const bot = await t.api({
      method: 'POST',
      url: `/api/v1/invite/tasks/${task.id}/test-invite`,
      payload: { username: '@helpful_bot' },
      headers: { 'accept-language': 'ru' },
    });
    expect(bot.json).toMatchObject({ outcome: 'SKIPPED', error_code: 'USER_IS_BOT', message: 'пользователь — бот' });
    const twice = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/test-invite`, payload: { username: 'very_private_person' } });
    expect(twice.statusCode).toBe(409);
    expect(twice.json.error).toBe('ALREADY_PROCESSED');
    // Someone on the do-not-contact list is not contacted by a test either, and nothing counts.
    expect((await t.api({ method: 'POST', url: '/api/v1/invite/do-not-contact', payload: { entries: ['@dnc_tester'] } })).statusCode).toBeLessThan(300);
    const dnc = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/test-invite`, payload: { username: '@dnc_tester' } });
    expect(dnc.statusCode).toBe(409);
    expect(dnc.json.error).toBe('NOT_CONTACTED');
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/logs` })).json.items).toHaveLength(2); // the privacy refusal and the bot
    const bad = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/test-invite`, payload: { username: 'not a name!' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json.details[0].field).toBe('username');
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/cancel` });
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/test-invite`, payload: { username: '@someone' } })).json.error).toBe(
      'TASK_FINISHED',
    );
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/test-invite`, user: 2, payload: { username: '@someone' } })).statusCode).toBe(
      404,
    );
  });

  it('counts the audience by status and source, with the refusal reasons', async () => {
    const task = await createInviteTask(t, ['@stats_a', '@stats_b', '@stats_private_c']);
    t.clock.advanceSeconds(86_400);
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/test-invite`, payload: { username: '@stats_private_c' } });
    const res = await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/targets/stats` });
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({
      total: 3,
      attempts: 1,
      by_status: { PENDING: 2, SKIPPED: 1, INVITED: 0, IN_FLIGHT: 0, SENT: 0, FAILED: 0 },
      by_source: { MANUAL: 3 },
      by_reason: [{ status: 'SKIPPED', code: 'USER_PRIVACY_RESTRICTED', count: 1, message: expect.stringMatching(/privacy/) }],
      waiting_for_retry: { count: 0, next_attempt_at: null },
    });
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/targets/stats`, user: 2 })).statusCode).toBe(404);
  });
});
