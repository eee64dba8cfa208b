import type { Kysely } from 'kysely';
import { NOT_CHOSEN, isChosen } from './chosen-accounts.js';
import type { AccountRow, Database, TargetRow, TaskRow } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import { AppError, conflict } from '../shared/errors.js';
import { localised, renderMessage, renderTargetReason, type Lang, type LocalisedText } from '../shared/messages.js';
import { joinTexts, labelled, limitText } from '../accounts/limit-reasons.js';
import { FINISHED_TASK_STATUSES } from '../shared/enums.js';
import type { AccountManager, Action } from '../accounts/account-manager.js';
import type { GroupCheckResult, GroupCheckService } from '../accounts/group-check.js';
import type { ResolvedGroup } from '../platform/platform.js';
import type { Worker } from '../scheduler/worker.js';
import { identityKey, normaliseUsername } from '../targets/identity.js';
import { targetToJson, type TargetService } from '../targets/target-service.js';
import type { TaskLifecycle } from './task-lifecycle.js';

interface Eligibility {
  eligible: boolean;
  reason: string | null;
}

/** A test that sends nothing because the person is skipped (do-not-contact list, already in the group). */
const notSent = (username: string, target: TargetRow) =>
  conflict('NOT_CONTACTED', `@${username} was not contacted: ${target.error_message ?? target.error_code ?? target.status}.`, {
    params: { username, why: targetWhy(target) },
  });

/** A processed target's status (and reason) in both languages: "SKIPPED (privacy …)". */
const processedWhy = (target: TargetRow): LocalisedText => {
  const say = (lang: Lang) => {
    const status = renderMessage(`REPORT.target.${target.status}`, lang) ?? target.status;
    const reason = renderTargetReason(target.error_code, target.error_message, lang);
    return reason ? `${status} (${reason})` : status;
  };
  return { ru: say('ru'), en: say('en') };
};

/** A target's outcome reason in both languages (by its code), for a refusal's sentence. */
const targetWhy = (target: TargetRow): LocalisedText => ({
  ru: renderTargetReason(target.error_code, target.error_message, 'ru') ?? target.status,
  en: renderTargetReason(target.error_code, target.error_message, 'en') ?? target.status,
});

const actionOf = (task: TaskRow): Action => (task.type === 'invite_to_group' ? 'invite' : 'message');

/**
 * Which sender accounts a task may use and how much each has left (`GET /tasks/:id/accounts`), and the
 * task page's test invite (`POST /tasks/:id/test-invite`): one action through the Account Manager with
 * every check a campaign action passes, recorded like any other.
 */
