import type { Kysely } from 'kysely';
import type { Database, TaskRow } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import type { AccountManager } from '../accounts/account-manager.js';
import type { GroupCheckService } from '../accounts/group-check.js';
import { AppError } from '../shared/errors.js';
import { renderMessage, type Lang, type MessageParams } from '../shared/messages.js';
import type { PlatformMode } from '../shared/enums.js';
import type { CreateTaskInput } from './task-schemas.js';
import { isChosen } from './chosen-accounts.js';

/** One reason a task could not start, at the form field it is about. */
export interface StartProblem {
  field: 'target_group' | 'accounts' | 'audience';
  code: string;
  params?: MessageParams;
}

/**
 * Would a new task start? The create form's check before anything is written: the same conditions the start
 * applies (an audience; a usable sender account; for invites a group that resolves, an admin with the invite
 * right, and one of them able to act now), each said at its field. A task that fails it is created only as a
 * draft, with the first reason stored (as a code) so the task keeps saying it.
 */
export class TaskReadiness {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly manager: AccountManager,
    private readonly groupCheck: GroupCheckService,
  ) {}

  async problems(userId: number, input: CreateTaskInput, mode: PlatformMode): Promise<StartProblem[]> {
    const problems: StartProblem[] = [];
    // The audience comes inline, or (the form) from a file or base imported right after the create: it says how many.
    const audience = input.targets?.length ?? input.audience_count ?? 0;
    if (audience === 0) problems.push({ field: 'audience', code: 'WHY.no_audience' });

    const now = this.clock.now();
    const accounts = await this.db.selectFrom('accounts').selectAll().where('user_id', '=', userId).where('platform_mode', '=', mode).execute();
    // As the start decides: a resting account is usable (it comes back), a retired or disabled one is not.
    const usable = accounts.filter((a) => {
      const v = this.manager.checkStatus(a, now);
      return v.allowed || v.wait_seconds !== null;
    });
    if (usable.length === 0) {
      problems.push({ field: 'accounts', code: 'WHY.no_accounts' });
      return problems;
    }
    // Only the accounts the user chose, when they chose (the start records the others as not chosen).
    const chosen = (id: number) => isChosen(input, id);
    if (input.account_ids && !usable.some((a) => chosen(a.id))) {
      problems.push({ field: 'accounts', code: 'NO_CHOSEN_ACCOUNT' });
      return problems;
    }
    if (input.type === 'invite_to_group' && input.target_group) {
      const check = await this.groupCheck.check(userId, input.target_group, mode);
      const ready = check.ready.filter((r) => chosen(r.account_id));
      const admins = ready.length + check.unavailable.filter((u) => u.is_admin && chosen(u.account_id)).length;
      const anyAdmin = check.ready.length + check.unavailable.filter((u) => u.is_admin).length;
      if (!check.group) {
        // No account reached Telegram (proxies down): the link is not to blame.
        problems.push(check.unreached ? { field: 'accounts', code: 'WHY.accounts_unreachable' } : { field: 'target_group', code: 'WHY.group_not_found' });
      } else if (!anyAdmin) problems.push({ field: 'target_group', code: 'WHY.no_admin', params: { group: check.group.title } });
      else if (!admins) problems.push({ field: 'accounts', code: 'NO_CHOSEN_ADMIN', params: { group: check.group.title } });
      else if (!ready.length) problems.push({ field: 'accounts', code: 'WHY.no_ready_account', params: { group: check.group.title } });
    }
    return problems;
  }

  /** The reason a draft keeps: the first that is not about its audience (that one is counted live). */
  static storedReason(problems: StartProblem[]): StartProblem | undefined {
    return problems.find((p) => p.field !== 'audience');
  }

  /**
   * A task not started yet whose group or chosen accounts were edited: the reason it keeps (see markDraft) is checked
   * again, as its create form's check would, and replaced or cleared. Without this a draft saved because its group had
   * no admin went on saying so after the group was changed, and one narrowed to accounts that cannot invite went on
   * saying «press Start». Returns the task as it now is.
   */
  async recheck(userId: number, task: TaskRow): Promise<TaskRow> {
    if (task.status !== 'PENDING') return task;
    const input = { type: task.type, target_group: task.target_group ?? undefined, account_ids: task.account_ids, audience_count: 1 };
    const problems = await this.problems(userId, input as CreateTaskInput, task.platform_mode);
    return (await this.markDraft(task.id, TaskReadiness.storedReason(problems))) ?? task;
  }

  /**
   * A draft keeps the first reason it could not start (a code and its params; none clears it) until a start clears it.
   * Returns the task as written, or nothing once it has started.
   */
  async markDraft(taskId: number, problem: StartProblem | undefined): Promise<TaskRow | undefined> {
    return this.db
      .updateTable('tasks')
      .set({ status_reason: problem?.code ?? null, status_reason_params: problem?.params ? JSON.stringify(problem.params) : null })
      .where('id', '=', taskId)
      .where('status', '=', 'PENDING')
      .returningAll()
      .executeTakeFirst();
  }

  /** 409 naming every problem, each at its field, in the reader's language; nothing was created. */
  static refusal(problems: StartProblem[], lang: Lang): AppError {
    const say = (p: StartProblem, l: Lang) => renderMessage(p.code, l, p.params) ?? p.code;
    const details = problems.map((p) => ({ field: p.field, code: p.code, message: say(p, lang) }));
    const en = problems.map((p) => say(p, 'en')).join(' ');
    return new AppError(409, 'TASK_CANNOT_START', `The task cannot start: ${en} Fix this or save the task as a draft.`, details, {
      params: { reasons: problems.map((p) => say(p, lang)).join(' ') },
    });
  }
}
