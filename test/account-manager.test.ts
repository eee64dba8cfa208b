import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { addSandboxAccount, makeTestApp, SANDBOX_GROUP_KEY, type TestApp } from './helpers/test-app.js';
import { nextActionTime } from '../src/accounts/pacing.js';
import { dayWindow } from '../src/shared/time-zone.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t?.close();
});

/** Records `n` counted invites for an account at the current virtual time, the way the worker does. */
async function recordInvites(accountId: number, groupKey: string, n: number) {
  for (let i = 0; i < n; i++) {
    await t.ctx.db
      .transaction()
      .execute((trx) =>
        t.ctx.accountManager.recordAttempt(trx, { userId: 1, taskId: null as never, targetId: null as never, accountId, action: 'invite', groupKey }),
      );
  }
}

describe('limits', () => {
  it('denies the 16th invite into one group in a day, but not into another group', async () => {
    const id = await addSandboxAccount(t);
    await recordInvites(id, SANDBOX_GROUP_KEY, 15);
    const denied = await t.ctx.accountManager.check(id, 'invite', SANDBOX_GROUP_KEY);
    expect(denied).toMatchObject({ allowed: false, reason: 'daily limit of 15 invites into this group reached' });
    expect(denied.wait_seconds).toBe(16 * 3600); // virtual time is 08:00 UTC: 16 h to midnight
    expect((await t.ctx.accountManager.check(id, 'invite', '-1001000000002')).allowed).toBe(true);
    t.clock.advanceSeconds(16 * 3600);
    expect((await t.ctx.accountManager.check(id, 'invite', SANDBOX_GROUP_KEY)).allowed).toBe(true);
  });

  it('a pause that runs to the end of the day after the 15 into a group says the cap, not "pausing"; a longer pause stays a pause', async () => {
    const id = await addSandboxAccount(t);
    await recordInvites(id, SANDBOX_GROUP_KEY, 15);
    const midnight = new Date('2026-01-06T00:00:00Z');
    await t.ctx.db.updateTable('accounts').set({ next_action_at: midnight }).where('id', '=', id).execute();
    expect(await t.ctx.accountManager.check(id, 'invite', SANDBOX_GROUP_KEY)).toMatchObject({ allowed: false, code: 'group_daily', until: midnight });
    // Into another group the same pause is only a pause.
    expect(await t.ctx.accountManager.check(id, 'invite', '-1001000000002')).toMatchObject({ allowed: false, code: 'pacing' });
    // A pause longer than the cap's wait (it ends after the day does) is what holds the account: it says the pause.
    await t.ctx.db
      .updateTable('accounts')
      .set({ next_action_at: new Date(midnight.getTime() + 600_000) })
      .where('id', '=', id)
      .execute();
    expect(await t.ctx.accountManager.check(id, 'invite', SANDBOX_GROUP_KEY)).toMatchObject({ allowed: false, code: 'pacing' });
  });

  it("the accounts list says when today ends and each group's use today and for good", async () => {
    const id = await addSandboxAccount(t);
    await recordInvites(id, SANDBOX_GROUP_KEY, 3);
    const account = (await t.api({ method: 'GET', url: '/api/v1/invite/accounts' })).json.items.find((a: any) => a.id === id);
    // The limits' day is UTC by default: virtual 08:00 on 5 January ends at midnight.
    expect(account.usage_today).toMatchObject({
      invites: 3,
      invites_by_group: { [SANDBOX_GROUP_KEY]: 3 },
      group_day_limit: 15,
      resets_at: '2026-01-06T00:00:00.000Z',
    });
    expect(account.lifetime_by_group).toEqual({ [SANDBOX_GROUP_KEY]: 3 });
  });

  it('denies the 31st invite of an account in a day across groups', async () => {
    const id = await addSandboxAccount(t);
    await recordInvites(id, SANDBOX_GROUP_KEY, 15);
    await recordInvites(id, '-1001000000002', 15);
    const verdict = await t.ctx.accountManager.check(id, 'invite', '-4000000003');
    expect(verdict).toMatchObject({ allowed: false, reason: 'daily limit of 30 invites reached' });
    expect((await t.ctx.accountManager.check(id, 'message', null)).allowed).toBe(true);
  });

  it('closes an (account, group) pair for ever at 200 while other groups continue', async () => {
    const id = await addSandboxAccount(t);
    for (let day = 0; day < 14; day++) {
      await recordInvites(id, SANDBOX_GROUP_KEY, day < 13 ? 15 : 5); // 13 × 15 + 5 = 200
      t.clock.advanceSeconds(86400);
    }
    const verdict = await t.ctx.accountManager.check(id, 'invite', SANDBOX_GROUP_KEY);
    expect(verdict).toEqual({ allowed: false, code: 'group_lifetime', wait_seconds: null, reason: 'lifetime limit of 200 invites into this group reached' });
    expect((await t.ctx.accountManager.check(id, 'invite', '-1001000000002')).allowed).toBe(true);
    // The lifetime count survives execution-log retention.
    await sql`DELETE FROM execution_logs`.execute(t.ctx.db);
    expect((await t.ctx.accountManager.check(id, 'invite', SANDBOX_GROUP_KEY)).allowed).toBe(false);
  });

  it('limits direct messages to 40 a day', async () => {
    const id = await addSandboxAccount(t);
    for (let i = 0; i < 40; i++) {
      await t.ctx.db.transaction().execute((trx) =>
        t.ctx.accountManager.recordAttempt(trx, {
          userId: 1,
          taskId: null as never,
          targetId: null as never,
          accountId: id,
          action: 'message',
          groupKey: null,
        }),
      );
    }
    expect(await t.ctx.accountManager.check(id, 'message', null)).toMatchObject({ allowed: false, reason: 'daily limit of 40 messages reached' });
  });

  it('counts the day in the configured time zone', () => {
    const instant = new Date('2026-01-05T22:30:00Z');
    expect(dayWindow(instant, 'UTC').start.toISOString()).toBe('2026-01-05T00:00:00.000Z');
    // 22:30 UTC is already 01:30 on the 6th in Moscow (UTC+3).
    expect(dayWindow(instant, 'Europe/Moscow').start.toISOString()).toBe('2026-01-05T21:00:00.000Z');
    // Across a DST change the day is 23 hours long.
    const dst = dayWindow(new Date('2026-03-29T12:00:00Z'), 'Europe/Berlin');
    expect((dst.end.getTime() - dst.start.getTime()) / 3600_000).toBe(23);
  });
});