export class TaskAccounts {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly manager: AccountManager,
    private readonly groupCheck: GroupCheckService,
    private readonly lifecycle: TaskLifecycle,
    private readonly targets: TargetService,
    private readonly createWorker: (holder: string) => Worker,
  ) {}

  /**
   * A started task answers from the eligibility recorded at its start (refreshed on resume and by workers);
   * a task never started is checked live on the platform, as its start would.
   */
  async list(userId: number, task: TaskRow) {
    const action = actionOf(task);
    const accounts = await this.db
      .selectFrom('accounts')
      .selectAll()
      .where('user_id', '=', userId)
      .where('platform_mode', '=', task.platform_mode)
      .orderBy('id')
      .execute();
    const assigned = new Map(
      (await this.db.selectFrom('task_accounts').select(['account_id', 'eligible', 'reason']).where('task_id', '=', task.id).execute()).map((r) => [
        r.account_id,
        r,
      ]),
    );
    let group = task.target_group_key ? { key: task.target_group_key, title: task.target_group_title } : null;
    let live: GroupCheckResult | null = null;
    if (action === 'invite' && assigned.size === 0 && task.target_group) {
      live = await this.groupCheck.check(userId, task.target_group!, task.platform_mode);
      if (live.group) group = { key: live.group.key, title: live.group.title };
    }
    const now = this.clock.now();
    const limits = this.manager.limits;
    const items = await Promise.all(
      accounts.map(async (a) => {
        const eligibility = isChosen(task, a.id) ? this.eligibility(a, now, action, assigned.get(a.id), live) : { eligible: false, reason: NOT_CHOSEN };
        const usage = await this.manager.usage(a.id);
        const verdict = eligibility.eligible ? await this.manager.check(a.id, action, group?.key ?? null) : null;
        return {
          account_id: a.id,
          label: a.label,
          status: a.status,
          eligible: eligibility.eligible,
          reason: eligibility.reason,
          can_act_now: verdict?.allowed ?? false,
          wait_for_seconds: verdict && !verdict.allowed ? verdict.wait_seconds : null,
          /** The moment the wait ends, as the Account Manager knows it (what the page says "until"). */
          wait_until: verdict && !verdict.allowed ? (verdict.until ?? null) : null,
          wait_reason: verdict && !verdict.allowed ? verdict.reason : null,
          /** The Account Manager's code for the refusal (the task page says it in the reader's language). */
          wait_code: verdict && !verdict.allowed ? (verdict.code ?? null) : null,
          usage: {
            invites_today: usage.invitesToday,
            invites_per_day: limits.invitesPerAccountDay,
            messages_today: usage.messagesToday,
            messages_per_day: limits.messagesPerAccountDay,
            ...(group
              ? {
                  invites_today_in_group: usage.invitesTodayByGroup[group.key] ?? 0,
                  invites_per_group_day: limits.invitesPerGroupDay,
                  lifetime_in_group: usage.lifetimeByGroup[group.key] ?? 0,
                  lifetime_per_group: limits.invitesPerGroupLifetime,
                }
              : {}),
          },
        };
      }),
    );
    return {
      task_id: task.id,
      type: task.type,
      group,
      checked: live ? 'live' : 'at_start',
      eligible: items.filter((i) => i.eligible).length,
      can_act_now: items.filter((i) => i.can_act_now).length,
      // Invites into the group the eligible accounts may still make, ever: fewer than the people waiting means some
      // will never be invited, however long the task runs (the page says so instead of a weeks-long ETA).
      group_lifetime_left: group
        ? items.filter((i) => i.eligible).reduce((n, i) => n + this.manager.groupLifetimeLeft(i.usage.lifetime_in_group ?? 0), 0)
        : null,
      items,
    };
  }

  private eligibility(a: AccountRow, now: Date, action: Action, assigned: Eligibility | undefined, live: GroupCheckResult | null): Eligibility {
    const status = this.manager.checkStatus(a, now);
    // Retired or disabled since the task started: say so whatever was recorded then.
    if (!status.allowed && status.wait_seconds === null) return { eligible: false, reason: status.reason };
    if (assigned) return { eligible: assigned.eligible, reason: assigned.reason };
    if (action === 'message') return { eligible: true, reason: null };
    if (live?.ready.some((r) => r.account_id === a.id)) return { eligible: true, reason: null };
    const u = live?.unavailable.find((x) => x.account_id === a.id);
    return { eligible: !!u?.is_admin, reason: u?.reason ?? live?.error ?? 'not checked' };
  }

  /**
   * Invites (or, for a message task, messages) one username now. The person joins the task's audience, the
   * accounts are re-checked as at start (admin rights included), and the first account the Account Manager
   * allows right now acts; when none may (pausing, limits), nothing is sent and the answer says until when.
   */
  async testInvite(userId: number, taskId: number, rawUsername: string, opts: { accountId?: number } = {}) {
    const username = normaliseUsername(rawUsername);
    if (!username)
      throw new AppError(400, 'INVALID_USERNAME', 'Give a Telegram username like @jane_doe or t.me/jane_doe.', [
        { field: 'username', message: localised('FIELD.not_username') },
      ]);
    let task = await this.openTask(userId, taskId);
    await this.lifecycle.assignAccounts(userId, task, { requireReady: false });
    task = await this.openTask(userId, taskId);
    const action = actionOf(task);

    const key = identityKey({ username, user_id_platform: null, phone: null })!;
    let target = await this.db.selectFrom('targets').selectAll().where('task_id', '=', task.id).where('identity_key', '=', key).executeTakeFirst();
    let added = false;
    if (target && target.status !== 'PENDING') {
      throw conflict(
        'ALREADY_PROCESSED',
        `@${username} is already in this task's audience and was processed: ${target.status}${target.error_message ? ` (${target.error_message})` : ''}.`,
        { key: 'ALREADY_PROCESSED.done', params: { username, why: processedWhy(target) } },
      );
    }
    if (!target) {
      const res = await this.targets.addInline(task.id, [`@${username}`]);
      if (res.over_limit) throw conflict('TASK_FULL', 'This task has reached its audience limit, so no one can be added to it.');
      target = await this.db.selectFrom('targets').selectAll().where('task_id', '=', task.id).where('identity_key', '=', key).executeTakeFirstOrThrow();
      added = true;
      // Audience hygiene applies to a test as to any import: a person on the do-not-contact list is not contacted.
      if (target.status !== 'PENDING') throw notSent(username, target);
    }

    const candidates = await this.db
      .selectFrom('task_accounts as ta')
      .innerJoin('accounts as a', 'a.id', 'ta.account_id')
      .selectAll('a')
      .select('ta.group_peer')
      .where('ta.task_id', '=', task.id)
      .where('ta.eligible', '=', true)
      // The caller may name the account to test with (it must be eligible for the task like any other).
      .$if(opts.accountId !== undefined, (q) => q.where('a.id', '=', opts.accountId!))
      .orderBy('a.id')
      .execute();
    const refusals: string[] = [];
    const refusalTexts: LocalisedText[] = [];
    let soonest: number | null = null;
    const worker = this.createWorker(`test-invite:${userId}:${task.id}`);
    for (const { group_peer, ...account } of candidates) {
      const verdict = await this.manager.check(account.id, action, task.target_group_key);
      if (!verdict.allowed) {
        refusals.push(`${account.label}: ${verdict.reason}`);
        refusalTexts.push(labelled(account.label, limitText(verdict, this.manager.limits)));
        if (verdict.wait_seconds !== null) soonest = Math.min(soonest ?? Infinity, verdict.wait_seconds);
        continue;
      }
      const lease = await this.manager.lease(account.id, worker.holder, action, task.target_group_key);
      if (!lease) {
        refusals.push(`${account.label}: in use by a worker`);
        refusalTexts.push(labelled(account.label, localised('LIMIT.in_use')));
        continue;
      }
      // Another worker may have acted between the check and the lease: the quota is decided under the lease.
      const quota = this.manager.checkQuota(await this.manager.usage(account.id), action, task.target_group_key);
      if (!quota.allowed) {
        await this.manager.release(lease, { acted: false });
        refusals.push(`${account.label}: ${quota.reason}`);
        refusalTexts.push(labelled(account.label, limitText(quota, this.manager.limits)));
        continue;
      }
      if (!(await worker.actOnTarget(task, target.id, account as AccountRow, lease, group_peer as unknown as ResolvedGroup | null))) {
        // The claim skipped the person (already invited into this group by another task, do-not-contact) or a
        // running campaign took them first.
        const now = await this.db.selectFrom('targets').selectAll().where('id', '=', target.id).executeTakeFirst();
        throw now && now.status === 'SKIPPED'
          ? notSent(username, now)
          : conflict('ALREADY_PROCESSED', `@${username} was just taken by a running campaign; see the task's log.`, {
              key: 'ALREADY_PROCESSED.taken',
              params: { username },
            });
      }
      return this.outcome(task, target.id, account as AccountRow);
    }
    // Nothing was sent: a person added only for this test leaves the audience again.
    if (added) await this.db.deleteFrom('targets').where('id', '=', target.id).where('status', '=', 'PENDING').execute();
    throw new AppError(
      409,
      'NO_ACCOUNT_AVAILABLE_NOW',
      `No account may act right now, so nothing was sent${refusals.length ? ` (${refusals.join('; ')})` : ''}.${soonest !== null ? ` Try again in ${Math.ceil(soonest / 60)} min.` : ''}`,
      { wait_for_seconds: soonest },
      refusals.length
        ? {
            key: 'NO_ACCOUNT_AVAILABLE_NOW.why',
            params: {
              why: joinTexts(refusalTexts),
              retry: soonest !== null ? localised('NO_ACCOUNT_AVAILABLE_NOW.retry', { min: Math.ceil(soonest / 60) }) : '',
            },
          }
        : undefined,
    );
  }

  private async openTask(userId: number, taskId: number): Promise<TaskRow> {
    const task = await this.db.selectFrom('tasks').selectAll().where('id', '=', taskId).where('user_id', '=', userId).executeTakeFirst();
    if (!task) throw new AppError(404, 'NOT_FOUND', 'Task was not found.');
    if (FINISHED_TASK_STATUSES.includes(task.status)) {
      throw conflict('TASK_FINISHED', `Task "${task.name}" is ${task.status}: test on a task that has not finished.`, {
        key: 'TASK_FINISHED.test',
        params: { name: task.name, status: task.status },
      });
    }
    return task;
  }

  private async outcome(task: TaskRow, targetId: number, account: AccountRow) {
    const target = await this.db.selectFrom('targets').selectAll().where('id', '=', targetId).executeTakeFirstOrThrow();
    const log = await this.db
      .selectFrom('execution_logs')
      .select(['result', 'message', 'error_code'])
      .where('target_id', '=', targetId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return {
      outcome: target.status,
      result: log?.result ?? null,
      error_code: log?.error_code ?? null,
      message: log?.message ?? null,
      account: { id: account.id, label: account.label },
      group: task.target_group_key ? { key: task.target_group_key, title: task.target_group_title } : null,
      target: targetToJson(target),
    };
  }
}
