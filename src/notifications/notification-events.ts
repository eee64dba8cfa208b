import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { NotificationEvent } from '../shared/enums.js';

/**
 * Writing notifications. Callers are the owners of the transitions (task-status.ts, the account manager, the job
 * service) and they call this inside the transaction of the transition itself: only the statement that moved a
 * task returns it, so each transition notifies exactly once however many workers race, and a rolled-back
 * transition leaves no notification behind.
 *
 * The same statement queues one webhook delivery job per notification for users whose webhook is enabled, so the
 * delivery is as durable as the notification (PostgreSQL is the truth; the jobs' transport only carries ids: the
 * embedded poller finds them on its next poll, and the BullMQ sweeper dispatches queued jobs it has not seen).
 */

type Db = Kysely<Database> | Transaction<Database>;

/** Attempts per webhook delivery: with the job service's back-off (30 s × 4ⁿ) the last one is about 2 h 50 min after the first. */
export const WEBHOOK_MAX_ATTEMPTS = 6;

/** Runs `fn` in `db`'s transaction, or in a new one when `db` is not a transaction yet. */
export function inTransaction<T>(db: Db, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db as Transaction<Database>) : db.transaction().execute(fn);
}

/** The webhook delivery jobs for the notifications a CTE named `n` (id, user_id) just inserted. */
const queueDeliveries = (now: Date) => sql`
INSERT INTO background_jobs (id, user_id, kind, queue, params, run_at, max_attempts, created_at, updated_at)
SELECT gen_random_uuid(), n.user_id, 'webhook_delivery', 'webhooks', jsonb_build_object('notification_id', n.id), ${now}, ${WEBHOOK_MAX_ATTEMPTS}, ${now}, ${now}
  FROM n JOIN webhook_settings w ON w.user_id = n.user_id AND w.enabled
RETURNING id`;

/**
 * One notification per task for a task event, with what the sentence needs: the task's name and type, its
 * counters, and the reason (the code stored in tasks.status_reason with its params, unless `reason` is given).
 */
export async function recordTaskEvents(
  db: Db,
  now: Date,
  event: Extract<NotificationEvent, 'task_completed' | 'task_failed' | 'task_attention'>,
  taskIds: number[],
  reason?: { code: string; params?: Record<string, unknown> | null },
): Promise<void> {
  if (!taskIds.length) return;
  // to_jsonb(t)->'status_reason_params' reads the reason's params column (migration 10) without naming it, so this
  // statement is right before and after that column exists.
  await sql`
WITH n AS (
  INSERT INTO notifications (user_id, event, task_id, params, created_at)
  SELECT t.user_id, ${event}, t.id,
         jsonb_strip_nulls(jsonb_build_object(
           'name', t.name, 'type', t.type, 'status', t.status,
           'reason', coalesce(${reason?.code ?? null}::text, t.status_reason),
           'reason_params', CASE WHEN ${reason?.code ?? null}::text IS NULL THEN to_jsonb(t)->'status_reason_params' ELSE ${reason?.params ? JSON.stringify(reason.params) : null}::jsonb END,
           'total', coalesce(c.pending + c.in_flight + c.invited + c.sent + c.skipped + c.failed, 0),
           'invited', coalesce(c.invited, 0), 'sent', coalesce(c.sent, 0), 'skipped', coalesce(c.skipped, 0), 'failed', coalesce(c.failed, 0))),
         ${now}
    FROM tasks t LEFT JOIN task_counters c ON c.task_id = t.id
   WHERE t.id IN (${sql.join(taskIds)})
  RETURNING id, user_id
)
${queueDeliveries(now)}`.execute(db);
}

/** One notification about something other than a task's own transition (an account retired, an import failed). */
export async function recordEvent(
  db: Db,
  now: Date,
  e: { userId: number; event: NotificationEvent; taskId?: number | null; accountId?: number | null; jobId?: string | null; params: Record<string, unknown> },
): Promise<void> {
  await sql`
WITH n AS (
  INSERT INTO notifications (user_id, event, task_id, account_id, job_id, params, created_at)
  VALUES (${e.userId}, ${e.event}, ${e.taskId ?? null}, ${e.accountId ?? null}, ${e.jobId ?? null}, ${JSON.stringify(e.params)}::jsonb, ${now})
  RETURNING id, user_id
)
${queueDeliveries(now)}`.execute(db);
}
