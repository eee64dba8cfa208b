import { randomUUID } from 'node:crypto';
import { type RawBuilder, sql, type Kysely, type Transaction } from 'kysely';
import type { Limits } from '../config/config.js';
import type { Database, AccountRow } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import { RETIRED_ACCOUNT_STATUSES } from '../shared/enums.js';
import { dayWindow } from '../shared/time-zone.js';
import type { PlatformError } from '../platform/platform-error.js';
import { nextActionTime } from './pacing.js';
import { noHotState, type AccountHotState } from './hot-state.js';
import { recordEvent } from '../notifications/notification-events.js';
import { UNREACHABLE_SENTENCES } from './account-reasons.js';

export type Action = 'invite' | 'message';
type Executor = Kysely<Database> | Transaction<Database>;

/** Why an account may not act (stable: task "why" reasons and the accounts panel are rendered from it). */
export type LimitCode =
  | 'not_found'
  | 'retired'
  | 'disabled'
  | 'flood_wait'
  | 'peer_flood'
  | 'resting'
  | 'unreachable'
  | 'pacing'
  | 'in_use'
  | 'daily_messages'
  | 'daily_invites'
  | 'group_lifetime'
  | 'group_daily';

export interface LimitCheck {
  allowed: boolean;
  /** Set when not allowed. */
  code?: LimitCode;
  /** Seconds until the action could be allowed; null when it never will be (retired, lifetime cap). */
  wait_seconds: number | null;
  /**
   * The moment behind wait_seconds (the rest's or the pause's end, the day's end), when there is one. Pages say "until
   * 03:00" from this, not from their own now + wait_seconds: two answers read a few milliseconds apart (the banner and
   * the accounts panel) otherwise named different minutes for the same pause.
   */
  until?: Date | null;
  reason: string | null;
}

export interface Lease {
  leaseId: string;
  accountId: number;
  holder: string;
  purpose: Action;
  groupKey: string | null;
  expiresAt: Date;
}

export interface AccountUsage {
  invitesToday: number;
  messagesToday: number;
  invitesTodayByGroup: Record<string, number>;
  lifetimeByGroup: Record<string, number>;
  dayStart: Date;
  dayEnd: Date;
}

/** A rest this long (or PeerFlood's) is told to the account's owner; shorter FloodWaits are routine and only slow the pace. */
export const LONG_REST_SECONDS = 3600;
/**
 * An account that could not reach Telegram rests a minute, then twice as long each time in a row, up to half an hour:
 * a proxy that is down is tried again soon, but not hammered for a day.
 */
const UNREACHABLE_FIRST_REST_SECONDS = 60;
const UNREACHABLE_LONGEST_REST_SECONDS = 1800;
/** The status reasons such a rest is written with (a RESTING account's reason says which rest it is). */
const UNREACHABLE_REASONS = new Set<string>(Object.values(UNREACHABLE_SENTENCES));
/** The owner of an account behind a proxy is told when this many connections in a row failed (about 3 min): once per outage. */
export const UNREACHABLE_TELL_AFTER = 3;

const ALLOWED: LimitCheck = { allowed: true, wait_seconds: 0, reason: null };
const secondsUntil = (from: Date, to: Date) => Math.max(1, Math.ceil((to.getTime() - from.getTime()) / 1000));
/** A wait until `to`: its seconds from `from`, and the moment itself. */
const waitUntil = (from: Date, to: Date) => ({ wait_seconds: secondsUntil(from, to), until: to });

/**
 * The single authority over sender accounts: who may act, when, and how much.
 * Daily counts are derived from execution_logs (nothing to reset); lifetime per-group counts live in
 * account_group_usage because logs are pruned. Leases are rows with an expiry, so an account held by
 * a crashed worker frees itself.
 */
