import { sql, type ExpressionBuilder, type Kysely, type Transaction } from 'kysely';
import type { Database, TaskRow } from '../db/schema.js';
import { conflict, notFound } from '../shared/errors.js';
import { RETIRED_ACCOUNT_STATUSES, TASK_TRANSITIONS, type TaskAction, type TaskStatus } from '../shared/enums.js';
import { inTransaction, recordTaskEvents } from '../notifications/notification-events.js';

/**
 * The one owner of every task status change. Each change is a single conditional statement,
 * `UPDATE tasks SET status = … WHERE id = ? AND status IN (<allowed from>) RETURNING *`, never a read
 * followed by a write: when two writers race (a user's pause and the worker's completion, a cancel and
 * a start, two bulk actions), PostgreSQL serialises them on the row and re-checks the status condition
 * against the newer row, so exactly one wins and the other finds the task no longer in an allowed status.
 *
 * The user-facing moves (start, pause, resume, cancel) answer 409 with a sentence naming the current
 * status when they lose; the system moves (promotion of due scheduled tasks, completion, failure) simply
 * change nothing for tasks that moved on.
 */

type Db = Kysely<Database> | Transaction<Database>;

/** Which status every move may start from. User moves are the ones of TASK_TRANSITIONS (shared with the UI). */
export const TASK_STATUS_MOVES = {
  ...TASK_TRANSITIONS,
  /** A scheduled task whose time has come (start job or housekeeping). */
  promote: ['SCHEDULED'],
  /** No pending or in-flight target is left. */
  complete: ['IN_PROGRESS'],
  /** No sender account can continue. */
  fail: ['IN_PROGRESS'],
} as const satisfies Record<string, readonly TaskStatus[]>;
export type TaskMove = keyof typeof TASK_STATUS_MOVES;

/** The sentence that explains a refused user move. */
const HINTS: Record<TaskAction, string> = {
  start: 'only a task that has not started yet can be started (resume a paused one, duplicate a finished one)',
  pause: 'only a running or scheduled task can be paused',
  resume: 'only a paused task can be resumed',
  cancel: 'a finished task cannot be cancelled',
};

export function illegalTransition(task: Pick<TaskRow, 'name' | 'status'>, action: TaskAction) {
  return conflict('ILLEGAL_TRANSITION', `Cannot ${action} task "${task.name}" because it is ${task.status}: ${HINTS[action]}.`, {
    key: `ILLEGAL_TRANSITION.${action}`,
    params: { name: task.name, status: task.status },
  });
}

/** Early, friendly refusal before expensive checks; the conditional update in `transitionTask` is what guarantees it. */
export function assertTransition(task: Pick<TaskRow, 'name' | 'status'>, action: TaskAction): void {
  if (!(TASK_TRANSITIONS[action] as readonly TaskStatus[]).includes(task.status)) throw illegalTransition(task, action);
}

export type TaskStatusExtra = Partial<Pick<TaskRow, 'status_reason' | 'started_at' | 'finished_at'>>;

/**
 * One user move of one task: `to` is written only if the task is still in one of the move's allowed
 * statuses at the moment of the write. Otherwise 409 naming the status it is in now (404 if it is gone).
 */
export async function transitionTask(
  db: Db,
  now: Date,
  move: { id: number; action: TaskAction; to: TaskStatus; extra?: TaskStatusExtra; keepStartedAt?: boolean },
): Promise<TaskRow> {
  const from = TASK_TRANSITIONS[move.action] as readonly TaskStatus[];
  const extra = { ...move.extra } as Record<string, unknown>;
  // started_at is set once: the first start wins, a resume never moves it.
  if (move.keepStartedAt && extra.started_at !== undefined) extra.started_at = sql`coalesce(started_at, ${extra.started_at as Date})`;
  const row = await db
    .updateTable('tasks')
    .set({ ...extra, status: move.to, updated_at: now })
    .where('id', '=', move.id)
    .where('status', 'in', [...from])
    .returningAll()
    .executeTakeFirst();
  if (row) return row;
  const current = await db.selectFrom('tasks').select(['name', 'status']).where('id', '=', move.id).executeTakeFirst();
  if (!current) throw notFound('Task');
  throw illegalTransition(current, move.action);
}

/** SCHEDULED → IN_PROGRESS for due tasks (all, or one). Returns the tasks that moved. */
export async function promoteDueTasks(db: Db, now: Date, taskId?: number): Promise<Array<Pick<TaskRow, 'id' | 'user_id' | 'platform'>>> {
  let q = db
    .updateTable('tasks')
    .set({ status: 'IN_PROGRESS', started_at: sql`coalesce(started_at, ${now})`, updated_at: now })
    .where('status', 'in', [...TASK_STATUS_MOVES.promote])
    // A scheduled task whose time was cleared starts at once.
    .where(sql`coalesce(scheduled_at, '-infinity'::timestamptz)`, '<=', now);
  if (taskId !== undefined) q = q.where('id', '=', taskId);
  return q.returning(['id', 'user_id', 'platform']).execute();
}

/**
 * IN_PROGRESS → COMPLETED for running tasks with no pending or in-flight target (all, or one), each notifying its
 * owner in the same transaction: only the update that moved a task returns it, so a completion notifies once
 * even when several workers race to close the same task.
 */
export function completeDoneTasks(db: Db, now: Date, taskId?: number): Promise<Array<Pick<TaskRow, 'id' | 'user_id' | 'platform' | 'started_at'>>> {
  return inTransaction(db, async (trx) => {
    const done = await moveDoneTasks(trx, now, taskId);
    const ids = done.map((t) => t.id);
    await recordTaskEvents(trx, now, 'task_completed', ids);
    return done;
  });
}

