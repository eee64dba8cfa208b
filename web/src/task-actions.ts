import { TASK_TRANSITIONS, type TaskAction } from '../../src/shared/enums';

const ORDER: TaskAction[] = ['start', 'pause', 'resume', 'cancel'];

/** The control buttons a task in `status` shows: exactly the transitions the server allows. */
export function actionsFor(status: string): TaskAction[] {
  return ORDER.filter((a) => (TASK_TRANSITIONS[a] as readonly string[]).includes(status));
}
