import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompiledQuery, sql } from 'kysely';
import { addSandboxAccount, createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';
import { readyAccountsQuery } from '../src/scheduler/ready-accounts.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t?.close();
});

const minutes = (n: number) => new Date(t.clock.now().getTime() + n * 60_000);

/** Accounts of user 1 with one running invite task they are all eligible for; returns their ids by label. */
async function runningAccounts(labels: string[]): Promise<Record<string, number>> {
  const ids: Record<string, number> = {};
  for (const label of labels) ids[label] = await addSandboxAccount(t, 1, label);
  const task = await createInviteTask(t, ['ready_one', 'ready_two', 'ready_three']);
  const res = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/start` });
  expect(res.statusCode).toBe(200);
  return ids;
}

describe('the accounts a worker looks at first', () => {
  it('are the due ones, the one waiting longest first, skipping pausing, resting, idle, disabled, leased and work-less accounts', async () => {
    const ids = await runningAccounts(['idleEnded', 'pausedLongAgo', 'pausing', 'resting', 'fresh', 'disabled', 'leased', 'idleNow']);
    const set = (label: string, values: Record<string, unknown>) => t.ctx.db.updateTable('accounts').set(values).where('id', '=', ids[label]!).execute();
    await set('idleEnded', { idle_until: minutes(-1) });
    await set('pausedLongAgo', { next_action_at: minutes(-10) });
    await set('pausing', { next_action_at: minutes(5) });
    await set('resting', { status: 'FLOOD_WAIT', rest_until: minutes(60), next_action_at: minutes(-30) });
    await set('disabled', { status: 'DISABLED' });
    await set('idleNow', { next_action_at: minutes(-20), idle_until: minutes(30) });
    await t.ctx.db
      .insertInto('account_leases')
      .values({
        account_id: ids.leased!,
        lease_id: 'held-by-another',
        holder: 'other',
        purpose: 'invite',
        group_key: null,
        expires_at: minutes(1),
        created_at: t.clock.now(),
      })
      .execute();
    // An account of another user without any running task is never a candidate, however long it has been due.
    await addSandboxAccount(t, 2, 'noWork');

    const rows = await readyAccountsQuery(t.ctx.db, t.clock.now(), 20).execute();
    // Never used (due since always) first, then by how long each has been due: 10 minutes, then 1 minute.
    expect(rows.map((r) => r.label)).toEqual(['fresh', 'pausedLongAgo', 'idleEnded']);
    expect((await readyAccountsQuery(t.ctx.db, t.clock.now(), 2).execute()).map((r) => r.label)).toEqual(['fresh', 'pausedLongAgo']);
    // The rest become due as their time passes (the lease expires, the pause, the idle time, the rest), each in the
    // place its due time gives it: the leased account was never used, so it is due since always.
    expect((await readyAccountsQuery(t.ctx.db, minutes(5), 20).execute()).map((r) => r.label)).toEqual([
      'fresh',
      'leased',
      'pausedLongAgo',
      'idleEnded',
      'pausing',
    ]);
    expect((await readyAccountsQuery(t.ctx.db, minutes(61), 20).execute()).map((r) => r.label)).toEqual([
      'fresh',
      'leased',
      'pausedLongAgo',
      'idleEnded',
      'pausing',
      'idleNow',
      'resting',
    ]);

    // The worker acts with the first of them.
    expect(await t.ctx.createWorker('w').tick()).toBe(true);
    const acted = await t.ctx.db.selectFrom('execution_logs').select('account_id').execute();
    expect(acted.map((l) => l.account_id)).toEqual([ids.fresh]);
  });

  it('are found through the accounts_due index, in its order, without sorting every account', async () => {
    await runningAccounts(['a', 'b']);
    const q = readyAccountsQuery(t.ctx.db, t.clock.now(), 20).compile();
    // With sequential scans and sorts priced out, the index is the plan whenever it matches the query's expression and
    // predicate; an expression or predicate that drifted from migration 8's would leave a Sort (or no accounts_due).
    const plan = await t.ctx.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      await sql`SET LOCAL enable_sort = off`.execute(trx);
      const res = await trx.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`EXPLAIN ${q.sql}`, [...q.parameters]));
      return res.rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('accounts_due');
    expect(plan).not.toMatch(/\bSort\b/);
  });
});