async function moveDoneTasks(db: Db, now: Date, taskId?: number): Promise<Array<Pick<TaskRow, 'id' | 'user_id' | 'platform' | 'started_at'>>> {
  let q = db
    .updateTable('tasks')
    .set({ status: 'COMPLETED', finished_at: now, updated_at: now, status_reason: null, status_reason_params: null })
    .where('status', 'in', [...TASK_STATUS_MOVES.complete])
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(selectFrom('targets').select('targets.id').whereRef('targets.task_id', '=', 'tasks.id').where('targets.status', 'in', ['PENDING', 'IN_FLIGHT'])),
      ),
    );
  if (taskId !== undefined) q = q.where('id', '=', taskId);
  return q.returning(['id', 'user_id', 'platform', 'started_at']).execute();
}

/**
 * The task's eligible accounts that are not retired (banned, logged out): those that may still serve it, now or after
 * a rest or being enabled again. Both endings below ask about them.
 */
const unretiredEligibleAccounts = (eb: ExpressionBuilder<Database, 'tasks'>) =>
  eb
    .selectFrom('task_accounts as ta')
    .innerJoin('accounts as a', 'a.id', 'ta.account_id')
    .select('ta.account_id')
    .whereRef('ta.task_id', '=', 'tasks.id')
    .where('ta.eligible', '=', true)
    .where('a.status', 'not in', RETIRED_ACCOUNT_STATUSES);

/**
 * IN_PROGRESS → FAILED for running tasks whose every eligible account is retired (banned, logged out)
 * or lost its rights. Disabled accounts do not count as lost: the owner can enable them again.
 */
export function failTasksWithoutAccounts(db: Db, now: Date): Promise<Array<Pick<TaskRow, 'id' | 'user_id' | 'platform'>>> {
  // The failure and its notification (with the stored reason) commit together, once per failed task.
  return inTransaction(db, async (trx) => {
    const failed = await moveTasksWithoutAccounts(trx, now);
    const ids = failed.map((t) => t.id);
    await recordTaskEvents(trx, now, 'task_failed', ids);
    return failed;
  });
}

async function moveTasksWithoutAccounts(db: Db, now: Date): Promise<Array<Pick<TaskRow, 'id' | 'user_id' | 'platform'>>> {
  return db
    .updateTable('tasks')
    .set({
      status: 'FAILED',
      finished_at: now,
      updated_at: now,
      // A message code (src/shared/messages.ts), said in each reader's language when the task is read.
      status_reason: 'TASK_REASON.no_sender',
      status_reason_params: null,
    })
    .where('status', 'in', [...TASK_STATUS_MOVES.fail])
    .where((eb) => eb.not(eb.exists(unretiredEligibleAccounts(eb))))
    .returning(['id', 'user_id', 'platform'])
    .execute();
}

/**
 * IN_PROGRESS → FAILED for running invite tasks whose remaining people no eligible account can ever serve:
 * every eligible account that is not retired has used up its lifetime allowance (`lifetimeCap`) into the task's
 * group. (All retired, or all without admin rights, is failTasksWithoutAccounts.) Daily caps and rests are
 * temporary and never end a task; a disabled account under the cap keeps the task waiting (it can be enabled).
 * The reason is stored as a code (rendered with the configured cap in the reader's language).
 * Runs with housekeeping for all tasks, and for one task when the scheduler saw an account at the cap.
 */
export function failTasksNeverServable(db: Db, now: Date, lifetimeCap: number, taskId?: number): Promise<Array<Pick<TaskRow, 'id' | 'user_id' | 'platform'>>> {
  return inTransaction(db, async (trx) => {
    let q = trx
      .updateTable('tasks')
      .set({
        status: 'FAILED',
        finished_at: now,
        updated_at: now,
        status_reason: 'TASK_REASON.group_lifetime_exhausted',
        status_reason_params: JSON.stringify({ limit: lifetimeCap }),
      })
      .where('status', 'in', [...TASK_STATUS_MOVES.fail])
      .where('type', '=', 'invite_to_group')
      .where('target_group_key', 'is not', null)
      // Someone is still waiting, and nobody is being served right now (an in-flight invite may be refunded).
      .where(({ exists, selectFrom }) =>
        exists(selectFrom('targets').select('targets.id').whereRef('targets.task_id', '=', 'tasks.id').where('targets.status', '=', 'PENDING')),
      )
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('targets').select('targets.id').whereRef('targets.task_id', '=', 'tasks.id').where('targets.status', '=', 'IN_FLIGHT'))),
      )
      // At least one eligible account is still usable (otherwise the other ending, with its own reason, applies)…
      .where((eb) => eb.exists(unretiredEligibleAccounts(eb)))
      // …and none of them has any allowance left in this group.
      .where((eb) =>
        eb.not(
          eb.exists(
            unretiredEligibleAccounts(eb)
              .leftJoin('account_group_usage as u', (j) => j.onRef('u.account_id', '=', 'ta.account_id').onRef('u.group_key', '=', 'tasks.target_group_key'))
              .where(sql<boolean>`coalesce(u.lifetime_invites, 0) < ${lifetimeCap}`),
          ),
        ),
      );
    if (taskId !== undefined) q = q.where('id', '=', taskId);
    const failed = await q.returning(['id', 'user_id', 'platform']).execute();
    await recordTaskEvents(
      trx,
      now,
      'task_failed',
      failed.map((t) => t.id),
    );
    return failed;
  });
}
