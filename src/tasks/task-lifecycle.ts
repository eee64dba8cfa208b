import type { Kysely } from 'kysely';
import { NOT_CHOSEN, isChosen } from './chosen-accounts.js';
import type { Database, TaskRow } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import { AppError, conflict } from '../shared/errors.js';
import { localised } from '../shared/messages.js';
import { ACTIVE_TASK_STATUSES, FINISHED_TASK_STATUSES, type PlatformMode } from '../shared/enums.js';
import type { AccountManager } from '../accounts/account-manager.js';
import type { GroupCheckResult, GroupCheckService } from '../accounts/group-check.js';
import { joinTexts, labelled } from '../accounts/limit-reasons.js';
import type { Metrics } from '../observability/metrics.js';
import type { AuditLog } from '../observability/audit.js';
import type { TaskService } from './task-service.js';
import { assertTransition, transitionTask } from './task-status.js';
import type { ScheduledStarts } from './scheduled-starts.js';

/** The refusals of a choice of accounts that cannot serve the task (see assignAccounts). */
const CHOICE_REFUSALS = ['NO_CHOSEN_ADMIN', 'NO_CHOSEN_ACCOUNT'];

/**
 * start / pause / resume / cancel. Starting decides which accounts may work on the task
 * (for invites: admins with the invite right, checked on the platform) and refuses with a reason
 * a person can act on when the task cannot run.
 */
