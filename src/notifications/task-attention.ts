import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { usableAccountSql } from '../shared/enums.js';
import { inTransaction, recordTaskEvents } from './notification-events.js';

/** The reason an attention notification carries (src/tasks/why-messages.ts): the owner switched every account off. */
export const ACCOUNTS_DISABLED_REASON = 'WHY.accounts_disabled';

/**
 * Running tasks that wait for their owner and would otherwise wait in silence: people are still pending, and every
 * eligible account that is not retired has been disabled by the owner (a retired one is the FAILED ending of
 * task-status.ts; a disabled one is reversible, so the task keeps its status and waits). Each such wait is told once:
 * a task is skipped when it already has this notification from after the moment its accounts last changed, so
 * enabling and disabling again is a new wait, and a second worker's housekeeping does not repeat it (the statement
 * runs under a transaction-scoped advisory lock).
 */
export async function notifyTasksNeedingAttention(db: Kysely<Database>, now: Date): Promise<number[]> {
  return inTransaction(db, async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('notify_task_attention'))`.execute(trx);
    const { rows } = await sql<{ id: number }>`
SELECT t.id FROM tasks t
 WHERE t.status = 'IN_PROGRESS'
   AND EXISTS (SELECT 1 FROM task_counters c WHERE c.task_id = t.id AND c.pending > 0)
   AND EXISTS (SELECT 1 FROM task_accounts ta JOIN accounts a ON a.id = ta.account_id
                WHERE ta.task_id = t.id AND ta.eligible AND a.status = 'DISABLED')
   AND NOT EXISTS (SELECT 1 FROM task_accounts ta JOIN accounts a ON a.id = ta.account_id
                    WHERE ta.task_id = t.id AND ta.eligible AND ${sql.raw(usableAccountSql('a.status'))})
   AND NOT EXISTS (SELECT 1 FROM notifications n
                    WHERE n.task_id = t.id AND n.event = 'task_attention' AND n.params->>'reason' = ${ACCOUNTS_DISABLED_REASON}
                      AND n.created_at >= (SELECT max(a.updated_at) FROM task_accounts ta JOIN accounts a ON a.id = ta.account_id
                                            WHERE ta.task_id = t.id AND ta.eligible))`.execute(trx);
    const ids = rows.map((r) => r.id);
    await recordTaskEvents(trx, now, 'task_attention', ids, { code: ACCOUNTS_DISABLED_REASON });
    return ids;
  });
}
