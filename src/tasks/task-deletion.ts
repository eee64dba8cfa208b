import type { AuditLog } from '../observability/audit.js';
import type { TaskService } from './task-service.js';

/**
 * Deletes one of a user's tasks and writes its journal entry with the task's name: the journal names a task's earlier
 * entries, once it is gone, by the name its deletion kept (audit_log_deletions). Every way of deleting — the task's
 * button, a bulk delete, the Mailing page — goes through here, so none leaves those entries as «№12». `via`: which of
 * the other ways it was.
 */
export async function deleteTask(tasks: TaskService, audit: AuditLog, userId: number, id: number, via?: 'bulk' | 'mailing-page'): Promise<void> {
  const { name } = await tasks.delete(userId, id);
  await audit.record(userId, 'task.delete', 'task', id, { name, ...(via ? { via } : {}) });
}
