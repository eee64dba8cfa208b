import type { T } from './i18n';
import { MAX_TASK_NAME } from '../../src/shared/limits';

/** The server's limit on a task's name, checked in the browser first. */
export const MAX_NAME_LENGTH = MAX_TASK_NAME;

/** A name past the server's limit, said with the limit and the length typed. */
export function nameTooLong(value: string, t: T): string | undefined {
  const n = value.trim().length;
  return n > MAX_NAME_LENGTH ? t('errNameTooLong', { max: MAX_NAME_LENGTH, n }) : undefined;
}

/**
 * A start time from a datetime-local input: missing, unreadable, or already passed. `unchanged` is the value the task
 * already has, which may have passed since it was set and is not the user's new choice. `now`: the service's time
 * (serviceNow), which decides what has passed.
 */
export function startTimeProblem(value: string, t: T, unchanged: string | undefined, now: number): string | undefined {
  const at = value ? new Date(value) : null;
  if (!at || Number.isNaN(at.getTime())) return t('errScheduledMissing');
  if (value !== unchanged && at.getTime() <= now) return t('errScheduledPast');
  return undefined;
}