export class TaskLifecycle {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly tasks: TaskService,
    private readonly accounts: AccountManager,
    private readonly groupCheck: GroupCheckService,
    private readonly audit: AuditLog,
    private readonly maxConcurrentTasks: number,
    private readonly metrics?: Metrics,
    private readonly starts?: ScheduledStarts,
  ) {}

  async start(userId: number, id: number): Promise<TaskRow> {
    const task = await this.tasks.getOwned(userId, id);
    assertTransition(task, 'start');
    const counters = await this.tasks.counters(id);
    if (counters.pending === 0) {
      throw conflict(
        'NO_TARGETS',
        counters.total === 0
          ? `Task "${task.name}" has no audience yet: import a file or a Parsing Service base first.`
          : `Task "${task.name}" has no pending targets left to process.`,
        { key: counters.total === 0 ? 'NO_TARGETS.empty' : 'NO_TARGETS.none_pending', params: { name: task.name } },
      );
    }
    if ((await this.tasks.countActive(userId)) >= this.maxConcurrentTasks) {
      throw conflict('TOO_MANY_ACTIVE_TASKS', `You already have ${this.maxConcurrentTasks} running or scheduled tasks; pause or finish one first.`, {
        params: { max: this.maxConcurrentTasks },
      });
    }
    await this.assignAccounts(userId, task, { requireReady: true });
    const now = this.clock.now();
    const scheduled = task.scheduled_at && task.scheduled_at > now;
    // Only if it is still PENDING now: a cancel (or another start) that landed meanwhile wins, and this one answers 409.
    const updated = await transitionTask(this.db, now, {
      id,
      action: 'start',
      to: scheduled ? 'SCHEDULED' : 'IN_PROGRESS',
      extra: { status_reason: null, ...(scheduled ? {} : { started_at: now }) },
    });
    if (scheduled) await this.starts?.schedule(updated);
    await this.accounts.wake(userId);
    this.metrics?.tasksTotal.inc({ platform: task.platform, status: updated.status });
    await this.audit.record(userId, 'task.start', 'task', id, { status: updated.status });
    return updated;
  }

  async pause(userId: number, id: number): Promise<TaskRow> {
    const task = await this.tasks.getOwned(userId, id);
    assertTransition(task, 'pause');
    const updated = await transitionTask(this.db, this.clock.now(), { id, action: 'pause', to: 'PAUSED' });
    await this.starts?.unschedule(id, 'PAUSED_BEFORE_START');
    this.metrics?.tasksTotal.inc({ platform: task.platform, status: 'PAUSED' });
    await this.audit.record(userId, 'task.pause', 'task', id);
    return updated;
  }

  async resume(userId: number, id: number): Promise<TaskRow> {
    const task = await this.tasks.getOwned(userId, id);
    assertTransition(task, 'resume');
    if ((await this.tasks.countActive(userId)) >= this.maxConcurrentTasks) {
      throw conflict('TOO_MANY_ACTIVE_TASKS', `You already have ${this.maxConcurrentTasks} running or scheduled tasks; pause or finish one first.`, {
        params: { max: this.maxConcurrentTasks },
      });
    }
    // Accounts may have been added, lost rights or been banned while paused: look again, but a resting admin is enough.
    await this.assignAccounts(userId, task, { requireReady: false });
    const now = this.clock.now();
    const scheduled = !task.started_at && task.scheduled_at && task.scheduled_at > now;
    const updated = await transitionTask(this.db, now, {
      id,
      action: 'resume',
      to: scheduled ? 'SCHEDULED' : 'IN_PROGRESS',
      extra: { status_reason: null, ...(scheduled ? {} : { started_at: now }) },
      keepStartedAt: true,
    });
    if (scheduled) await this.starts?.schedule(updated);
    await this.accounts.wake(userId);
    this.metrics?.tasksTotal.inc({ platform: task.platform, status: updated.status });
    await this.audit.record(userId, 'task.resume', 'task', id);
    return updated;
  }

  async cancel(userId: number, id: number): Promise<TaskRow> {
    const task = await this.tasks.getOwned(userId, id);
    assertTransition(task, 'cancel');
    const now = this.clock.now();
    const updated = await transitionTask(this.db, now, { id, action: 'cancel', to: 'CANCELLED', extra: { finished_at: now } });
    await this.starts?.unschedule(id, 'TASK_CANCELLED');
    this.metrics?.tasksTotal.inc({ platform: task.platform, status: 'CANCELLED' });
    await this.audit.record(userId, 'task.cancel', 'task', id);
    return updated;
  }

  /**
   * A new choice of accounts for a task (PUT /tasks/:id with account_ids): each must be the caller's own; a started
   * task (running, paused, waiting for its start) takes it at once: its task_accounts are recorded again, refused with
   * the start's sentence when none of the chosen can serve it. Called before the choice is saved, so a refusal writes
   * nothing; a task not started yet takes it at its start. `task`: the caller's row of it, read with getOwned.
   */
  async chooseAccounts(userId: number, task: TaskRow, ids: number[] | null): Promise<void> {
    const id = task.id;
    await this.tasks.checkChosenAccounts(userId, ids);
    if (task.status === 'PENDING') {
      // Recorded by a test invite before the start, if at all: the start records them again with the new choice.
      await this.db.deleteFrom('task_accounts').where('task_id', '=', id).execute();
      return;
    }
    if (FINISHED_TASK_STATUSES.includes(task.status)) return;
    try {
      await this.assignAccounts(userId, { ...task, account_ids: ids }, { requireReady: false });
    } catch (err) {
      // The edit form says it at the accounts it chose.
      if (err instanceof AppError && CHOICE_REFUSALS.includes(err.code))
        throw new AppError(409, err.code, err.message, [{ field: 'account_ids', message: localised(err.code, err.i18n?.params) }], err.i18n);
      throw err;
    }
    await this.accounts.wake(userId);
  }

  /**
   * An account of the user became available (connected, added, enabled again): each running or scheduled task records
   * its accounts again, so one left to every suitable account takes it now, not at its next resume (before, the task
   * page listed it as «not checked» and the worker never used it). A task whose check is refused now (its group not
   * found, the platform unreachable) keeps the accounts it had.
   */
  async accountsChanged(userId: number): Promise<void> {
    const tasks = await this.db.selectFrom('tasks').selectAll().where('user_id', '=', userId).where('status', 'in', ACTIVE_TASK_STATUSES).execute();
    // Several tasks often invite into one group: its admin check (every account asked on the platform) is made once.
    const checks = new Map<string, Promise<GroupCheckResult>>();
    for (const task of tasks) {
      try {
        await this.assignAccounts(userId, task, { requireReady: false, checks });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
      }
    }
    if (tasks.length) await this.accounts.wake(userId);
  }

  /**
   * Records in task_accounts which of the user's accounts may act for this task, and why the others may not.
   * `checks`: admin checks already made in the caller's round, by group and mode, to share between its tasks.
   */
  async assignAccounts(userId: number, task: TaskRow, opts: { requireReady: boolean; checks?: Map<string, Promise<GroupCheckResult>> }): Promise<void> {
    const now = this.clock.now();
    const rows: Array<{ account_id: number; eligible: boolean; reason: string | null; group_peer: string | null }> = [];
    if (task.type === 'invite_to_group') {
      // A task created by the platform's Mailing page has no group until one is given (PUT or its admin check).
      if (!task.target_group)
        throw conflict('NO_TARGET_GROUP', `Task "${task.name}" has no target group yet: set target_group first.`, { params: { name: task.name } });
      const check = await this.groupCheckOf(userId, task.target_group, task.platform_mode, opts.checks);
      if (!check.group)
        throw conflict(
          // No account reached Telegram (their proxies down): said as that, not as a group that does not exist.
          check.unreached ? 'ACCOUNTS_UNREACHABLE' : 'GROUP_NOT_RESOLVED',
          check.error ?? 'The target group could not be found.',
          check.error_text ? { key: 'TEXT', params: { text: check.error_text } } : undefined,
        );
      // The accounts the user chose (all, unless they chose): the others are recorded below as not chosen.
      const ready = check.ready.filter((r) => isChosen(task, r.account_id));
      const unavailable = check.unavailable.filter((u) => isChosen(task, u.account_id));
      const admins = [...ready.map((r) => r.account_id), ...unavailable.filter((u) => u.is_admin).map((u) => u.account_id)];
      if (task.account_ids && admins.length === 0)
        throw conflict('NO_CHOSEN_ADMIN', `None of the accounts chosen for this task can invite into "${check.group.title}".`, {
          params: { group: check.group.title },
        });
      if (opts.requireReady && ready.length === 0) {
        const why = unavailable.map((u) => `${u.label}: ${u.reason}`).join('; ');
        throw conflict(
          'NO_READY_ADMIN',
          `No account can invite into "${check.group.title}" right now${why ? ` (${why})` : ''}. Make one of your accounts an admin with the right to add members.`,
          {
            key: why ? 'NO_READY_ADMIN.why' : 'NO_READY_ADMIN',
            params: { group: check.group.title, why: joinTexts(unavailable.map((u) => labelled(u.label, u.reason_text))) },
          },
        );
      }
      if (admins.length === 0) {
        throw conflict('NO_ADMIN_ACCOUNT', `None of your accounts is an admin of "${check.group.title}" with the right to add members.`, {
          params: { group: check.group.title },
        });
      }
      for (const r of check.ready) {
        const chosen = isChosen(task, r.account_id);
        rows.push({ account_id: r.account_id, eligible: chosen, reason: chosen ? null : NOT_CHOSEN, group_peer: JSON.stringify(check.peers[r.account_id]) });
      }
      for (const u of check.unavailable) {
        const chosen = isChosen(task, u.account_id);
        rows.push({
          account_id: u.account_id,
          eligible: chosen && u.is_admin,
          reason: chosen ? u.reason : NOT_CHOSEN,
          group_peer: check.peers[u.account_id] ? JSON.stringify(check.peers[u.account_id]) : null,
        });
      }
      await this.db.updateTable('tasks').set({ target_group_key: check.group.key, target_group_title: check.group.title }).where('id', '=', task.id).execute();
    } else {
      const accounts = await this.db.selectFrom('accounts').selectAll().where('user_id', '=', userId).where('platform_mode', '=', task.platform_mode).execute();
      for (const a of accounts) {
        const verdict = this.accounts.checkStatus(a, now);
        const usable = verdict.allowed || verdict.wait_seconds !== null;
        const chosen = isChosen(task, a.id);
        rows.push({ account_id: a.id, eligible: chosen && usable, reason: !chosen ? NOT_CHOSEN : usable ? null : verdict.reason, group_peer: null });
      }
      if (task.account_ids && !rows.some((r) => r.eligible))
        throw conflict('NO_CHOSEN_ACCOUNT', 'None of the accounts chosen for this task can work: choose other accounts, or every suitable account.');
      if (!rows.some((r) => r.eligible)) {
        throw conflict('NO_ACCOUNT', `You have no usable ${task.platform_mode} sender account: add one or enable a disabled one.`, {
          params: { mode: task.platform_mode },
        });
      }
    }
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('task_accounts').where('task_id', '=', task.id).execute();
      if (rows.length) {
        await trx
          .insertInto('task_accounts')
          .values(rows.map((r) => ({ task_id: task.id, ...r, checked_at: now })))
          .execute();
      }
    });
  }

  private groupCheckOf(userId: number, group: string, mode: PlatformMode, checks?: Map<string, Promise<GroupCheckResult>>): Promise<GroupCheckResult> {
    if (!checks) return this.groupCheck.check(userId, group, mode);
    const key = `${mode}\u0000${group}`;
    const known = checks.get(key);
    if (known) return known;
    const check = this.groupCheck.check(userId, group, mode);
    checks.set(key, check);
    return check;
  }
}
