import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { runVirtual } from '../src/scheduler/worker-loop.js';
import { addSandboxAccount, createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';

/**
 * A worker killed mid-action leaves its target IN_FLIGHT and its account leased. The lease is renewed by
 * heartbeats while the worker lives, so it expires at most LEASE_SECONDS after the last heartbeat: recovery
 * must happen then (not a housekeeping period later), on virtual time.
 */
describe('recovery of a killed worker within LEASE_SECONDS', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp({ LEASE_SECONDS: '20', PAUSE_MIN_SECONDS: '1', PAUSE_MAX_SECONDS: '2' }, { sandbox: { privacyRate: 0 } });
  });
  afterEach(async () => {
    await t?.close();
  });

  const target = async (taskId: number) => await t.ctx.db.selectFrom('targets').selectAll().where('task_id', '=', taskId).executeTakeFirstOrThrow();

  it("the target is back exactly when the dead worker's lease expires (last heartbeat + lease), never before", async () => {
    const accountId = await addSandboxAccount(t);
    const task = await createInviteTask(t, ['lease_victim'], { start: true });
    expect(task.status).toBe('IN_PROGRESS');
    const k0 = t.clock.now().getTime();
    // The dead worker: it leased the account and claimed the target, then died.
    const lease = (await t.ctx.accountManager.lease(accountId, 'dead-worker', 'invite', null))!;
    expect(lease).not.toBeNull();
    await sql`UPDATE targets SET status = 'IN_FLIGHT', in_flight_at = ${t.clock.now()}, account_id = ${accountId}, attempts = 1 WHERE task_id = ${task.id}`.execute(
      t.ctx.db,
    );

    const survivor = t.ctx.createWorker('survivor');
    t.clock.advanceSeconds(1);
    expect(await survivor.tick()).toBe(false); // its housekeeping runs now (k0 + 1 s): the lease is alive, nothing to recover
    // The dead worker's last heartbeat, 17 s after it claimed the target: its lease now ends at k0 + 37 s.
    t.clock.advanceSeconds(16);
    expect(await t.ctx.accountManager.renew(lease)).toBe(true);
    const expiry = lease.expiresAt.getTime();
    expect(expiry).toBe(k0 + 37_000);

    let recoveredAt: number | null = null;
    await runVirtual(survivor, t.clock, k0 + 600_000, {
      stop: async () => {
        const row = await target(task.id);
        if (row.status !== 'IN_FLIGHT' && recoveredAt === null) recoveredAt = row.updated_at.getTime();
        return recoveredAt !== null;
      },
    });
    expect(recoveredAt).not.toBeNull();
    // Within LEASE_SECONDS of the last heartbeat (before: housekeeping every 20 s from k0 + 1 s found it only at k0 + 41 s).
    expect(recoveredAt!).toBeLessThanOrEqual(expiry);
    expect(recoveredAt!).toBeGreaterThanOrEqual(expiry);
    const log = await t.ctx.db.selectFrom('targets').select(['status', 'attempts']).where('task_id', '=', task.id).executeTakeFirstOrThrow();
    expect(['PENDING', 'INVITED']).toContain(log.status);
  });

  it("a worker that leases the dead worker's account recovers its in-flight target at once", async () => {
    const accountId = await addSandboxAccount(t);
    const task = await createInviteTask(t, ['lease_victim_two', 'lease_next'], { start: true });
    const lease = (await t.ctx.accountManager.lease(accountId, 'dead-worker', 'invite', null))!;
    const first = (await t.ctx.db.selectFrom('targets').select('id').where('task_id', '=', task.id).orderBy('id').executeTakeFirstOrThrow()).id;
    await sql`UPDATE targets SET status = 'IN_FLIGHT', in_flight_at = ${t.clock.now()}, account_id = ${accountId}, attempts = 1 WHERE id = ${first}`.execute(
      t.ctx.db,
    );
    // The lease expired (no heartbeat) but the row is still there; the account is due, so a worker leases it.
    t.clock.set(new Date(lease.expiresAt.getTime() + 1));
    const survivor = t.ctx.createWorker('survivor');
    expect(await survivor.tick()).toBe(true);
    const rows = await t.ctx.db.selectFrom('targets').select(['id', 'status']).where('task_id', '=', task.id).orderBy('id').execute();
    expect(rows.every((r) => r.status !== 'IN_FLIGHT')).toBe(true);
    const unknown = await t.ctx.db.selectFrom('execution_logs').select('id').where('target_id', '=', first).where('result', '=', 'OUTCOME_UNKNOWN').execute();
    expect(unknown.length).toBeLessThanOrEqual(1);
  });
});
