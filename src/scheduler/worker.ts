import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AccountRow, Database, TargetRow, TaskRow } from '../db/schema.js';
import { promoteDueScheduledTasks } from '../tasks/scheduled-starts.js';
import { completeDoneTasks, failTasksNeverServable, failTasksWithoutAccounts } from '../tasks/task-status.js';
import { realMsFor, type Clock } from '../shared/clock.js';
import { FINISHED_TASK_STATUSES, PRIORITY_RANK, type LogResult, type TargetStatus } from '../shared/enums.js';
import { describeTarget } from '../targets/identity.js';
import type { AccountManager, Action, Lease } from '../accounts/account-manager.js';
import type { PlatformConnections } from '../platform/connections.js';
import { ACCOUNT_ERROR_KINDS, PlatformError, unreachableBeforeAction } from '../platform/platform-error.js';
import { renderTemplate, type PlatformClient, type ResolvedGroup } from '../platform/platform.js';
import { renderMessage } from '../shared/messages.js';
import type { Metrics } from '../observability/metrics.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { readyAccountsQuery } from './ready-accounts.js';
import { notifyTasksNeedingAttention } from '../notifications/task-attention.js';
import { pruneReadNotifications } from '../notifications/notification-service.js';
import { blockedReason, recordInLedger } from '../hygiene/audience-hygiene.js';

/** How often housekeeping sweeps all running tasks for ones no account can ever serve (see housekeeping()). */
const SERVABLE_SWEEP_MS = 10 * 60_000;

export interface WorkerOptions {
  holder: string;
  /** Execution-log entries older than this many days are deleted (lifetime counts are kept elsewhere). */
  logRetentionDays?: number;
  /** Read notifications raised longer ago than this many days are deleted. */
  notificationRetentionDays?: number;
  leaseSeconds: number;
  maxTargetAttempts: number;
  /** How often (virtual seconds) promotions, crash recovery and completion checks run. */
  housekeepingEverySeconds?: number;
}

const RETIRING_KINDS = new Set(['ACCOUNT_BANNED', 'ACCOUNT_DEAUTHORIZED']);

interface Claim {
  task: TaskRow;
  /** How this account addresses the task's group on the platform (from the admin check). */
  groupPeer: ResolvedGroup | null;
  target: TargetRow;
  logId: number;
  action: Action;
}

/**
 * One worker: repeatedly takes an account whose time has come, leases it, picks the next target of
 * the highest-priority task that account may serve, acts, and records the outcome. Many workers
 * (in one or many processes) can share a PostgreSQL database: accounts are leased and targets
 * are claimed with FOR UPDATE SKIP LOCKED, so nobody acts twice.
 */