export class AccountManager {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    readonly limits: Limits,
    private readonly leaseSeconds: number,
    private readonly random: () => number = Math.random,
    readonly hot: AccountHotState = noHotState,
  ) {}

  async usage(accountId: number, executor: Executor = this.db): Promise<AccountUsage> {
    const now = this.clock.now();
    const { start, end } = dayWindow(now, this.limits.timeZone);
    const rows = await executor
      .selectFrom('execution_logs')
      .select(['action', 'group_key', sql<number>`count(*)::int`.as('n')])
      .where('account_id', '=', accountId)
      .where('counts_toward_limit', '=', true)
      .where('created_at', '>=', start)
      .where('created_at', '<', end)
      .groupBy(['action', 'group_key'])
      .execute();
    const usage: AccountUsage = { invitesToday: 0, messagesToday: 0, invitesTodayByGroup: {}, lifetimeByGroup: {}, dayStart: start, dayEnd: end };
    for (const r of rows) {
      if (r.action === 'invite') {
        usage.invitesToday += r.n;
        if (r.group_key) usage.invitesTodayByGroup[r.group_key] = (usage.invitesTodayByGroup[r.group_key] ?? 0) + r.n;
      } else usage.messagesToday += r.n;
    }
    const lifetime = await executor.selectFrom('account_group_usage').selectAll().where('account_id', '=', accountId).execute();
    for (const l of lifetime) usage.lifetimeByGroup[l.group_key] = l.lifetime_invites;
    return usage;
  }

  /** May `accountId` perform `action` (into `groupKey`) right now? If not, why and for how long. */
  async check(accountId: number, action: Action, groupKey: string | null, executor: Executor = this.db): Promise<LimitCheck> {
    const account = await executor.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
    if (!account) return { allowed: false, code: 'not_found', wait_seconds: null, reason: 'account not found' };
    const now = this.clock.now();
    const status = this.checkStatus(account, now);
    if (!status.allowed) return status;
    if (account.next_action_at && account.next_action_at > now) {
      const paced: LimitCheck = { allowed: false, code: 'pacing', ...waitUntil(now, account.next_action_at), reason: 'pausing between actions' };
      // A pause that runs into tomorrow is usually a cap reached today: say the cap (the reader can act on it — add an
      // account — and "pausing until 03:00" beside «15 of 15 today» read as a contradiction). Only a refusal at least
      // as long as the pause is the truer reason; a shorter one is hidden behind the pause anyway.
      const quota = this.checkQuota(await this.usage(accountId, executor), action, groupKey);
      return !quota.allowed && (quota.wait_seconds === null || quota.wait_seconds >= paced.wait_seconds!) ? quota : paced;
    }
    const lease = await executor.selectFrom('account_leases').selectAll().where('account_id', '=', accountId).executeTakeFirst();
    if (lease && lease.expires_at > now) {
      return { allowed: false, code: 'in_use', ...waitUntil(now, lease.expires_at), reason: 'in use by another worker' };
    }
    return this.checkQuota(await this.usage(accountId, executor), action, groupKey);
  }

  /** Status-only part of check(): retired, disabled or resting accounts. */
  checkStatus(account: AccountRow, now: Date): LimitCheck {
    const status = account.status;
    if (RETIRED_ACCOUNT_STATUSES.includes(status)) {
      return { allowed: false, code: 'retired', wait_seconds: null, reason: `account retired: ${account.status_reason ?? status}` };
    }
    if (status === 'DISABLED') return { allowed: false, code: 'disabled', wait_seconds: null, reason: 'account disabled by its owner' };
    if (account.rest_until && account.rest_until > now) {
      // RESTING is the rest after connections that did not reach Telegram (restUnreachable): said as that.
      const unreachable = status === 'RESTING' && UNREACHABLE_REASONS.has(account.status_reason ?? '');
      const why =
        status === 'PEER_FLOOD'
          ? 'resting after PeerFlood'
          : status === 'FLOOD_WAIT'
            ? 'waiting out a FloodWait'
            : unreachable
              ? 'cannot reach Telegram (its proxy or the network)'
              : 'resting';
      const code = status === 'PEER_FLOOD' ? 'peer_flood' : status === 'FLOOD_WAIT' ? 'flood_wait' : unreachable ? 'unreachable' : 'resting';
      return { allowed: false, code, ...waitUntil(now, account.rest_until), reason: why };
    }
    return ALLOWED;
  }

  /** Invites an account may still ever make into a group it has made `used` (attempts) into: its lifetime allowance less those. */
  groupLifetimeLeft(used: number): number {
    return Math.max(0, this.limits.invitesPerGroupLifetime - used);
  }

  /** Quota-only part of check(), on usage already read. */
  checkQuota(usage: AccountUsage, action: Action, groupKey: string | null): LimitCheck {
    const untilTomorrow = waitUntil(this.clock.now(), usage.dayEnd);
    if (action === 'message') {
      return usage.messagesToday >= this.limits.messagesPerAccountDay
        ? {
            allowed: false,
            code: 'daily_messages',
            ...untilTomorrow,
            reason: `daily limit of ${this.limits.messagesPerAccountDay} messages reached`,
          }
        : ALLOWED;
    }
    if (usage.invitesToday >= this.limits.invitesPerAccountDay) {
      return {
        allowed: false,
        code: 'daily_invites',
        ...untilTomorrow,
        reason: `daily limit of ${this.limits.invitesPerAccountDay} invites reached`,
      };
    }
    if (groupKey) {
      if (this.groupLifetimeLeft(usage.lifetimeByGroup[groupKey] ?? 0) === 0) {
        return {
          allowed: false,
          code: 'group_lifetime',
          wait_seconds: null,
          reason: `lifetime limit of ${this.limits.invitesPerGroupLifetime} invites into this group reached`,
        };
      }
      if ((usage.invitesTodayByGroup[groupKey] ?? 0) >= this.limits.invitesPerGroupDay) {
        return {
          allowed: false,
          code: 'group_daily',
          ...untilTomorrow,
          reason: `daily limit of ${this.limits.invitesPerGroupDay} invites into this group reached`,
        };
      }
    }
    return ALLOWED;
  }

  /** What is left today for pacing: capped by the account limit and by the groups it has work in. */
  remainingToday(usage: AccountUsage, inviteGroups: string[], hasMessageWork: boolean): number {
    let invites = 0;
    if (inviteGroups.length) {
      const perGroup = inviteGroups.reduce((sum, g) => {
        const day = this.limits.invitesPerGroupDay - (usage.invitesTodayByGroup[g] ?? 0);
        const life = this.limits.invitesPerGroupLifetime - (usage.lifetimeByGroup[g] ?? 0);
        return sum + Math.max(0, Math.min(day, life));
      }, 0);
      invites = Math.max(0, Math.min(this.limits.invitesPerAccountDay - usage.invitesToday, perGroup));
    }
    const messages = hasMessageWork ? Math.max(0, this.limits.messagesPerAccountDay - usage.messagesToday) : 0;
    return invites + messages;
  }

  /** Takes the account for `leaseSeconds`, or returns null if someone else holds a live lease. */
  async lease(accountId: number, holder: string, purpose: Action, groupKey: string | null): Promise<Lease | null> {
    const now = this.clock.now();
    const lease: Lease = {
      leaseId: randomUUID(),
      accountId,
      holder,
      purpose,
      groupKey,
      expiresAt: new Date(now.getTime() + this.leaseSeconds * 1000),
    };
    // Redis answers "taken" without touching PostgreSQL; "free" or "unknown" is decided by the lease row below.
    const fast = await this.hot.tryLease(accountId, lease.leaseId, now, lease.expiresAt);
    if (fast === false) return null;
    // One statement: take a free account or an expired lease; a live lease makes this a no-op.
    const row = await this.db
      .insertInto('account_leases')
      .values({ account_id: accountId, lease_id: lease.leaseId, holder, purpose, group_key: groupKey, expires_at: lease.expiresAt, created_at: now })
      .onConflict((oc) =>
        oc
          .column('account_id')
          .doUpdateSet({
            lease_id: lease.leaseId,
            holder,
            purpose,
            group_key: groupKey,
            expires_at: lease.expiresAt,
            created_at: now,
          })
          .where('account_leases.expires_at', '<=', now),
      )
      .returning('lease_id')
      .executeTakeFirst();
    if (!row && fast) await this.hot.releaseLease(accountId, lease.leaseId);
    return row ? lease : null;
  }

  /** allocate(): the first of the user's accounts that may act now, leased. Null with the soonest wait otherwise. */
  async allocate(
    userId: number,
    purpose: Action,
    groupKey: string | null,
    holder: string,
    candidateIds?: number[],
  ): Promise<{ lease: Lease | null; wait_seconds: number | null; reasons: Record<number, string> }> {
    let q = this.db
      .selectFrom('accounts')
      .select('id')
      .where('user_id', '=', userId)
      .orderBy('next_action_at', (ob) => ob.asc().nullsFirst());
    if (candidateIds) q = q.where('id', 'in', candidateIds.length ? candidateIds : [-1]);
    const accounts = await q.execute();
    let soonest: number | null = null;
    const reasons: Record<number, string> = {};
    for (const { id } of accounts) {
      const verdict = await this.check(id, purpose, groupKey);
      if (verdict.allowed) {
        const lease = await this.lease(id, holder, purpose, groupKey);
        if (lease) return { lease, wait_seconds: 0, reasons };
        reasons[id] = 'in use by another worker';
        continue;
      }
      reasons[id] = verdict.reason ?? 'not allowed';
      if (verdict.wait_seconds !== null) soonest = soonest === null ? verdict.wait_seconds : Math.min(soonest, verdict.wait_seconds);
    }
    return { lease: null, wait_seconds: soonest, reasons };
  }

  async renew(lease: Lease): Promise<boolean> {
    const expiresAt = new Date(this.clock.now().getTime() + this.leaseSeconds * 1000);
    const res = await this.db.updateTable('account_leases').set({ expires_at: expiresAt }).where('lease_id', '=', lease.leaseId).executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) lease.expiresAt = expiresAt;
    return Number(res.numUpdatedRows) === 1;
  }

  /**
   * Ends a lease. When the account acted, schedules its next allowed moment by the pacing rule,
   * using what it has left today in the groups it currently has work for.
   */
  async release(lease: Lease, outcome: { acted: boolean }): Promise<void> {
    if (outcome.acted) {
      const now = this.clock.now();
      const usage = await this.usage(lease.accountId);
      const work = await this.activeWork(lease.accountId);
      const next = nextActionTime({
        now,
        dayEnd: usage.dayEnd,
        remainingToday: this.remainingToday(usage, work.inviteGroups, work.hasMessageWork),
        pauseMinSeconds: this.limits.pauseMinSeconds,
        pauseMaxSeconds: this.limits.pauseMaxSeconds,
        random: this.random,
      });
      // It acted, so it reached Telegram: a later failure to connect starts again from the shortest rest.
      await this.db
        .updateTable('accounts')
        .set({ next_action_at: next, last_used_at: now, updated_at: now, unreachable_count: 0 })
        .where('id', '=', lease.accountId)
        .execute();
    }
    await this.db.deleteFrom('account_leases').where('lease_id', '=', lease.leaseId).execute();
    await this.hot.releaseLease(lease.accountId, lease.leaseId);
  }

  /** Groups (and whether DMs) the account is currently eligible to work on. */
  async activeWork(accountId: number): Promise<{ inviteGroups: string[]; hasMessageWork: boolean }> {
    const rows = await this.db
      .selectFrom('task_accounts as ta')
      .innerJoin('tasks as t', 't.id', 'ta.task_id')
      .select(['t.type', 't.target_group_key'])
      .distinct()
      .where('ta.account_id', '=', accountId)
      .where('ta.eligible', '=', true)
      .where('t.status', '=', 'IN_PROGRESS')
      .execute();
    return {
      inviteGroups: rows.filter((r) => r.type === 'invite_to_group' && r.target_group_key).map((r) => r.target_group_key!),
      hasMessageWork: rows.some((r) => r.type === 'direct_message'),
    };
  }

  /**
   * Records one platform action before it is attempted (at-most-once: if the worker dies after
   * this commit, the attempt is known). Runs inside the caller's transaction.
   */
  async recordAttempt(
    trx: Transaction<Database>,
    a: {
      userId: number;
      taskId: number;
      targetId: number;
      accountId: number;
      action: Action;
      groupKey: string | null;
    },
  ): Promise<number> {
    const now = this.clock.now();
    const row = await trx
      .insertInto('execution_logs')
      .values({
        user_id: a.userId,
        task_id: a.taskId,
        target_id: a.targetId,
        account_id: a.accountId,
        group_key: a.groupKey,
        action: a.action,
        result: 'ATTEMPTED',
        error_code: null,
        message: null,
        details: '{}',
        counts_toward_limit: true,
        created_at: now,
        finished_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (a.action === 'invite' && a.groupKey) {
      await trx
        .insertInto('account_group_usage')
        .values({ account_id: a.accountId, group_key: a.groupKey, lifetime_invites: 1 })
        .onConflict((oc) => oc.columns(['account_id', 'group_key']).doUpdateSet({ lifetime_invites: sql`account_group_usage.lifetime_invites + 1` }))
        .execute();
    }
    return row.id;
  }

  /**
   * When the platform refused before acting (flood, ban), the attempt does not count against limits
   * and the lifetime counter is given back.
   */
  async uncountAttempt(trx: Transaction<Database>, logId: number): Promise<void> {
    const log = await trx
      .updateTable('execution_logs')
      .set({ counts_toward_limit: false })
      .where('id', '=', logId)
      .where('counts_toward_limit', '=', true)
      .returning(['account_id', 'group_key', 'action'])
      .executeTakeFirst();
    if (log?.action === 'invite' && log.group_key && log.account_id) {
      await trx
        .updateTable('account_group_usage')
        .set({ lifetime_invites: sql`greatest(lifetime_invites - 1, 0)` })
        .where('account_id', '=', log.account_id)
        .where('group_key', '=', log.group_key)
        .execute();
    }
  }

  /**
   * report_error(): applies the consequence of an account-level platform error. `session`: the stored session (as
   * encrypted) the failing client was made from, when the caller knows it. A lost session then retires the account only
   * if it still has that one: connecting the account again logs the old session out, and a worker in another process
   * still acting with it must not retire the account its owner has just reconnected.
   */
  async reportError(accountId: number, err: Pick<PlatformError, 'kind' | 'seconds' | 'message' | 'code'>, session?: string | null): Promise<void> {
    await this.applyError(accountId, err, session);
  }

  private async applyError(accountId: number, err: Pick<PlatformError, 'kind' | 'seconds' | 'message' | 'code'>, session?: string | null): Promise<void> {
    const now = this.clock.now();
    const at = (s: number) => new Date(now.getTime() + s * 1000);
    const base = this.db.updateTable('accounts').where('id', '=', accountId);
    switch (err.kind) {
      case 'FLOOD_WAIT': {
        const rest = (err.seconds ?? 0) + this.limits.floodWaitBufferSeconds;
        await this.rest(
          accountId,
          now,
          rest,
          rest >= LONG_REST_SECONDS,
          {
            status: 'FLOOD_WAIT',
            status_reason: err.message,
            updated_at: now,
            rest_until: at(rest),
            flood_wait_count: sql`flood_wait_count + 1`,
          },
          err.code,
        );
        return;
      }
      case 'PEER_FLOOD':
        await this.rest(
          accountId,
          now,
          this.limits.peerFloodRestSeconds,
          true,
          { status: 'PEER_FLOOD', status_reason: err.message, rest_until: at(this.limits.peerFloodRestSeconds), updated_at: now },
          err.code,
        );
        return;
      case 'ACCOUNT_BANNED':
      case 'ACCOUNT_DEAUTHORIZED':
        await this.retire(
          accountId,
          err.kind === 'ACCOUNT_BANNED' ? 'BANNED' : 'DEAUTHORIZED',
          err.message,
          now,
          err.kind === 'ACCOUNT_DEAUTHORIZED' ? session : undefined,
        );
        return;
      default:
        // Transient trouble: a short back-off so a flapping connection is not hammered.
        await base.set({ error_count: sql`error_count + 1`, next_action_at: at(60), updated_at: now }).execute();
    }
  }

  /**
   * The account's connection failed before anything was sent (its proxy down, Telegram unreachable): it rests, longer
   * each time in a row, so its work waits for it or goes to other accounts instead of failing people. Behind a proxy —
   * which its owner can mend — the owner is told once per outage, when the count reaches UNREACHABLE_TELL_AFTER.
   * A retired or disabled account, or one resting for Telegram's own reasons, keeps its status; only the count grows.
   */
  async restUnreachable(accountId: number, viaProxy: boolean): Promise<void> {
    const now = this.clock.now();
    await this.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('accounts')
        .select(['user_id', 'label', 'status', 'rest_until', 'unreachable_count'])
        .where('id', '=', accountId)
        .forUpdate()
        .executeTakeFirst();
      if (!before) return;
      const count = before.unreachable_count + 1;
      const seconds = Math.min(UNREACHABLE_LONGEST_REST_SECONDS, UNREACHABLE_FIRST_REST_SECONDS * 2 ** (count - 1));
      const restingForTelegram = (before.status === 'FLOOD_WAIT' || before.status === 'PEER_FLOOD') && before.rest_until !== null && before.rest_until > now;
      const mayRest = (before.status === 'ACTIVE' || before.status === 'RESTING') && !restingForTelegram;
      const rest_until = new Date(now.getTime() + seconds * 1000);
      await trx
        .updateTable('accounts')
        .set({
          unreachable_count: count,
          error_count: sql`error_count + 1`,
          updated_at: now,
          ...(mayRest ? { status: 'RESTING', status_reason: UNREACHABLE_SENTENCES[viaProxy ? 'proxy_unreachable' : 'telegram_unreachable'], rest_until } : {}),
        })
        .where('id', '=', accountId)
        .execute();
      if (!viaProxy || !mayRest || count !== UNREACHABLE_TELL_AFTER) return;
      await recordEvent(trx, now, {
        userId: before.user_id,
        event: 'account_rested',
        accountId,
        params: { label: before.label, status: 'RESTING', seconds, until: rest_until.toISOString(), code: 'PROXY_UNREACHABLE' },
      });
    });
  }

  /**
   * Telegram was reached through the account (an action, a check, a new proxy): a rest for not reaching it ends, and
   * the next failure starts again from the shortest rest.
   */
  async reachable(accountId: number): Promise<void> {
    const now = this.clock.now();
    await this.db
      .updateTable('accounts')
      .set({
        unreachable_count: 0,
        status: sql`CASE WHEN status = 'RESTING' THEN 'ACTIVE' ELSE status END`,
        status_reason: sql`CASE WHEN status = 'RESTING' THEN NULL ELSE status_reason END`,
        rest_until: sql`CASE WHEN status = 'RESTING' THEN NULL ELSE rest_until END`,
        updated_at: now,
      })
      .where('id', '=', accountId)
      .where('unreachable_count', '>', 0)
      .execute();
  }

  /**
   * Telegram made an account rest. A long rest (PeerFlood's day, a FloodWait of an hour or more) is told to its owner:
   * their pace drops and they may want to add an account. Once per rest: the row is locked and its previous rest read
   * first, so a second worker reporting the same rest, or a rest reported again before it ended, stays silent.
   */
  private async rest(
    accountId: number,
    now: Date,
    seconds: number,
    tell: boolean,
    set: { status: 'FLOOD_WAIT' | 'PEER_FLOOD'; status_reason: string; rest_until: Date; updated_at: Date; flood_wait_count?: RawBuilder<number> },
    /** The platform's code when it says more than the status (CONTACTS_IMPORT_LIMIT): the notification names it. */
    code?: string,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('accounts')
        .select(['user_id', 'label', 'status', 'rest_until'])
        .where('id', '=', accountId)
        .forUpdate()
        .executeTakeFirst();
      if (!before) return;
      await trx.updateTable('accounts').set(set).where('id', '=', accountId).execute();
      const resting = before.status === set.status && before.rest_until !== null && before.rest_until > now;
      if (!tell || resting) return;
      await recordEvent(trx, now, {
        userId: before.user_id,
        event: 'account_rested',
        accountId,
        params: { label: before.label, status: set.status, seconds, until: set.rest_until.toISOString(), ...(code && code !== set.status ? { code } : {}) },
      });
    });
  }

  /**
   * The platform banned or logged out an account. Its owner is told once, in the same transaction: the row is locked
   * and its previous status read first, so a second report of the same ban (another worker's lease) stays silent.
   */
  private async retire(accountId: number, status: 'BANNED' | 'DEAUTHORIZED', message: string, now: Date, session?: string | null): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('accounts')
        .select(['user_id', 'label', 'status', 'session_encrypted'])
        .where('id', '=', accountId)
        .forUpdate()
        .executeTakeFirst();
      if (!before) return;
      // The session that failed is no longer the account's (it was connected again meanwhile): nothing to retire.
      if (session !== undefined && before.session_encrypted !== session) return;
      await trx.updateTable('accounts').set({ status, status_reason: message, rest_until: null, updated_at: now }).where('id', '=', accountId).execute();
      if (RETIRED_ACCOUNT_STATUSES.includes(before.status)) return;
      await recordEvent(trx, now, { userId: before.user_id, event: 'account_retired', accountId, params: { label: before.label, status } });
    });
  }

  /** Resting accounts whose time is up become ACTIVE again. */
  async reviveRested(): Promise<void> {
    const now = this.clock.now();
    await this.db
      .updateTable('accounts')
      .set({ status: 'ACTIVE', status_reason: null, rest_until: null, updated_at: now })
      .where('status', 'in', ['FLOOD_WAIT', 'PEER_FLOOD', 'RESTING'])
      .where('rest_until', '<=', now)
      .execute();
  }

  /** Nothing this account may do until `until` (its caps): workers stop polling it. */
  async markIdle(accountId: number, until: Date): Promise<void> {
    await this.db.updateTable('accounts').set({ idle_until: until }).where('id', '=', accountId).execute();
  }

  /** New work arrived for the user (a task started or resumed): idle accounts look again. */
  async wake(userId: number): Promise<void> {
    await this.db.updateTable('accounts').set({ idle_until: null }).where('user_id', '=', userId).execute();
  }

  /** Leases whose holder died are simply expired rows; this deletes them for tidiness. */
  async pruneExpiredLeases(): Promise<number> {
    const res = await this.db.deleteFrom('account_leases').where('expires_at', '<=', this.clock.now()).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
