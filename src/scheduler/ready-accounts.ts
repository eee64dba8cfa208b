import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.js';
import { usableAccountSql } from '../shared/enums.js';

/**
 * When an account of alias `a` is next due: the latest of its pause (next_action_at), its rest (FloodWait,
 * PeerFlood) and its idle time (caps reached); -infinity when none is set. It is due when this is ≤ now, which is
 * exactly "each of the three is unset or passed".
 *
 * Migration 8's index accounts_due is built on this very expression, with usableAccount as its predicate, so that
 * finding the first due accounts walks the index in due order instead of reading and sorting every account.
 * PostgreSQL matches an index by expression: neither may change without a new index (test/ready-accounts.test.ts
 * checks that the query still uses it).
 */
export const accountDueAt = (alias: string): RawBuilder<Date> =>
  sql<Date>`greatest(coalesce(${sql.ref(`${alias}.next_action_at`)}, '-infinity'::timestamptz), coalesce(${sql.ref(`${alias}.rest_until`)}, '-infinity'::timestamptz), coalesce(${sql.ref(`${alias}.idle_until`)}, '-infinity'::timestamptz))`;

/** Not retired, not disabled (statuses as literals: see usableAccountSql). */
export const usableAccount = (alias: string): RawBuilder<boolean> => sql<boolean>`${sql.raw(usableAccountSql(`${alias}.status`))}`;

/**
 * Accounts that may act now, not leased, with at least one running task they are eligible for: the first `limit`
 * in due order (the one waiting longest first, then by id). The worker's only source of candidates, also with Redis
 * (src/accounts/hot-state.ts says why).
 * Each candidate costs a lease probe and a task_accounts_account probe, so the cost does not grow with the number
 * of accounts, only with how many due accounts at the head have nothing to do.
 */
export function readyAccountsQuery(db: Kysely<Database>, now: Date, limit: number) {
  return db
    .selectFrom('accounts as a')
    .selectAll('a')
    .where(usableAccount('a'))
    .where(accountDueAt('a'), '<=', now)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('account_leases as l').select('l.account_id').whereRef('l.account_id', '=', 'a.id').where('l.expires_at', '>', now))),
    )
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('task_accounts as ta')
          .innerJoin('tasks as t', 't.id', 'ta.task_id')
          .select('ta.task_id')
          .whereRef('ta.account_id', '=', 'a.id')
          .where('ta.eligible', '=', true)
          .where('t.status', '=', 'IN_PROGRESS'),
      ),
    )
    .orderBy(accountDueAt('a'))
    .orderBy('a.id')
    .limit(limit);
}
