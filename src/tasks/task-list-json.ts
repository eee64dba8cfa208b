import { renderStoredReason, type Lang } from '../shared/messages.js';
import type { TaskPage } from './task-queries.js';
import type { ListTasksQuery } from './task-schemas.js';
import type { TaskWhy } from './task-why.js';

/**
 * The task list's answer (taskListResponse) as JSON text: each item is the JSON PostgreSQL wrote for it
 * (src/tasks/task-queries.ts, TaskListRow) with its status_reason in the reader's language between the two halves and
 * its `why` at the end, in taskToJson's field order. `whys[i]` belongs to `page.rows[i]`.
 */
export function taskPageJson(page: TaskPage, q: Pick<ListTasksQuery, 'page' | 'page_size'>, lang: Lang, whys?: Array<TaskWhy | null>): string {
  const items = page.rows.map((r, i) => {
    const reason = JSON.stringify(renderStoredReason(r.status_reason, r.status_reason_params as Record<string, unknown> | null, lang) ?? null);
    const why = whys ? `,"why":${JSON.stringify(whys[i] ?? null)}` : '';
    return `${r.head.slice(0, -1)},"status_reason":${reason},${r.tail.slice(1, -1)}${why}}`;
  });
  return `{"items":[${items.join(',')}],"total":${page.total},"page":${q.page},"page_size":${q.page_size},"pages":${Math.ceil(page.total / q.page_size)}}`;
}
