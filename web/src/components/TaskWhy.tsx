import type { TaskWhy as Why } from '../../../src/tasks/task-why';

/** The `why` the server adds to task, status and list answers (src/tasks/task-why.ts), if there is one. */
export function whyOf(task: object | null | undefined): Why | null {
  return ((task as { why?: Why | null } | null | undefined)?.why ?? null) as Why | null;
}

/**
 * Why the task is not acting now, in the reader's language as the server said it (it answers in the UI's
 * language): a warning when nothing changes without the owner, a plain note when it waits until a moment.
 */
export function TaskWhy({ task }: { task: object }) {
  const why = whyOf(task);
  if (!why) return null;
  return (
    <div className={`notice ${why.stuck ? 'notice-warn' : 'notice-info'}`} role="status" data-testid="task-why" data-code={why.code}>
      {why.text}
    </div>
  );
}

/** The same reason, one line in a task card of the list. */
export function TaskWhyLine({ task }: { task: object }) {
  const why = whyOf(task);
  if (!why) return null;
  return (
    <div className={`small why-line ${why.stuck ? 'why-stuck' : 'muted'}`} data-testid="task-why-line" data-code={why.code}>
      {why.text}
    </div>
  );
}
