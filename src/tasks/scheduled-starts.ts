import type { Kysely } from 'kysely';
import { promoteDueTasks } from './task-status.js';
import type { Database, TaskRow } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import { INVITE_QUEUE_BY_PRIORITY } from '../shared/enums.js';
import type { AccountManager } from '../accounts/account-manager.js';
import type { JobService } from '../jobs/job-service.js';

/**
 * SCHEDULED → IN_PROGRESS for tasks whose time has come (one task, or all of them). Returns the users
 * whose tasks started, so their accounts can be woken (the conditional update itself is in task-status.ts).
 */
export async function promoteDueScheduledTasks(db: Kysely<Database>, now: Date, taskId?: number): Promise<number[]> {
  const started = await promoteDueTasks(db, now, taskId);
  return [...new Set(started.map((t) => t.user_id))];
}

/** Why a queued start was dropped: the job's error_code, with the sentence English readers get. */
const UNSCHEDULED = {
  RESCHEDULED: 'Replaced: the task was scheduled again.',
  PAUSED_BEFORE_START: 'The task was paused before its start time.',
  TASK_CANCELLED: 'The task was cancelled.',
} as const;

/**
 * A scheduled task's start is a delayed job on the invite queue of the task's priority, so it starts
 * on time without anyone polling. Workers' housekeeping also promotes overdue tasks, which covers a
 * start job that was cancelled by mistake or never delivered.
 */
export class ScheduledStarts {
  constructor(
    private readonly jobs: JobService,
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly accounts: AccountManager,
  ) {
    jobs.register('task_start', async (job) => {
      const users = await promoteDueScheduledTasks(this.db, this.clock.now(), job.task_id!);
      for (const u of users) await this.accounts.wake(u);
      const task = await this.db.selectFrom('tasks').select(['status', 'scheduled_at']).where('id', '=', job.task_id!).executeTakeFirst();
      return { result: { started: users.length > 0, task_status: task?.status ?? 'DELETED' } };
    });
  }

  /** Queues the start of a SCHEDULED task (replacing an earlier one, e.g. after its time was changed). */
  async schedule(task: TaskRow): Promise<void> {
    await this.unschedule(task.id, 'RESCHEDULED');
    await this.jobs.enqueue({
      userId: task.user_id,
      kind: 'task_start',
      queue: INVITE_QUEUE_BY_PRIORITY[task.priority],
      taskId: task.id,
      params: { scheduled_at: task.scheduled_at?.toISOString() ?? null, priority: task.priority },
      runAt: task.scheduled_at && task.scheduled_at > this.clock.now() ? task.scheduled_at : this.clock.now(),
    });
  }

  /**
   * Drops the queued start. The job keeps why by code (JOB_REASON.<code>, said in the reader's language) and its English
   * sentence; a start moved to another time is not a failure, and the jobs list should not read like one.
   */
  async unschedule(taskId: number, why: keyof typeof UNSCHEDULED): Promise<void> {
    await this.jobs.store.cancelQueuedForTask(taskId, 'task_start', { code: why, message: UNSCHEDULED[why] });
  }
}