describe('pacing', () => {
  it('never pauses less than 600 s or more than 900 s when the even share is shorter', () => {
    let r = 0;
    const randoms = [0, 0.5, 0.999999];
    for (const x of randoms) {
      const now = new Date('2026-01-05T08:00:00Z');
      const next = nextActionTime({
        now,
        dayEnd: new Date('2026-01-06T00:00:00Z'),
        remainingToday: 1000,
        pauseMinSeconds: 600,
        pauseMaxSeconds: 900,
        random: () => x,
      });
      const gap = (next.getTime() - now.getTime()) / 1000;
      expect(gap).toBeGreaterThanOrEqual(600);
      expect(gap).toBeLessThanOrEqual(900);
      r++;
    }
    expect(r).toBe(3);
  });

  it('spreads the day evenly instead of bunching at the start', () => {
    const dayStart = new Date('2026-01-05T00:00:00Z');
    const dayEnd = new Date('2026-01-06T00:00:00Z');
    let now = dayStart;
    const times: Date[] = [];
    for (let left = 30; left > 0; left--) {
      times.push(now);
      now = nextActionTime({ now, dayEnd, remainingToday: left - 1, pauseMinSeconds: 600, pauseMaxSeconds: 900, random: () => 0.5 });
    }
    const last = times.at(-1)!;
    expect(last < dayEnd).toBe(true);
    expect((last.getTime() - dayStart.getTime()) / 3600_000).toBeGreaterThan(20);
    // First half of the day holds about half the actions, not all of them.
    const firstHalf = times.filter((x) => x.getTime() < dayStart.getTime() + 12 * 3600_000).length;
    expect(firstHalf).toBeGreaterThanOrEqual(14);
    expect(firstHalf).toBeLessThanOrEqual(16);
  });
});

