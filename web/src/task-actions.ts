import { TASK_TRANSITIONS, type TaskAction } from '../../src/shared/enums';
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