export class Worker {
  private lastHousekeeping = 0;
  private lastRetention = 0;
  private lastServableSweep = Number.NEGATIVE_INFINITY;
  /** Virtual ms at which each task was last checked for "never servable" from findWork (at most once a minute each). */
  private readonly servableCheckedAt = new Map<number, number>();
  /** Virtual ms at which the next lease covering an in-flight target may have expired: crash recovery runs then. */
  private nextRecoveryAt = 0;
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly accounts: AccountManager,
    private readonly connections: PlatformConnections,
    private readonly options: WorkerOptions,
    private readonly logger?: Logger,
    private readonly metrics?: Metrics,
    /** Pauses dispatch for a platform whose calls fail en masse (optional: tests may leave it out). */
    private readonly breaker?: CircuitBreaker,
  ) {}

  /** The name this worker's account leases carry. */
  get holder(): string {
    return this.options.holder;
  }

  /** One scheduling decision and at most one platform action. Returns whether an action happened. */
  async tick(): Promise<boolean> {
    await this.maybeHousekeeping();
    await this.maybeRecover();
    await this.breaker?.sync();
    const stopTimer = this.metrics?.schedulerDecision.startTimer();
    const now = this.clock.now();
    const candidates = await this.readyAccounts(now, 20);
    for (const account of candidates) {
      // An open circuit (the platform failing en masse) means no dispatch on it; half-open lets one probe through.
      const admission = this.breaker?.admit(account.platform_mode) ?? 'dispatch';
      if (admission === 'blocked') continue;
      const lease = await this.accounts.lease(account.id, this.options.holder, 'invite', null);
      if (!lease) {
        if (admission === 'probe') this.breaker!.abandonProbe(account.platform_mode);
        continue;
      }
      // Holding the account's lease means nobody else is acting with it: anything still in flight on it is a dead worker's.
      await this.recoverStaleAttempts(account.id);
      const claim = await this.findWork(account, lease);
      stopTimer?.();
      if (!claim) {
        if (admission === 'probe') this.breaker!.abandonProbe(account.platform_mode);
        continue;
      }
      await this.perform(account, lease, claim);
      return true;
    }
    stopTimer?.();
    return false;
  }

  /**
   * Accounts that may act now and have at least one running task to serve, the one waiting longest first: one
   * walk of PostgreSQL's accounts_due index, with or without Redis (why Redis no longer names candidates: hot-state.ts).
   */
  private readyAccounts(now: Date, limit: number): Promise<AccountRow[]> {
    return readyAccountsQuery(this.db, now, limit).execute();
  }

  /** Chooses a task and claims a target for a leased account; releases the lease if there is nothing to do. */
  private async findWork(account: AccountRow, lease: Lease): Promise<Claim | null> {
    const tasks = await this.db
      .selectFrom('tasks as t')
      .innerJoin('task_accounts as ta', 'ta.task_id', 't.id')
      .selectAll('t')
      .select('ta.group_peer')
      .where('ta.account_id', '=', account.id)
      .where('ta.eligible', '=', true)
      .where('t.status', '=', 'IN_PROGRESS')
      .where('t.user_id', '=', account.user_id)
      .execute();
    const usage = await this.accounts.usage(account.id);
    // Highest priority first. Within a priority: the group where this account has used the least of its
    // lifetime allowance (so no (account, group) pair is exhausted while a sibling sits idle, which would
    // leave the account one group and halve its daily output), then the task served longest ago (round-robin).
    const lifetimeUsed = (t: TaskRow) => (t.target_group_key ? (usage.lifetimeByGroup[t.target_group_key] ?? 0) : 0);
    tasks.sort(
      (a, b) =>
        PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] ||
        lifetimeUsed(a) - lifetimeUsed(b) ||
        (a.last_dispatched_at?.getTime() ?? 0) - (b.last_dispatched_at?.getTime() ?? 0) ||
        a.id - b.id,
    );
    const now = this.clock.now();
    let soonestSeconds: number | null = null;
    for (const task of tasks) {
      const action: Action = task.type === 'invite_to_group' ? 'invite' : 'message';
      const verdict = this.accounts.checkQuota(usage, action, task.target_group_key);
      if (!verdict.allowed) {
        if (verdict.wait_seconds !== null) soonestSeconds = Math.min(soonestSeconds ?? Infinity, verdict.wait_seconds);
        // A permanent refusal (this account's lifetime allowance into the group is used up): the moment to ask
        // whether any account can still serve the task, instead of on every decision (housekeeping also asks).
        else if (verdict.code === 'group_lifetime') await this.endIfNeverServable(task.id);
        continue;
      }
      const claim = await this.claim(task, account, action, task.group_peer as unknown as ResolvedGroup | null);
      if (claim) return claim;
      // Nothing claimable right now (targets waiting for a retry): look again in a minute.
      soonestSeconds = Math.min(soonestSeconds ?? Infinity, 60);
    }
    await this.accounts.release(lease, { acted: false });
    // Caps reached everywhere: stop polling this account until the soonest moment something frees up
    // (a permanent cap on every task means: look again tomorrow, or when new work wakes it).
    const idleSeconds = soonestSeconds ?? Math.max(60, (usage.dayEnd.getTime() - now.getTime()) / 1000);
    await this.accounts.markIdle(account.id, new Date(now.getTime() + idleSeconds * 1000));
    return null;
  }

  /**
   * Marks the next pending target IN_FLIGHT and records the attempt, atomically. With `targetId`, that one
   * person (a test invite from the task page), whose task need not be running yet but must not be finished.
   */
  private claim(task: TaskRow, account: AccountRow, action: Action, groupPeer: ResolvedGroup | null, targetId?: number): Promise<Claim | null> {
    const now = this.clock.now();
    return this.db.transaction().execute(async (trx) => {
      // Pause and cancel take effect before the next action: the task must still be running.
      // NO KEY UPDATE (not SHARE): this transaction updates the task row below, and two SHARE holders
      // upgrading at once would deadlock. Claims on one task are therefore serialised; they are short.
      const live = await trx.selectFrom('tasks').select('status').where('id', '=', task.id).forNoKeyUpdate().executeTakeFirst();
      const runnable = targetId === undefined ? live?.status === 'IN_PROGRESS' : !!live && !FINISHED_TASK_STATUSES.includes(live.status);
      if (!runnable) return null;
      // Audience hygiene: someone on the do-not-contact list, or already invited into (or found in) this group by any
      // task of this user, is skipped here without a platform call and without counting toward any limit.
      let target: TargetRow | undefined;
      for (let hygieneSkips = 0; ; hygieneSkips++) {
        target = await trx
          .updateTable('targets')
          .set({ status: 'IN_FLIGHT', in_flight_at: now, account_id: account.id, attempts: sql`attempts + 1`, updated_at: now })
          .where('id', '=', (eb) => {
            let q = eb.selectFrom('targets').select('id').where('task_id', '=', task.id).where('status', '=', 'PENDING');
            q =
              targetId === undefined ? q.where((w) => w.or([w('next_attempt_at', 'is', null), w('next_attempt_at', '<=', now)])) : q.where('id', '=', targetId);
            return q.orderBy('id').limit(1).forUpdate().skipLocked();
          })
          .returningAll()
          .executeTakeFirst();
        const blocked = target ? await blockedReason(trx, task, target) : null;
        if (!target || !blocked) break;
        await trx
          .updateTable('targets')
          .set({
            status: 'SKIPPED',
            error_code: blocked.code,
            error_message: blocked.message,
            attempts: sql`greatest(attempts - 1, 0)`,
            account_id: null,
            in_flight_at: null,
            next_attempt_at: null,
            processed_at: now,
            updated_at: now,
          })
          .where('id', '=', target.id)
          .execute();
        // Keep the transaction short: the next claim goes on where this one stopped.
        if (hygieneSkips >= 500) {
          target = undefined;
          break;
        }
      }
      if (!target) return null;
      const logId = await this.accounts.recordAttempt(trx, {
        userId: task.user_id,
        taskId: task.id,
        targetId: target.id,
        accountId: account.id,
        action,
        groupKey: task.target_group_key,
      });
      await trx.updateTable('tasks').set({ last_dispatched_at: now }).where('id', '=', task.id).execute();
      return { task, target, logId, action, groupPeer };
    });
  }

  /**
   * One action on one chosen person now, outside the scheduling loop, on an account the caller has leased
   * after asking the Account Manager: the same claim, platform call and outcome recording as every invite,
   * so it counts toward every limit and sets the account's next pause. Null when the person is not pending.
   */
  async actOnTarget(task: TaskRow, targetId: number, account: AccountRow, lease: Lease, groupPeer: ResolvedGroup | null): Promise<boolean> {
    const action: Action = task.type === 'invite_to_group' ? 'invite' : 'message';
    const claim = await this.claim(task, account, action, groupPeer, targetId);
    if (!claim) {
      await this.accounts.release(lease, { acted: false });
      return false;
    }
    await this.perform(account, lease, claim);
    return true;
  }

  private async perform(account: AccountRow, lease: Lease, claim: Claim): Promise<void> {
    const { task, target, action } = claim;
    let error: PlatformError | null = null;
    // Heartbeat: a slow platform call must not outlive the lease, or another worker could take the account
    // mid-call. A dead worker stops renewing, so its account and target are still recovered after one lease.
    const heartbeat = setInterval(
      () => {
        void this.accounts.renew(lease).catch(() => undefined);
      },
      Math.max(10, realMsFor(this.clock, (this.options.leaseSeconds * 1000) / 3)),
    );
    heartbeat.unref();
    try {
      let client: PlatformClient;
      try {
        client = await this.connections.get(account);
      } catch (err) {
        throw unreachableBeforeAction(err);
      }
      if (action === 'invite') {
        // Eligible accounts always carry the group as their admin check resolved it; without it this account cannot act here.
        if (!claim.groupPeer) throw new PlatformError('GROUP', 'GROUP_NOT_RESOLVED', 'the group was not resolved for this account; start the task again');
        await client.inviteToGroup(claim.groupPeer, target);
      } else {
        await client.sendMessage(target, renderTemplate(task.message_template ?? '', target));
      }
    } catch (err) {
      error = err instanceof PlatformError ? err : new PlatformError('UNKNOWN', 'UNKNOWN', (err as Error)?.message ?? String(err));
    } finally {
      clearInterval(heartbeat);
    }
    // Telegram not reached through the account's own proxy says nothing of the platform: the circuit does not count it.
    const proxyDown = error?.kind === 'NETWORK' && error.beforeAction && account.proxy_encrypted !== null;
    if (!proxyDown) this.breaker?.record(account.platform_mode, error);
    const acted = await this.recordOutcome(account, claim, error);
    if (error?.kind === 'NETWORK' && error.beforeAction) {
      await this.accounts.restUnreachable(account.id, account.proxy_encrypted !== null);
      await this.connections.drop(account.id);
    } else if (error && ACCOUNT_ERROR_KINDS.has(error.kind)) {
      await this.accounts.reportError(account.id, error, account.session_encrypted);
      this.metrics?.accountsBlocked.inc({ platform: task.platform });
      if (error.kind === 'FLOOD_WAIT') this.metrics?.floodWaitEvents.inc({ platform: task.platform });
      if (RETIRING_KINDS.has(error.kind)) {
        await this.connections.drop(account.id);
        await this.failTasksWithoutAccounts();
      }
    } else if (error && (error.kind === 'NETWORK' || error.kind === 'UNKNOWN')) {
      await this.accounts.reportError(account.id, error);
      await this.connections.drop(account.id);
    } else if (error?.kind === 'GROUP') {
      await this.failTasksWithoutAccounts();
    }
    await this.accounts.release(lease, { acted });
    await this.completeIfDone(task.id);
  }

  /** Writes the result to the target, the execution log and (for lost rights) the eligibility, in one transaction. */
  private recordOutcome(account: AccountRow, claim: Claim, error: PlatformError | null): Promise<boolean> {
    const { task, target, logId, action } = claim;
    const now = this.clock.now();
    const who = describeTarget(target);
    const where = task.target_group_title ?? task.target_group ?? 'the group';
    return this.db.transaction().execute(async (trx) => {
      const finishLog = (result: LogResult, message: string, code: string | null = null, details: Record<string, unknown> = {}) =>
        trx
          .updateTable('execution_logs')
          .set({ result, message, error_code: code, details: JSON.stringify(details), finished_at: now })
          .where('id', '=', logId)
          .execute();
      const backToPending = (extra: { next_attempt_at?: Date | null; refund?: boolean } = {}) =>
        trx
          .updateTable('targets')
          .set({
            status: 'PENDING',
            in_flight_at: null,
            account_id: null,
            updated_at: now,
            next_attempt_at: extra.next_attempt_at ?? null,
            ...(extra.refund ? { attempts: sql`greatest(attempts - 1, 0)` } : {}),
          })
          .where('id', '=', target.id)
          .execute();
      const finishTarget = (status: TargetStatus, code: string | null, message: string | null) =>
        trx
          .updateTable('targets')
          .set({
            status,
            error_code: code,
            error_message: message,
            in_flight_at: null,
            processed_at: now,
            updated_at: now,
            next_attempt_at: null,
            // Which of the task's texts this person was sent (the one this claim read; task_message_history keeps replaced ones).
            ...(status === 'SENT' ? { extra: sql`extra || jsonb_build_object('message_version', ${task.message_version}::int)` } : {}),
          })
          .where('id', '=', target.id)
          .execute();

      if (!error) {
        await finishTarget(action === 'invite' ? 'INVITED' : 'SENT', null, null);
        if (action === 'invite') await recordInLedger(trx, task, target, 'INVITED', now);
        await finishLog('SUCCESS', action === 'invite' ? `User ${who} added to ${where}` : `Message sent to ${who}`);
        this.metrics?.targetsProcessed.inc({ platform: task.platform, result: 'success' });
        return true;
      }
      const verb = action === 'invite' ? 'invite' : 'message';
      switch (error.kind) {
        case 'TARGET': {
          await finishTarget(error.targetOutcome, error.code, error.message);
          // Refused by the adapter from what it already knew (a bot, a member already): nothing was sent. The account is
          // still paced (its look-ups were real requests), but the attempt takes nothing from its allowances.
          if (error.beforeAction) await this.accounts.uncountAttempt(trx, logId);
          if (action === 'invite' && error.code === 'USER_ALREADY_PARTICIPANT') await recordInLedger(trx, task, target, 'ALREADY_MEMBER', now);
          await finishLog(error.targetOutcome, `Could not ${verb} ${who}: ${error.message}`, error.code);
          this.metrics?.targetsProcessed.inc({ platform: task.platform, result: error.targetOutcome.toLowerCase() });
          return true;
        }
        case 'GROUP': {
          // This account cannot act on the group any more; the person is not to blame and waits for another account.
          await trx
            .updateTable('task_accounts')
            .set({ eligible: false, reason: error.message, checked_at: now })
            .where('task_id', '=', task.id)
            .where('account_id', '=', account.id)
            .execute();
          await backToPending({ refund: true });
          await this.accounts.uncountAttempt(trx, logId);
          await finishLog('ACCOUNT_ERROR', `Account ${account.label} cannot add members to ${where}: ${error.message}`, error.code);
          return false;
        }
        case 'NETWORK':
        case 'UNKNOWN': {
          if (error.beforeAction) {
            // The account never reached Telegram (its proxy, or Telegram, unreachable): nothing was sent, so the person
            // is not to blame and no allowance is used. They wait for this account's next try or for another account.
            await backToPending({ refund: true });
            await this.accounts.uncountAttempt(trx, logId);
            const code = account.proxy_encrypted !== null ? 'PROXY_UNREACHABLE' : 'TELEGRAM_UNREACHABLE';
            await finishLog('ACCOUNT_ERROR', `Account ${account.label}: ${renderMessage(`REASON.${code}`, 'en')} (${error.message})`, code);
            return false;
          }
          if (target.attempts >= this.options.maxTargetAttempts) {
            await finishTarget('FAILED', error.code, `gave up after ${target.attempts} attempts: ${error.message}`);
            await finishLog('FAILED', `Could not ${verb} ${who} after ${target.attempts} attempts: ${error.message}`, error.code);
            this.metrics?.targetsProcessed.inc({ platform: task.platform, result: 'failed' });
          } else {
            const backoffSeconds = 60 * 2 ** (target.attempts - 1);
            await backToPending({ next_attempt_at: new Date(now.getTime() + backoffSeconds * 1000) });
            await finishLog('RETRY', `Will retry ${who} in ${Math.round(backoffSeconds / 60)} min: ${error.message}`, error.code);
          }
          return true;
        }
        default: {
          // FloodWait, PeerFlood, ban, logout: the platform refused before acting; the target waits for another account.
          await backToPending({ refund: true });
          await this.accounts.uncountAttempt(trx, logId);
          await finishLog('ACCOUNT_ERROR', `Account ${account.label}: ${error.message}`, error.code, error.seconds ? { seconds: error.seconds } : {});
          return false;
        }
      }
    });
  }

  /** A running task with no pending or in-flight target is complete (a conditional update: a pause that won keeps it paused). */
  async completeIfDone(taskId?: number): Promise<void> {
    const now = this.clock.now();
    const done = await completeDoneTasks(this.db, now, taskId);
    for (const t of done) {
      this.metrics?.tasksTotal.inc({ platform: t.platform, status: 'COMPLETED' });
      if (t.started_at) this.metrics?.taskDuration.observe({ platform: t.platform }, (now.getTime() - t.started_at.getTime()) / 1000);
    }
  }

  /**
   * A running task whose every eligible account is retired (banned, logged out) or lost its rights cannot
   * finish: it fails, saying why. Accounts the owner disabled do not count as lost: that is reversible,
   * so such a task waits for them to be enabled again.
   */
  async failTasksWithoutAccounts(): Promise<void> {
    const failed = await failTasksWithoutAccounts(this.db, this.clock.now());
    for (const t of failed) this.metrics?.tasksTotal.inc({ platform: t.platform, status: 'FAILED' });
  }

  /**
   * Ends running invite tasks (all, or one) whose remaining people no eligible account can ever serve: each has used
   * its lifetime allowance into the group (task-status.ts owns the move and says why). From findWork a task is
   * looked at at most once a virtual minute, since the account that hit its cap may meet the task again soon.
   */
  async endIfNeverServable(taskId?: number): Promise<void> {
    const now = this.clock.now();
    if (taskId !== undefined) {
      const last = this.servableCheckedAt.get(taskId);
      if (last !== undefined && now.getTime() - last < 60_000) return;
      this.servableCheckedAt.set(taskId, now.getTime());
      if (this.servableCheckedAt.size > 10_000) this.servableCheckedAt.clear();
    }
    const failed = await failTasksNeverServable(this.db, now, this.accounts.limits.invitesPerGroupLifetime, taskId);
    for (const t of failed) this.metrics?.tasksTotal.inc({ platform: t.platform, status: 'FAILED' });
  }

  private async maybeHousekeeping(): Promise<void> {
    const now = this.clock.now().getTime();
    // Recovery of a dead worker's targets waits for its lease to expire, so look at least once per lease period.
    const every = this.options.housekeepingEverySeconds ?? Math.min(30, this.options.leaseSeconds);
    if (now - this.lastHousekeeping < every * 1000) return;
    this.lastHousekeeping = now;
    await this.housekeeping();
  }

  /** Periodic duties: revive rested accounts, start scheduled tasks, recover crashed attempts, close finished tasks. */
  async housekeeping(): Promise<void> {
    const now = this.clock.now();
    await this.accounts.reviveRested();
    // Normally a scheduled start job does this on time; this catches any start that job missed.
    for (const userId of await promoteDueScheduledTasks(this.db, now)) await this.accounts.wake(userId);
    await this.recoverStaleAttempts();
    await this.completeIfDone();
    await this.failTasksWithoutAccounts();
    await notifyTasksNeedingAttention(this.db, now);
    // The sweep over every running task is a backstop (findWork checks a task the moment an account meets its cap),
    // and at 10,000 accounts it costs about a second (issue 13): every ten minutes is enough.
    if (now.getTime() - this.lastServableSweep >= SERVABLE_SWEEP_MS) {
      this.lastServableSweep = now.getTime();
      await this.endIfNeverServable();
    }
    await this.accounts.pruneExpiredLeases();
    if (now.getTime() - this.lastRetention >= 3600_000) {
      this.lastRetention = now.getTime();
      if (this.options.logRetentionDays) await this.pruneExecutionLogs();
      if (this.options.notificationRetentionDays) {
        const n = await pruneReadNotifications(this.db, new Date(now.getTime() - this.options.notificationRetentionDays * 86400_000));
        if (n) this.logger?.info({ deleted: n }, 'pruned read notifications past retention');
      }
    }
  }

  /** Retention: drops execution-log rows past the retention period. Daily limits only look back one day. */
  async pruneExecutionLogs(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - this.options.logRetentionDays! * 86400_000);
    const res = await this.db.deleteFrom('execution_logs').where('created_at', '<', cutoff).executeTakeFirst();
    const n = Number(res.numDeletedRows);
    if (n) this.logger?.info({ deleted: n, cutoff }, 'pruned execution logs past retention');
    return n;
  }

  /**
   * Crash recovery on time: runs when the earliest lease covering an in-flight target may have expired (and at
   * least once per lease period), so a dead worker's target is back at most LEASE_SECONDS after its last heartbeat.
   * (Housekeeping alone ran every min(30, lease) s and also required in_flight_at older than a lease: up to
   * ~1.25 leases late.) nextWakeAt() wakes the loop at that moment.
   */
  private async maybeRecover(): Promise<void> {
    const now = this.clock.now();
    if (now.getTime() < this.nextRecoveryAt) return;
    await this.recoverStaleAttempts();
    // Leases taken from now on expire after now + lease; the ones alive now are the only earlier candidates.
    const row = await this.db
      .selectFrom('targets as tg')
      .innerJoin('account_leases as l', 'l.account_id', 'tg.account_id')
      .select(sql<Date | null>`min(l.expires_at)`.as('at'))
      .where('tg.status', '=', 'IN_FLIGHT')
      .where('l.expires_at', '>', now)
      .executeTakeFirst();
    const soonest = row?.at ? new Date(row.at).getTime() : Infinity;
    this.nextRecoveryAt = Math.min(soonest, now.getTime() + this.options.leaseSeconds * 1000);
  }

  /**
   * A worker that died mid-action leaves targets IN_FLIGHT. Once their account's lease has expired (or this
   * worker holds the account's lease, `heldAccountId`): an invite goes back to pending (re-inviting a member is
   * harmless: the platform answers "already a member"); a direct message is NOT resent, since it may have been delivered.
   * Every claim happens under the account's lease and the lease outlives the action (heartbeats), so an expired
   * lease is the whole test: no extra age cutoff on in_flight_at.
   */
  async recoverStaleAttempts(heldAccountId?: number): Promise<number> {
    const now = this.clock.now();
    if (heldAccountId !== undefined) {
      const any = await this.db
        .selectFrom('targets')
        .select('id')
        .where('status', '=', 'IN_FLIGHT')
        .where('account_id', '=', heldAccountId)
        .limit(1)
        .executeTakeFirst();
      if (!any) return 0;
    }
    return this.db.transaction().execute(async (trx) => {
      let q = trx.selectFrom('targets as tg').innerJoin('tasks as t', 't.id', 'tg.task_id').select(['tg.id', 't.type']).where('tg.status', '=', 'IN_FLIGHT');
      q =
        heldAccountId !== undefined
          ? q.where('tg.account_id', '=', heldAccountId)
          : q.where(({ not, exists, selectFrom }) =>
              not(
                exists(selectFrom('account_leases as l').select('l.account_id').whereRef('l.account_id', '=', 'tg.account_id').where('l.expires_at', '>', now)),
              ),
            );
      const stale = await q.forUpdate('tg').skipLocked().execute();
      if (!stale.length) return 0;
      const invites = stale.filter((s) => s.type === 'invite_to_group').map((s) => s.id);
      const messages = stale.filter((s) => s.type !== 'invite_to_group').map((s) => s.id);
      if (invites.length) {
        await trx.updateTable('targets').set({ status: 'PENDING', in_flight_at: null, account_id: null, updated_at: now }).where('id', 'in', invites).execute();
      }
      if (messages.length) {
        await trx
          .updateTable('targets')
          .set({
            status: 'SKIPPED',
            error_code: 'OUTCOME_UNKNOWN',
            in_flight_at: null,
            processed_at: now,
            updated_at: now,
            error_message: 'the worker stopped mid-send; not resent to avoid a duplicate message',
          })
          .where('id', 'in', messages)
          .execute();
      }
      await trx
        .updateTable('execution_logs')
        .set({ result: 'OUTCOME_UNKNOWN', finished_at: now, message: 'Worker stopped before recording the outcome' })
        .where(
          'target_id',
          'in',
          stale.map((s) => s.id),
        )
        .where('result', '=', 'ATTEMPTED')
        .execute();
      this.logger?.warn({ recovered: stale.length }, 'recovered targets left in flight by a stopped worker');
      return stale.length;
    });
  }

  /** The next moment anything could become due: used to sleep (and, in tests, to jump virtual time). */
  async nextWakeAt(): Promise<Date | null> {
    const row = await sql<{ at: Date | null }>`
      SELECT min(at) AS at FROM (
        SELECT greatest(coalesce(a.next_action_at, '-infinity'), coalesce(a.rest_until, '-infinity'), coalesce(a.idle_until, '-infinity'),
                        coalesce((SELECT l.expires_at FROM account_leases l WHERE l.account_id = a.id), '-infinity')) AS at
          FROM accounts a
         WHERE a.status NOT IN ('BANNED','DEAUTHORIZED','DISABLED')
           AND EXISTS (SELECT 1 FROM task_accounts ta JOIN tasks t ON t.id = ta.task_id
                        WHERE ta.account_id = a.id AND ta.eligible AND t.status = 'IN_PROGRESS')
        UNION ALL SELECT scheduled_at FROM tasks WHERE status = 'SCHEDULED'
        -- Crash recovery: when the lease covering an in-flight target expires (now, if it has no lease).
        UNION ALL SELECT coalesce(l.expires_at, ${this.clock.now()}) FROM targets tg LEFT JOIN account_leases l ON l.account_id = tg.account_id
         WHERE tg.status = 'IN_FLIGHT'
      ) x`.execute(this.db);
    const at = row.rows[0]?.at ?? null;
    const paused = this.breaker?.pausedUntil() ?? null;
    if (!at || !Number.isFinite(new Date(at).getTime())) return at ? (paused ?? this.clock.now()) : paused;
    // While every platform's circuit is open nothing can be dispatched before the next probe.
    return paused && paused > new Date(at) ? paused : new Date(at);
  }
}
