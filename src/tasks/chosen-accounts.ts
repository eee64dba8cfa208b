/**
 * The accounts a user chose for a task (tasks.account_ids, migration 18). Null is "every suitable account" when the
 * task's accounts are recorded (start, resume, an edit of the choice, an account added or enabled); a list narrows the task to those, and an account left out is recorded in
 * task_accounts as not eligible with this reason (a catalogue code, said in the reader's language).
 */
export const NOT_CHOSEN = 'ACCOUNT_WHY.not_chosen';

/** Whether the task may use this account at all, before asking whether it can serve the task. */
export const isChosen = (task: { account_ids?: number[] | null }, accountId: number): boolean => !task.account_ids || task.account_ids.includes(accountId);
