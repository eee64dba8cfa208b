import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addSandboxAccount, createInviteTask, makeTestApp, SANDBOX_GROUP_KEY, type TestApp } from './helpers/test-app.js';
import { runVirtual } from '../src/scheduler/worker-loop.js';
import { PlatformError } from '../src/platform/platform-error.js';
import type { Worker } from '../src/scheduler/worker.js';

let t: TestApp;
let worker: Worker;
beforeEach(async () => {
  t = await makeTestApp();
  worker = t.ctx.createWorker('test-worker');
});
afterEach(async () => {
  await t?.close();
});

const run = (hours: number, opts: { maxActions?: number } = {}) => runVirtual(worker, t.clock, t.clock.now().getTime() + hours * 3600_000, opts);
const task = async (id: number) => (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${id}` })).json;
const targets = async (id: number) => (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${id}/targets?page_size=100` })).json.items as any[];
const start = async (id: number) => {
  const res = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${id}/start` });
  if (res.statusCode !== 200) throw new Error(res.body);
  return res.json;
};
const events = () => t.ctx.sandboxWorld.events;

describe('a campaign runs to completion within the limits', () => {
  it('invites, skips and fails people with readable reasons, pacing every action', async () => {
    await addSandboxAccount(t, 1, 'Alpha');
    const people = ['run_alice', 'run_bob', 'private_carol', 'ghost_dan', 'run_erin', 'mutual_fay', 'run_gus', 'run_hal'];
    const created = await createInviteTask(t, people);
    await start(created.id);
    await run(48);
    const done = await task(created.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.counters).toMatchObject({ total: 8, invited: 5, skipped: 2, failed: 1, pending: 0, progress: 1 });
    const byName = Object.fromEntries((await targets(created.id)).map((x) => [x.username, x]));
    expect(byName.private_carol).toMatchObject({ status: 'SKIPPED', error_code: 'USER_PRIVACY_RESTRICTED' });
    expect(byName.ghost_dan).toMatchObject({ status: 'FAILED', error_code: 'USERNAME_NOT_OCCUPIED', error_message: 'no Telegram user has this username' });
    const logs = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${created.id}/logs?page_size=100` })).json.items.map((l: any) => l.message);
    expect(logs).toContain('User @run_alice added to Sandbox Marketing Chat');
    expect(logs).toContain("Could not invite @private_carol: the user's privacy settings forbid invites");
    const gaps = events()
      .slice(1)
      .map((e, i) => (e.at.getTime() - events()[i]!.at.getTime()) / 1000);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(600);
    const stats = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${created.id}/stats` })).json;
    expect(stats.skipped_by_reason.map((r: any) => r.code).sort()).toEqual(['USER_NOT_MUTUAL_CONTACT', 'USER_PRIVACY_RESTRICTED']);
    expect(stats.per_account[0]).toMatchObject({ label: 'Alpha', succeeded: 5 });
    const report = await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${created.id}/report` });
    // The SANDBOX label is among the lines after the table (src/stats/csv-report-text.ts).
    expect(report.body).toContain('\n\nTask: ');
    expect(report.body).toContain('\n"Platform mode: SANDBOX (simulated, not real Telegram results)"\n');
    expect(report.body).toContain(',private_carol,,,,,Skipped,USER_PRIVACY_RESTRICTED');
  });

  it('a bot, and someone already in the group, are skipped before anything is sent and take nothing from the allowances', async () => {
    await addSandboxAccount(t, 1, 'Alpha');
    await addSandboxAccount(t, 2, 'Beta');
    const first = await createInviteTask(t, ['shared_sam'], {}, 1);
    await start(first.id);
    await run(2);
    // Another user's task: their ledger does not know Sam, the group does.
    const res = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      user: 2,
      payload: { type: 'invite_to_group', target_group: '@sandbox_marketing', targets: ['shared_sam', 'promo_bot', 'run_una'] },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${res.json.id}/start`, user: 2 })).statusCode).toBe(200);
    await run(24);
    const byName = Object.fromEntries(
      ((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${res.json.id}/targets`, user: 2 })).json.items as any[]).map((x) => [x.username, x]),
    );
    expect(byName.shared_sam).toMatchObject({ status: 'SKIPPED', error_code: 'USER_ALREADY_PARTICIPANT' });
    expect(byName.promo_bot).toMatchObject({ status: 'SKIPPED', error_code: 'USER_IS_BOT' });
    expect(byName.run_una).toMatchObject({ status: 'INVITED' });
    const beta = (await t.api({ method: 'GET', url: '/api/v1/invite/accounts', user: 2 })).json.items[0];
    const usage = await t.ctx.db.selectFrom('account_group_usage').select('lifetime_invites').where('account_id', '=', beta.id).executeTakeFirstOrThrow();
    expect(usage.lifetime_invites).toBe(1);
    const counted = await t.ctx.db.selectFrom('execution_logs').select('counts_toward_limit').where('task_id', '=', res.json.id).execute();
    expect(counted.map((l) => l.counts_toward_limit).sort()).toEqual([false, false, true]);
  });

  it('a limit denial makes targets wait, never fail: 15 a day into one group per account', async () => {
    await addSandboxAccount(t);
    const people = Array.from({ length: 40 }, (_, i) => `wait_person_${i}`);
    const created = await createInviteTask(t, people);
    await start(created.id);
    await run(16); // until midnight of the first day (virtual start 08:00)
    let now = await task(created.id);
    expect(now.counters).toMatchObject({ invited: 15, pending: 25, failed: 0 });
    await run(24);
    now = await task(created.id);
    expect(now.counters).toMatchObject({ invited: 30, pending: 10, failed: 0 });
    await run(24);
    expect((await task(created.id)).status).toBe('COMPLETED');
    // Never more than 15 into the group on any calendar day.
    const perDay = new Map<string, number>();
    for (const e of events()) perDay.set(e.at.toISOString().slice(0, 10), (perDay.get(e.at.toISOString().slice(0, 10)) ?? 0) + 1);
    expect(Math.max(...perDay.values())).toBe(15);
  });

  it('sends personal messages with variables filled in', async () => {
    await addSandboxAccount(t);
    const res = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      payload: {
        type: 'direct_message',
        // "@{username}" is how people write it; the name already carries its @ and must not come out as "@@dm_alice".
        // "{first_name|друг}": the word to use when the person has no first name (bob), instead of the username.
        message_template: 'Hi {first_name}, this is for {username} (@{username}). Привет, {first_name|друг}!',
        start: true,
        targets: [{ username: 'dm_alice', first_name: 'Alice' }, { username: 'dm_bob' }, { username: 'blocked_carl' }],
      },
    });
    expect(res.json.status).toBe('IN_PROGRESS');
    await run(24);
    expect(events().map((e) => e.text)).toEqual([
      'Hi Alice, this is for @dm_alice (@dm_alice). Привет, Alice!',
      'Hi @dm_bob, this is for @dm_bob (@dm_bob). Привет, друг!',
    ]);
    expect((await task(res.json.id)).counters).toMatchObject({ sent: 2, skipped: 1 });
  });
});

