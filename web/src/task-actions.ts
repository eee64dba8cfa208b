import { FINISHED_TASK_STATUSES, TASK_TRANSITIONS, type Priority, type TaskAction } from '../../src/shared/enums';
import type { BulkTaskAction, BulkTaskOutcome } from '../../src/tasks/task-bulk';
import { api } from './api/client';
import type { TaskJson } from './api/types';

const ORDER: TaskAction[] = ['start', 'pause', 'resume', 'cancel'];

/** The control buttons a task in `status` shows: exactly the transitions the server allows. */
export function actionsFor(status: string): TaskAction[] {
  return ORDER.filter((a) => (TASK_TRANSITIONS[a] as readonly string[]).includes(status));
}

/**
 * Delete and duplicate, the same on the list and on the task page: delete asks first (it cannot be undone)
 * and answers whether it deleted; duplicate answers the new task.
 */
export async function deleteTask(task: { id: number; name: string }, confirmText: string): Promise<boolean> {
  if (!window.confirm(confirmText)) return false;
  await api(`/api/v1/invite/tasks/${task.id}`, { method: 'DELETE' });
  return true;
}

export function duplicateTask(id: number): Promise<TaskJson> {
  return api<TaskJson>(`/api/v1/invite/tasks/${id}/duplicate`, { method: 'POST' });
}

/** Whether a task in `status` has ended (its audience is history; only its name and notes can change). */
export const isFinished = (status: string): boolean => (FINISHED_TASK_STATUSES as readonly string[]).includes(status);

/**
 * Whether a bulk action applies to a task in `status`, by the same rules as its own buttons: start, pause, resume and
 * cancel from the server's transitions, a priority while the task is not finished, delete always. The list sends a bulk
 * action only for the selected tasks it applies to, and says how many it skipped.
 */
export function bulkApplies(action: BulkTaskAction, status: string): boolean {
  switch (action) {
    case 'START':
    case 'PAUSE':
    case 'RESUME':
    case 'CANCEL':
      return (TASK_TRANSITIONS[action.toLowerCase() as TaskAction] as readonly string[]).includes(status);
    case 'SET_PRIORITY':
      return !isFinished(status);
    case 'DELETE':
      return true;
  }
}

/** One action for many tasks (POST /tasks/bulk): each id answers its own outcome. */
export function bulkAction(action: BulkTaskAction, ids: number[], priority?: Priority): Promise<BulkTaskOutcome> {
  return api<BulkTaskOutcome>('/api/v1/invite/tasks/bulk', { method: 'POST', json: { action, task_ids: ids, ...(priority ? { priority } : {}) } });
}
