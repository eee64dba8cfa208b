import type { Kysely } from 'kysely';
import type { Database, TaskRow } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import { conflict } from '../shared/errors.js';
import type { AccountManager } from '../accounts/account-manager.js';
import type { GroupCheckService } from '../accounts/group-check.js';
import { joinTexts, labelled } from '../accounts/limit-reasons.js';
import type { Metrics } from '../observability/metrics.js';
import type { AuditLog } from '../observability/audit.js';
import type { TaskService } from './task-service.js';
import { assertTransition, transitionTask } from './task-status.js';
import type { ScheduledStarts } from './scheduled-starts.js';

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

  /** Records in task_accounts which of the user's accounts may act for this task, and why the others may not. */
  async assignAccounts(userId: number, task: TaskRow, opts: { requireReady: boolean }): Promise<void> {
    const now = this.clock.now();
    const rows: Array<{ account_id: number; eligible: boolean; reason: string | null; group_peer: string | null }> = [];
    if (task.type === 'invite_to_group') {
      // A task created by the platform's Mailing page has no group until one is given (PUT or its admin check).
      if (!task.target_group)
        throw conflict('NO_TARGET_GROUP', `Task "${task.name}" has no target group yet: set target_group first.`, { params: { name: task.name } });
      const check = await this.groupCheck.check(userId, task.target_group, task.platform_mode);
      if (!check.group)
        throw conflict(
          'GROUP_NOT_RESOLVED',
          check.error ?? 'The target group could not be found.',
          check.error_text ? { key: 'TEXT', params: { text: check.error_text } } : undefined,
        );
      const admins = [...check.ready.map((r) => r.account_id), ...check.unavailable.filter((u) => u.is_admin).map((u) => u.account_id)];
      if (opts.requireReady && check.ready.length === 0) {
        const why = check.unavailable.map((u) => `${u.label}: ${u.reason}`).join('; ');
        throw conflict(
          'NO_READY_ADMIN',
          `No account can invite into "${check.group.title}" right now${why ? ` (${why})` : ''}. Make one of your accounts an admin with the right to add members.`,
          {
            key: why ? 'NO_READY_ADMIN.why' : 'NO_READY_ADMIN',
            params: { group: check.group.title, why: joinTexts(check.unavailable.map((u) => labelled(u.label, u.reason_text))) },
          },
        );
      }
      if (admins.length === 0) {
        throw conflict('NO_ADMIN_ACCOUNT', `None of your accounts is an admin of "${check.group.title}" with the right to add members.`, {
          params: { group: check.group.title },
        });
      }
      for (const r of check.ready) rows.push({ account_id: r.account_id, eligible: true, reason: null, group_peer: JSON.stringify(check.peers[r.account_id]) });
      for (const u of check.unavailable) {
        rows.push({
          account_id: u.account_id,
          eligible: u.is_admin,
          reason: u.reason,
          group_peer: check.peers[u.account_id] ? JSON.stringify(check.peers[u.account_id]) : null,
        });
      }
      await this.db.updateTable('tasks').set({ target_group_key: check.group.key, target_group_title: check.group.title }).where('id', '=', task.id).execute();
    } else {
      const accounts = await this.db.selectFrom('accounts').selectAll().where('user_id', '=', userId).where('platform_mode', '=', task.platform_mode).execute();
      for (const a of accounts) {
        const verdict = this.accounts.checkStatus(a, now);
        const usable = verdict.allowed || verdict.wait_seconds !== null;
        rows.push({ account_id: a.id, eligible: usable, reason: usable ? null : verdict.reason, group_peer: null });
      }
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
}
