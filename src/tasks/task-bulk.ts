import type { AuditLog } from '../observability/audit.js';
import { AppError } from '../shared/errors.js';
import type { BULK_TASK_ACTIONS, Priority } from '../shared/enums.js';
import type { Lang } from '../shared/messages.js';
import type { TaskLifecycle } from './task-lifecycle.js';
import type { TaskService } from './task-service.js';
import { deleteTask } from './task-deletion.js';

export type BulkTaskAction = (typeof BULK_TASK_ACTIONS)[number];

export interface BulkTaskResult {
  id: number;
  ok: boolean;
  /** The task's status after the action (DELETED for a delete). */
  status?: string;
  error?: string;
  message?: string;
}

export interface BulkTaskOutcome {
  action: BulkTaskAction;
  succeeded: number;
  failed: number;
  results: BulkTaskResult[];
}

/**
 * One action applied to many of a user's tasks. Each id goes through the same service call its own button makes, so
 * each task keeps its own rules (a COMPLETED task is not paused; another user's task is not found), and one task's
 * refusal is that id's result in the reader's language, never the whole request's: the UI shows which ones did not
 * take the action and why. Anything that is not a refusal (a database failure) still fails the request.
 */
export class TaskBulk {
  constructor(
    private readonly tasks: TaskService,
    private readonly lifecycle: TaskLifecycle,
    private readonly audit: AuditLog,
  ) {}

  async apply(userId: number, action: BulkTaskAction, taskIds: readonly number[], priority: Priority | undefined, lang: Lang): Promise<BulkTaskOutcome> {
    const results: BulkTaskResult[] = [];
    for (const id of new Set(taskIds)) {
      try {
        results.push({ id, ok: true, status: await this.one(userId, action, id, priority) });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        results.push({ id, ok: false, error: err.code, message: err.text(lang) });
      }
    }
    await this.audit.record(userId, `task.bulk.${action.toLowerCase()}`, 'task', null, { ids: taskIds });
    const succeeded = results.filter((r) => r.ok).length;
    return { action, succeeded, failed: results.length - succeeded, results };
  }

  private async one(userId: number, action: BulkTaskAction, id: number, priority: Priority | undefined): Promise<string> {
    switch (action) {
      // The single start itself, not a copy of it: the same readiness checks (audience, admin rights in the group or a
      // usable sender, the active-task cap, scheduled_at → SCHEDULED) and the same conditional transition, so a task
      // that cannot start is refused with the sentence its own button would show, and the next id is still tried.
      case 'START':
        return (await this.lifecycle.start(userId, id)).status;
      case 'DELETE':
        // Each deleted task gets the entry its own delete button writes, with its name.
        await deleteTask(this.tasks, this.audit, userId, id, 'bulk');
        return 'DELETED';
      case 'PAUSE':
        return (await this.lifecycle.pause(userId, id)).status;
      case 'RESUME':
        return (await this.lifecycle.resume(userId, id)).status;
      case 'CANCEL':
        return (await this.lifecycle.cancel(userId, id)).status;
      case 'SET_PRIORITY':
        return (await this.tasks.update(userId, id, { priority })).status;
    }
  }
}