describe('account errors never burn targets', () => {
  it('FloodWait: the target waits, the account rests seconds + 60, then continues', async () => {
    const acc = await addSandboxAccount(t);
    const created = await createInviteTask(t, ['flood_alice', 'flood_bob']);
    await start(created.id);
    t.ctx.sandboxWorld.injectError(acc, 'FLOOD_WAIT', 1200);
    const t0 = t.clock.now().getTime();
    expect(await worker.tick()).toBe(true);
    const account = (await t.api({ method: 'GET', url: '/api/v1/invite/accounts' })).json.items[0];
    expect(account).toMatchObject({ status: 'FLOOD_WAIT', rest_until: new Date(t0 + 1260_000).toISOString() });
    expect((await task(created.id)).counters).toMatchObject({ pending: 2, failed: 0 });
    await run(24);
    expect((await task(created.id)).counters).toMatchObject({ invited: 2 });
    expect(events()[0]!.at.getTime()).toBeGreaterThanOrEqual(t0 + 1260_000);
  });

  it('PeerFlood rests one account 24 h while another carries on', async () => {
    const a = await addSandboxAccount(t, 1, 'A');
    const b = await addSandboxAccount(t, 1, 'B');
    const created = await createInviteTask(t, ['pf_one1', 'pf_two2', 'pf_three3']);
    await start(created.id);
    t.ctx.sandboxWorld.injectError(a, 'PEER_FLOOD');
    await run(6);
    const accounts = (await t.api({ method: 'GET', url: '/api/v1/invite/accounts' })).json.items;
    expect(accounts.find((x: any) => x.id === a).status).toBe('PEER_FLOOD');
    expect(events().every((e) => e.accountId === b)).toBe(true);
    expect((await task(created.id)).counters.invited).toBe(3);
  });

  it('a banned account is retired; with none left the task fails with the reason and keeps its targets', async () => {
    const acc = await addSandboxAccount(t);
    const created = await createInviteTask(t, ['ban_alice', 'ban_bob']);
    await start(created.id);
    t.ctx.sandboxWorld.retireAccount(acc, 'USER_DEACTIVATED_BAN');
    await run(2);
    const failed = await task(created.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.status_reason).toMatch(/every eligible account is banned/);
    expect(failed.counters).toMatchObject({ pending: 2, failed: 0 });
    const account = (await t.api({ method: 'GET', url: '/api/v1/invite/accounts' })).json.items[0];
    expect(account).toMatchObject({ status: 'BANNED', status_reason: 'the account was banned by Telegram' });
  });

  it('a task whose only account is disabled waits, and continues when it is enabled', async () => {
    const acc = await addSandboxAccount(t);
    const created = await createInviteTask(t, ['dis_alice', 'dis_bob']);
    await start(created.id);
    await t.api({ method: 'PATCH', url: `/api/v1/invite/accounts/${acc}`, payload: { enabled: false } });
    await run(24);
    expect(await task(created.id)).toMatchObject({ status: 'IN_PROGRESS', counters: { pending: 2 } });
    expect(events()).toHaveLength(0);
    await t.api({ method: 'PATCH', url: `/api/v1/invite/accounts/${acc}`, payload: { enabled: true } });
    await run(24);
    expect((await task(created.id)).status).toBe('COMPLETED');
  });

  it('network errors retry the target with back-off, then give up after the attempt limit', async () => {
    const acc = await addSandboxAccount(t);
    const created = await createInviteTask(t, ['net_alice', 'net_bob']);
    await start(created.id);
    const timeout = () => new PlatformError('NETWORK', 'ETIMEDOUT', 'the connection to Telegram failed');
    t.ctx.sandboxWorld.injectPlatformError(acc, timeout());
    await run(24);
    let list = await targets(created.id);
    expect(list.find((x) => x.username === 'net_alice')).toMatchObject({ status: 'INVITED', attempts: 2 });
    const again = await createInviteTask(t, ['net_carol']);
    await start(again.id);
    for (let i = 0; i < 3; i++) t.ctx.sandboxWorld.injectPlatformError(acc, timeout());
    await run(48);
    list = await targets(again.id);
    expect(list[0]).toMatchObject({ status: 'FAILED', attempts: 3, error_code: 'ETIMEDOUT' });
    expect(list[0].error_message).toMatch(/gave up after 3 attempts/);
  });

  it('an account that loses admin rights stops, the person waits for another account', async () => {
    const a = await addSandboxAccount(t, 1, 'A');
    const created = await createInviteTask(t, ['rights_one1', 'rights_two2']);
    await start(created.id);
    t.ctx.sandboxWorld.injectError(a, 'CHAT_ADMIN_REQUIRED');
    await run(2);
    const failed = await task(created.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.counters.pending).toBe(2);
    const logs = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${created.id}/logs` })).json.items;
    expect(logs[0].message).toBe('Account A cannot add members to Sandbox Marketing Chat: the account is not an admin of this group');
  });
});

describe('control', () => {
  it('pause stops before the next action, resume continues, cancel stops for good', async () => {
    await addSandboxAccount(t);
    const created = await createInviteTask(
      t,
      Array.from({ length: 6 }, (_, i) => `ctl_person_${i}`),
    );
    await start(created.id);
    await run(4, { maxActions: 2 });
    expect(events()).toHaveLength(2);
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${created.id}/pause` });
    await run(24);
    expect(events()).toHaveLength(2);
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${created.id}/resume` });
    await run(4, { maxActions: 1 });
    expect(events()).toHaveLength(3);
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${created.id}/cancel` });
    await run(48);
    expect(events()).toHaveLength(3);
    expect((await task(created.id)).status).toBe('CANCELLED');
  });

  it('HIGH priority preempts LOW; equal priorities take turns', async () => {
    await addSandboxAccount(t);
    const low = await createInviteTask(t, ['low_aa1', 'low_bb2', 'low_cc3', 'low_dd4'], { priority: 'LOW', name: 'low' });
    await start(low.id);
    await run(1, { maxActions: 1 });
    const high = await createInviteTask(t, ['high_aa1', 'high_bb2'], { priority: 'HIGH', name: 'high', target_group: '@sandbox_news' });
    await start(high.id);
    await run(24, { maxActions: 3 });
    expect(events().map((e) => e.person)).toEqual(['u:low_aa1', 'u:high_aa1', 'u:high_bb2', 'u:low_bb2']);

    const m1 = await createInviteTask(t, ['rr_a_one', 'rr_a_two'], { priority: 'MEDIUM', target_group: '-4000000003' });
    const m2 = await createInviteTask(t, ['rr_b_one', 'rr_b_two'], { priority: 'MEDIUM', target_group: '-4000000003' });
    await start(m1.id);
    await start(m2.id);
    const before = events().length;
    await run(24, { maxActions: 4 });
    expect(
      events()
        .slice(before)
        .map((e) => e.person),
    ).toEqual(['u:rr_a_one', 'u:rr_b_one', 'u:rr_a_two', 'u:rr_b_two']);
  });

  it("balances each account's lifetime allowance across equal-priority groups", async () => {
    const a = await addSandboxAccount(t, 1, 'A');
    const b = await addSandboxAccount(t, 1, 'B');
    const one = await createInviteTask(
      t,
      Array.from({ length: 20 }, (_, i) => `bal_one_${i}`),
      { name: 'one' },
    );
    const two = await createInviteTask(
      t,
      Array.from({ length: 20 }, (_, i) => `bal_two_${i}`),
      { name: 'two', target_group: '@sandbox_news' },
    );
    await start(one.id);
    await start(two.id);
    await run(24, { maxActions: 12 });
    const accounts = (await t.api({ method: 'GET', url: '/api/v1/invite/accounts' })).json.items;
    for (const id of [a, b]) {
      const used = accounts.find((x: any) => x.id === id).lifetime_by_group;
      // Global round-robin alone would have given each account a single group.
      expect(Object.keys(used).sort(), `account ${id}`).toEqual(['-1001000000001', '-1001000000002']);
      const [x, y] = Object.values(used) as number[];
      expect(Math.abs(x! - y!)).toBeLessThanOrEqual(1);
    }
  });

  it('starts a scheduled task at its time', async () => {
    await addSandboxAccount(t);
    const created = await createInviteTask(t, ['sched_person1'], { scheduled_at: '2026-01-05T20:00:00Z' });
    expect((await start(created.id)).status).toBe('SCHEDULED');
    await run(24);
    expect(events()[0]!.at.getTime()).toBeGreaterThanOrEqual(new Date('2026-01-05T20:00:00Z').getTime());
    expect((await task(created.id)).status).toBe('COMPLETED');
  });
});

