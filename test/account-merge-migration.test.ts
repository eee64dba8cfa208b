import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/db/migrations.js';
import { addSandboxAccount, createInviteTask, makeTestApp, SANDBOX_GROUP_KEY, type TestApp } from './helpers/test-app.js';

/**
 * Migration 13 on a database that holds the same Telegram account more than once, as connections made before the
 * service asked sessions who they were left it: the owner's rows become one, with all of their history counted against
 * the limits; another user's row is retired; afterwards the database refuses a second row for the same account.
 */
describe('migration 13: one row per Telegram account', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(async () => t?.close());

  it('merges the owner’s rows (history, lifetime use, rests, tasks), retires another user’s, and then refuses a second row', async () => {
    const db = t.ctx.db;
    // The database as it was before migration 13: no unique index, and so duplicates.
    await sql`DELETE FROM schema_migrations WHERE version = 13`.execute(db);
    await sql`DROP INDEX accounts_tg_user`.execute(db);
    await sql`CREATE INDEX accounts_tg_user ON accounts (tg_user_id) WHERE tg_user_id IS NOT NULL`.execute(db);

    await addSandboxAccount(t, 1);
    const task = await createInviteTask(t, [{ username: 'merge_target' }]);
    const now = t.clock.now();
    const ago = (h: number) => new Date(now.getTime() - h * 3_600_000);
    const account = async (user: number, tg: string | null, updated: Date, extra: Record<string, unknown> = {}) =>
      (
        await db
          .insertInto('accounts')
          .values({
            user_id: user,
            platform_mode: 'telegram',
            label: `acc ${user} ${tg}`,
            session_encrypted: 'sealed',
            status: 'ACTIVE',
            tg_user_id: tg,
            created_at: updated,
            updated_at: updated,
            ...extra,
          } as never)
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    // User 1 connected Telegram user 777 twice; the older row rests after a PeerFlood until tomorrow.
    const older = await account(1, '777', ago(48), { status: 'PEER_FLOOD', status_reason: 'x', rest_until: new Date(now.getTime() + 20 * 3_600_000) });
    const newer = await account(1, '777', ago(1));
    // User 2 had connected the same Telegram account even earlier.
    const theirs = await account(2, '777', ago(72));
    const other = await account(1, '888', ago(5));

    const log = (accountId: number, n: number) =>
      db
        .insertInto('execution_logs')
        .values(
          Array.from({ length: n }, () => ({
            user_id: 1,
            task_id: task.id,
            account_id: accountId,
            group_key: SANDBOX_GROUP_KEY,
            action: 'invite',
            result: 'success',
            counts_toward_limit: true,
            created_at: ago(1),
          })) as never,
        )
        .execute();
    await log(older, 10);
    await log(newer, 12);
    await db
      .insertInto('account_group_usage')
      .values([
        { account_id: older, group_key: SANDBOX_GROUP_KEY, lifetime_invites: 150 },
        { account_id: newer, group_key: SANDBOX_GROUP_KEY, lifetime_invites: 100 },
        { account_id: older, group_key: '-100999', lifetime_invites: 7 },
      ])
      .execute();
    await db
      .insertInto('task_accounts')
      .values({ task_id: task.id, account_id: older, eligible: true, reason: null, group_peer: null, checked_at: now })
      .execute();

    await migrate(db);

    const rows = await db.selectFrom('accounts').selectAll().where('platform_mode', '=', 'telegram').orderBy('id').execute();
    expect(rows.map((r) => r.id)).toEqual([newer, theirs, other]);
    const kept = rows.find((r) => r.id === newer)!;
    // The rest Telegram imposed on the older row is the account's.
    expect(kept).toMatchObject({ status: 'PEER_FLOOD', tg_user_id: '777' });
    expect(kept.rest_until!.getTime()).toBe(now.getTime() + 20 * 3_600_000);
    // Both rows' invites count: 22 today, 250 for ever into the group (past the 200 cap), 7 into the other group.
    const usage = await t.ctx.accountManager.usage(newer);
    expect(usage.invitesToday).toBe(22);
    expect(usage.lifetimeByGroup).toEqual({ [SANDBOX_GROUP_KEY]: 250, '-100999': 7 });
    expect(t.ctx.accountManager.groupLifetimeLeft(usage.lifetimeByGroup[SANDBOX_GROUP_KEY]!)).toBe(0);
    // The task the older row served is the kept row's.
    expect(await db.selectFrom('task_accounts').select(['account_id', 'eligible']).where('task_id', '=', task.id).execute()).toEqual([
      { account_id: newer, eligible: true },
    ]);

    // Another user's row for the same Telegram account is retired with the reason, its session forgotten.
    expect(rows.find((r) => r.id === theirs)).toMatchObject({
      status: 'DEAUTHORIZED',
      status_reason: 'this Telegram account is connected by another user of this service',
      session_encrypted: null,
      tg_user_id: null,
    });
    const listed = await t.api({ method: 'GET', url: '/api/v1/invite/accounts', user: 2, headers: { 'accept-language': 'ru' } });
    expect(listed.json.items[0].status_reason).toBe('этот аккаунт Telegram подключён у другого пользователя сервиса');
    expect(rows.find((r) => r.id === other)).toMatchObject({ status: 'ACTIVE', tg_user_id: '888' });

    // From now on the database itself refuses a second row for one Telegram account.
    await expect(account(1, '777', now)).rejects.toMatchObject({ code: '23505', constraint: 'accounts_tg_user' });
    // A sandbox row never carries a Telegram identity, and rows without one are not constrained.
    await account(1, null, now);
    await account(1, null, now);
  });
});