describe('errors', () => {
  it('FloodWait makes the account wait the platform seconds plus the buffer', async () => {
    const id = await addSandboxAccount(t);
    await t.ctx.accountManager.reportError(id, { kind: 'FLOOD_WAIT', seconds: 300, code: 'FLOOD_WAIT', message: 'wait 300 s' });
    const verdict = await t.ctx.accountManager.check(id, 'invite', SANDBOX_GROUP_KEY);
    expect(verdict).toMatchObject({ allowed: false, wait_seconds: 360, reason: 'waiting out a FloodWait' });
    t.clock.advanceSeconds(360);
    expect((await t.ctx.accountManager.check(id, 'invite', SANDBOX_GROUP_KEY)).allowed).toBe(true);
  });

  it('PeerFlood rests the account for 24 hours', async () => {
    const id = await addSandboxAccount(t);
    await t.ctx.accountManager.reportError(id, { kind: 'PEER_FLOOD', code: 'PEER_FLOOD', message: 'peer flood' });
    expect(await t.ctx.accountManager.check(id, 'invite', null)).toMatchObject({ allowed: false, wait_seconds: 86400 });
    t.clock.advanceSeconds(86400);
    await t.ctx.accountManager.reviveRested();
    const row = await t.ctx.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('ACTIVE');
  });

  it('retires banned and logged-out accounts for good', async () => {
    const a = await addSandboxAccount(t, 1, 'Banned');
    const b = await addSandboxAccount(t, 1, 'LoggedOut');
    await t.ctx.accountManager.reportError(a, { kind: 'ACCOUNT_BANNED', code: 'USER_DEACTIVATED_BAN', message: 'the account was banned by Telegram' });
    await t.ctx.accountManager.reportError(b, { kind: 'ACCOUNT_DEAUTHORIZED', code: 'AUTH_KEY_UNREGISTERED', message: 'logged out' });
    t.clock.advanceSeconds(365 * 86400);
    await t.ctx.accountManager.reviveRested();
    expect(await t.ctx.accountManager.check(a, 'invite', null)).toMatchObject({
      allowed: false,
      wait_seconds: null,
      reason: 'account retired: the account was banned by Telegram',
    });
    expect((await t.ctx.accountManager.check(b, 'invite', null)).allowed).toBe(false);
    const enable = await t.api({ method: 'PATCH', url: `/api/v1/invite/accounts/${a}`, payload: { enabled: true } });
    expect(enable.statusCode).toBe(409);
  });

  it("a lost session retires the account only while it is still the account's (not after the account was connected again)", async () => {
    const id = await addSandboxAccount(t, 1, 'Reconnected');
    const setSession = (text: string) =>
      t.ctx.db
        .updateTable('accounts')
        .set({ session_encrypted: t.ctx.crypto.encrypt(text) })
        .where('id', '=', id)
        .returning('session_encrypted')
        .executeTakeFirstOrThrow();
    const old = (await setSession('old session')).session_encrypted;
    // Its owner connects it again (a new session) while a worker elsewhere still acts with the old one, logged out now.
    await setSession('new session');
    const lost = { kind: 'ACCOUNT_DEAUTHORIZED' as const, code: 'AUTH_KEY_UNREGISTERED', message: 'the session was logged out; add the account again' };
    await t.ctx.accountManager.reportError(id, lost, old);
    const status = async () => (await t.ctx.db.selectFrom('accounts').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
    expect(await status()).toBe('ACTIVE');
    expect(await t.ctx.db.selectFrom('notifications').select('event').where('user_id', '=', 1).where('event', '=', 'account_retired').execute()).toEqual([]);
    // The session it has now, lost: retired.
    const current = (await t.ctx.db.selectFrom('accounts').select('session_encrypted').where('id', '=', id).executeTakeFirstOrThrow()).session_encrypted;
    await t.ctx.accountManager.reportError(id, lost, current);
    expect(await status()).toBe('DEAUTHORIZED');
  });
});

describe('leases', () => {
  it('gives an account to one holder at a time and frees it when the lease expires', async () => {
    const id = await addSandboxAccount(t);
    const first = await t.ctx.accountManager.lease(id, 'worker-a', 'invite', null);
    expect(first).not.toBeNull();
    expect(await t.ctx.accountManager.lease(id, 'worker-b', 'invite', null)).toBeNull();
    expect(await t.ctx.accountManager.check(id, 'invite', null)).toMatchObject({ allowed: false, reason: 'in use by another worker' });
    // worker-a dies without releasing: after the lease time the account is free again.
    t.clock.advanceSeconds(t.ctx.config.leaseSeconds + 1);
    const second = await t.ctx.accountManager.lease(id, 'worker-b', 'invite', null);
    expect(second?.holder).toBe('worker-b');
    // The dead worker's late release cannot free worker-b's lease.
    await t.ctx.accountManager.release(first!, { acted: false });
    expect(await t.ctx.accountManager.lease(id, 'worker-c', 'invite', null)).toBeNull();
  });

  it('allocate() picks an allowed account of the user only, over HTTP too', async () => {
    const mine = await addSandboxAccount(t, 1, 'Mine');
    await addSandboxAccount(t, 2, 'Theirs');
    const res = await t.api({ method: 'POST', url: '/api/v1/account-manager/allocate', payload: { purpose: 'invite', group_key: SANDBOX_GROUP_KEY } });
    expect(res.json.lease.account_id).toBe(mine);
    const again = await t.api({ method: 'POST', url: '/api/v1/account-manager/allocate', payload: { purpose: 'invite', group_key: SANDBOX_GROUP_KEY } });
    expect(again.json).toMatchObject({ lease: null });
    const release = await t.api({ method: 'POST', url: '/api/v1/account-manager/release', payload: { lease_id: res.json.lease.lease_id, acted: true } });
    expect(release.json.released).toBe(true);
    const check = await t.api({
      method: 'POST',
      url: '/api/v1/account-manager/check',
      payload: { account_id: mine, action: 'invite', group_key: SANDBOX_GROUP_KEY },
    });
    expect(check.json).toMatchObject({ allowed: false, reason: 'pausing between actions' });
    const foreign = await t.api({ method: 'POST', url: '/api/v1/account-manager/check', user: 2, payload: { account_id: mine, action: 'invite' } });
    expect(foreign.statusCode).toBe(404);
    const report = await t.api({ method: 'POST', url: '/api/v1/account-manager/report-error', payload: { account_id: mine, kind: 'FLOOD_WAIT' } });
    expect(report.statusCode).toBe(400);
    expect(report.json.message).toMatch(/needs the seconds/);
    // A reported PeerFlood is stored with the platform's own sentence, so the accounts page says it in Russian.
    const peer = await t.api({
      method: 'POST',
      url: '/api/v1/account-manager/report-error',
      payload: { account_id: mine, kind: 'PEER_FLOOD' },
      headers: { 'accept-language': 'ru' },
    });
    expect(peer.json).toMatchObject({ status: 'PEER_FLOOD', status_reason: 'Telegram ограничил аккаунт за частые запросы (PeerFlood)' });
  });
});