/**
 * Simulates `kill -9` during the platform call: the worker's call never returns, so it never records
 * the outcome nor releases its lease. Returns once the worker is stuck inside the call.
 */
async function killWorkerMidAction(): Promise<void> {
  const connections = t.ctx.connections;
  const realGet = connections.get.bind(connections);
  let stuck!: () => void;
  const reached = new Promise<void>((resolve) => {
    stuck = resolve;
  });
  connections.get = async () => ({
    resolveGroup: async () => {
      throw new Error('unused');
    },
    getInviteRights: async () => ({ role: 'admin', canInvite: true }),
    inviteToGroup: () => {
      stuck();
      return new Promise<void>(() => {});
    },
    sendMessage: () => {
      stuck();
      return new Promise<void>(() => {});
    },
    close: async () => {},
  });
  void worker.tick();
  await reached;
  connections.get = realGet;
}

describe('crash recovery', () => {
  it('a worker killed mid-action: its invite goes back to pending and is done once', async () => {
    await addSandboxAccount(t);
    const invite = await createInviteTask(t, ['crash_invitee']);
    await start(invite.id);
    await killWorkerMidAction();
    expect((await targets(invite.id))[0].status).toBe('IN_FLIGHT');
    // Another worker (another process) takes over; nothing happens until the dead one's lease expires.
    worker = t.ctx.createWorker('survivor');
    await worker.housekeeping();
    expect((await targets(invite.id))[0].status).toBe('IN_FLIGHT');
    t.clock.advanceSeconds(t.ctx.config.leaseSeconds + 1);
    await worker.housekeeping();
    expect((await targets(invite.id))[0].status).toBe('PENDING');
    await run(2);
    expect((await targets(invite.id))[0].status).toBe('INVITED');
    expect(events()).toHaveLength(1);
    const logs = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${invite.id}/logs` })).json.items.map((l: any) => l.result);
    expect(logs.sort()).toEqual(['OUTCOME_UNKNOWN', 'SUCCESS']);
  });

  it('an in-flight direct message is marked unknown instead of being sent twice', async () => {
    await addSandboxAccount(t);
    const res = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      payload: { type: 'direct_message', message_template: 'Hello', targets: ['crash_dm_person'], start: true },
    });
    await killWorkerMidAction();
    worker = t.ctx.createWorker('survivor');
    t.clock.advanceSeconds(t.ctx.config.leaseSeconds + 1);
    await run(24);
    const [target] = await targets(res.json.id);
    expect(target).toMatchObject({ status: 'SKIPPED', error_code: 'OUTCOME_UNKNOWN' });
    expect(events()).toHaveLength(0);
    expect((await task(res.json.id)).status).toBe('COMPLETED');
  });
});

describe('slow platform calls', () => {
  it('keep their lease alive, so no other worker takes the account or recovers the target meanwhile', async () => {
    const slow = await makeTestApp({ LEASE_SECONDS: '3' });
    try {
      await addSandboxAccount(slow);
      const created = await createInviteTask(slow, ['slow_person1', 'slow_person2'], { start: true });
      const connections = slow.ctx.connections;
      const realGet = connections.get.bind(connections);
      let finish!: () => void;
      let entered!: () => void;
      const inside = new Promise<void>((r) => {
        entered = r;
      });
      connections.get = async (account) => {
        const client = await realGet(account);
        return {
          ...client,
          inviteToGroup: async (g, t) => {
            entered();
            await new Promise<void>((r) => {
              finish = r;
            });
            return client.inviteToGroup(g, t);
          },
        };
      };
      const first = slow.ctx.createWorker('first');
      const pending = first.tick();
      await inside;
      // Far longer than the lease passes while the call is still running; the heartbeat (every second here) renews it.
      slow.clock.advanceSeconds(30);
      await new Promise((r) => setTimeout(r, 1500));
      const second = slow.ctx.createWorker('second');
      await second.housekeeping();
      expect(await second.tick()).toBe(false);
      const list = (await slow.api({ method: 'GET', url: `/api/v1/invite/tasks/${created.id}/targets` })).json.items;
      expect(list.find((x: any) => x.username === 'slow_person1').status).toBe('IN_FLIGHT');
      finish();
      expect(await pending).toBe(true);
      const logs = (await slow.api({ method: 'GET', url: `/api/v1/invite/tasks/${created.id}/logs` })).json.items.map((l: any) => l.result);
      expect(logs).toEqual(['SUCCESS']);
    } finally {
      await slow.close();
    }
  });
});

describe('group key', () => {
  it('counts per group by the canonical id, however the group was written', async () => {
    await addSandboxAccount(t);
    const a = await createInviteTask(t, ['gk_one11'], { target_group: 'https://t.me/sandbox_marketing' });
    const b = await createInviteTask(t, ['gk_two22'], { target_group: SANDBOX_GROUP_KEY });
    await start(a.id);
    await start(b.id);
    await run(24);
    const account = (await t.api({ method: 'GET', url: '/api/v1/invite/accounts' })).json.items[0];
    expect(account.lifetime_by_group).toEqual({ [SANDBOX_GROUP_KEY]: 2 });
  });
});
