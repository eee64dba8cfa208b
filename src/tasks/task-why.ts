import { sql, type Kysely } from 'kysely';
import type { AccountRow, Database, TaskRow } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import type { AccountManager, Action, LimitCheck, LimitCode } from '../accounts/account-manager.js';
import { RETIRED_ACCOUNT_STATUSES, UNUSABLE_ACCOUNT_STATUSES } from '../shared/enums.js';
import { PEOPLE_IN_TASK } from '../targets/target-bulk-insert.js';
import type { WhyTask } from './task-queries.js';
import { eligibilityReasonText } from '../accounts/account-reasons.js';
import { NOT_CHOSEN } from './chosen-accounts.js';
import { renderMessage, renderStoredReason, type Lang, type MessageParams } from '../shared/messages.js';

/**
 * Why a task is not acting right now, in plain words: the one function behind the `why` of the task, status and
 * list responses. It asks the Account Manager (the single authority over limits) about every account the task
 * may use, so what it says is what the scheduler does: waiting (until a moment), stuck (nothing will change
 * without the owner), or a stored reason for a task that ended.
 */
export interface TaskWhy {
  /** A message code of src/tasks/why-messages.ts (or a stored reason code). */
  code: string;
  /** The sentence in the reader's language. */
  text: string;
  /** When the wait ends, if it does by itself. */
  until: string | null;
  /** True when nothing changes without the owner (no admin rights, caps used up for good, no audience…). */
  stuck: boolean;
}

interface Reason {
  code: string;
  params?: MessageParams;
  until?: Date | null;
  stuck?: boolean;
}

/**
 * What the reader is told the moment is, in their time zone: 14:20 today, «24 нояб., 00:00» on another day this year,
 * «15 мар. 2027 г., 10:00» in another year (a start scheduled for next spring must not read as this March).
 */
export function formatUntil(at: Date, now: Date, lang: Lang, timeZone: string): string {
  const locale = lang === 'ru' ? 'ru-RU' : 'en-GB';
  const fmt = (tz: string) => {
    const day = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
    const time = new Intl.DateTimeFormat(locale, { timeZone: tz, hour: '2-digit', minute: '2-digit', hour12: false }).format(at);
    if (day(at) === day(now)) return time;
    const sameYear = day(at).slice(0, 4) === day(now).slice(0, 4);
    return `${new Intl.DateTimeFormat(locale, { timeZone: tz, day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) }).format(at)}, ${time}`;
  };
  try {
    return fmt(timeZone);
  } catch {
    return fmt('UTC');
  }
}

/** Which account refusals are rests (the platform asked), which are the daily caps. */
const REST_CODES: LimitCode[] = ['flood_wait', 'peer_flood', 'resting', 'unreachable'];
const DAILY_CODES: LimitCode[] = ['daily_invites', 'daily_messages', 'group_daily'];
const REST_WHY: Record<string, string> = {
  flood_wait: 'WHY.flood_wait',
  peer_flood: 'WHY.peer_flood',
  resting: 'WHY.resting',
  unreachable: 'WHY.unreachable',
};

const actionOf = (task: Pick<TaskRow, 'type'>): Action => (task.type === 'invite_to_group' ? 'invite' : 'message');
const untilOf = (now: Date, v: LimitCheck) => v.until ?? (v.wait_seconds === null ? null : new Date(now.getTime() + v.wait_seconds * 1000));

/**
 * What one request may share between the tasks it explains (a list page asks about 20): each account's verdict, the
 * user's "has a usable account", and the open circuit of a platform. Keys are namespaced strings.
 */
type RequestMemo = Map<string, Promise<unknown>>;

function memoised<T>(memo: RequestMemo, key: string, read: () => Promise<T>): Promise<T> {
  let v = memo.get(key) as Promise<T> | undefined;
  if (!v) {
    v = read();
    memo.set(key, v);
  }
  return v;
}

/**
 * What the caller already read with the task (the status and list reads carry both, src/tasks/task-queries.ts): its
 * pending count, and whether its owner has a usable account. Each one given spares a round trip.
 */
export interface KnownCounters {
  pending: number;
  hasUsableAccount?: boolean;
}

export class TaskWhyService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly manager: AccountManager,
    private readonly defaultTimeZone: string,
  ) {}

  /** The why of one task in `lang` (null: it is acting, or finished with nothing to explain). */
  /**
   * `counters`, when the caller read them with the task (status, list), spare the count: the why of a status poll
   * must cost the same whatever the audience size (issue 13).
   */
  async forTask(task: WhyTask, lang: Lang, timeZone: string | null, counters?: KnownCounters, memo: RequestMemo = new Map()): Promise<TaskWhy | null> {
    const reason = await this.reason(task, counters, memo);
    return reason ? this.render(reason, lang, timeZone) : null;
  }

  /**
   * Each listed task's `why`, from what the list read with it (no second read of the page); what tasks share
   * (accounts, the user's usable account, the circuit) is asked once for the page.
   */
  async forList(rows: Array<WhyTask & { pending: number; has_usable_account: boolean }>, lang: Lang, timeZone: string | null): Promise<Array<TaskWhy | null>> {
    const memo: RequestMemo = new Map();
    const out: Array<TaskWhy | null> = [];
    for (const r of rows) out.push(await this.forTask(r, lang, timeZone, { pending: r.pending, hasUsableAccount: r.has_usable_account }, memo));
    return out;
  }

  /**
   * The accounts panel (TaskAccounts.list) with each account's `why` in the reader's language: why it may not act
   * now and until when, or why it is not eligible for this task at all.
   */
  accountsPanel<
    T extends {
      items: Array<{
        eligible: boolean;
        reason: string | null;
        can_act_now: boolean;
        wait_code: LimitCode | null;
        wait_for_seconds: number | null;
        wait_until: Date | null;
        wait_reason: string | null;
      }>;
    },
  >(list: T, lang: Lang, timeZone: string | null) {
    return {
      ...list,
      items: list.items.map((i) => ({
        ...i,
        why: !i.eligible
          ? i.reason === NOT_CHOSEN
            ? { code: NOT_CHOSEN, text: renderMessage(NOT_CHOSEN, lang)!, until: null }
            : {
                code: 'ACCOUNT_WHY.not_eligible',
                text: renderMessage('ACCOUNT_WHY.not_eligible', lang, { reason: eligibilityReasonText(i.reason, lang) ?? '—' })!,
                until: null,
              }
          : i.can_act_now
            ? null
            : this.accountWhy(
                { allowed: false, code: i.wait_code ?? undefined, wait_seconds: i.wait_for_seconds, until: i.wait_until, reason: i.wait_reason },
                lang,
                timeZone,
              ),
      })),
    };
  }

  /** Renders an account refusal for the accounts panel (`ACCOUNT_WHY.<code>`). */
  accountWhy(v: LimitCheck, lang: Lang, timeZone: string | null): { code: string; text: string; until: string | null } | null {
    if (v.allowed || !v.code) return null;
    const now = this.clock.now();
    const until = untilOf(now, v);
    const code = `ACCOUNT_WHY.${v.code}`;
    const text =
      renderMessage(code, lang, { until: until ? formatUntil(until, now, lang, timeZone ?? this.defaultTimeZone) : null }) ??
      renderMessage(code, lang) ??
      v.reason ??
      code;
    return { code, text, until: until?.toISOString() ?? null };
  }

  render(r: Reason, lang: Lang, timeZone: string | null): TaskWhy {
    const now = this.clock.now();
    const params: MessageParams = {
      limit: this.manager.limits.invitesPerGroupLifetime,
      ...r.params,
      ...(r.until ? { until: formatUntil(r.until, now, lang, timeZone ?? this.defaultTimeZone) } : {}),
    };
    const text = renderMessage(r.code, lang, params) ?? renderStoredReason(r.code, params, lang) ?? r.code;
    return { code: r.code, text, until: r.until?.toISOString() ?? null, stuck: !!r.stuck };
  }

  private async reason(task: WhyTask, counters: KnownCounters | undefined, memo: RequestMemo): Promise<Reason | null> {
    switch (task.status) {
      case 'COMPLETED':
      case 'FAILED':
      case 'CANCELLED':
        return task.status_reason ? { code: task.status_reason, params: storedParams(task), stuck: task.status === 'FAILED' } : null;
      case 'PAUSED':
        return { code: 'WHY.paused' };
      case 'SCHEDULED':
        return task.scheduled_at ? { code: 'WHY.scheduled', until: task.scheduled_at } : null;
      case 'PENDING':
        return this.pendingReason(task, counters, memo);
      case 'IN_PROGRESS':
        return this.runningReason(task, counters, memo);
      default:
        return null;
    }
  }

  /**
   * A task not started yet (a draft): what its start would refuse, from the database (no platform call):
   * no audience, no usable account; otherwise the reason stored when it was saved as a draft (the group
   * and admin checks, which need the platform), or simply "press Start".
   */
  private async pendingReason(task: WhyTask, counters: KnownCounters | undefined, memo: RequestMemo): Promise<Reason> {
    const pending = counters?.pending ?? (await this.pendingCount(task.id));
    // No one waiting: an empty task, or one whose people are all skipped already (a duplicate of a finished task).
    if (pending === 0) return { code: (await this.holdsPeople(task.id)) ? 'WHY.nobody_pending' : 'WHY.no_audience', stuck: true };
    // Of the accounts the task may use: the owner's, or those chosen for it.
    const chosen = task.account_ids;
    const usable =
      counters?.hasUsableAccount ??
      (await memoised(memo, `usable:${task.user_id}:${task.platform_mode}:${chosen ?? 'all'}`, () =>
        this.db
          .selectFrom('accounts')
          .select('id')
          .where('user_id', '=', task.user_id)
          .where('platform_mode', '=', task.platform_mode)
          .where('status', 'not in', UNUSABLE_ACCOUNT_STATUSES)
          .$if(!!chosen, (q) => q.where('id', 'in', chosen!))
          .limit(1)
          .executeTakeFirst(),
      ));
    if (!usable) return { code: chosen ? 'NO_CHOSEN_ACCOUNT' : 'WHY.no_accounts', stuck: true };
    if (task.status_reason && !['WHY.no_audience', 'WHY.nobody_pending', 'WHY.no_accounts', 'NO_CHOSEN_ACCOUNT'].includes(task.status_reason)) {
      return { code: task.status_reason, params: storedParams(task), stuck: true };
    }
    return { code: 'WHY.not_started' };
  }

  private async holdsPeople(taskId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('task_counters')
      .select(sql<number>`${sql.raw(PEOPLE_IN_TASK)}`.as('n'))
      .where('task_id', '=', taskId)
      .executeTakeFirst();
    return Number(row?.n ?? 0) > 0;
  }

  private async pendingCount(taskId: number): Promise<number> {
    const row = await this.db.selectFrom('task_counters').select('pending').where('task_id', '=', taskId).executeTakeFirst();
    return Number(row?.pending ?? 0);
  }

  /** A running task: null while some account may act on someone now; else what everyone waits for. */
  private async runningReason(task: WhyTask, counters: KnownCounters | undefined, memo: RequestMemo): Promise<Reason | null> {
    const now = this.clock.now();
    // Nobody left to contact: the task completes with its last in-flight answer.
    if ((counters?.pending ?? (await this.pendingCount(task.id))) === 0) return null;

    const rows = await this.db
      .selectFrom('task_accounts as ta')
      .innerJoin('accounts as a', 'a.id', 'ta.account_id')
      .selectAll('a')
      .select(['ta.eligible'])
      .where('ta.task_id', '=', task.id)
      .execute();
    const eligible = rows.filter((r) => r.eligible);
    const usable = eligible.filter((a) => !RETIRED_ACCOUNT_STATUSES.includes(a.status));
    if (usable.length === 0) {
      // Accounts that lost their rights are recorded as not eligible; banned or logged out ones are retired.
      if (task.type === 'invite_to_group' && eligible.length === 0 && rows.length > 0) return { code: 'WHY.no_admin_rights', stuck: true };
      return { code: eligible.length ? 'WHY.accounts_lost' : 'WHY.no_accounts', stuck: true };
    }

    const action = actionOf(task);
    const verdicts = await Promise.all(usable.map((a) => this.verdict(a, action, task.target_group_key, memo)));
    if (verdicts.some((v) => v.allowed)) {
      const circuit = await memoised(memo, `circuit:${task.platform_mode}`, () =>
        this.db.selectFrom('platform_circuits').select('retry_at').where('platform', '=', task.platform_mode).where('state', '=', 'open').executeTakeFirst(),
      );
      if (circuit?.retry_at && circuit.retry_at > now) return { code: 'WHY.circuit_open', until: circuit.retry_at };
      const retryAt = await this.retryWaitUntil(task.id, now);
      if (retryAt) return { code: 'WHY.retry_wait', until: retryAt };
      return null;
    }

    const waiting = verdicts.filter((v) => v.wait_seconds !== null);
    if (waiting.length === 0) {
      // Nothing frees up by itself: every usable account is capped for good in this group, or disabled.
      if (verdicts.every((v) => v.code === 'group_lifetime')) return { code: 'WHY.group_lifetime', stuck: true };
      if (verdicts.some((v) => v.code === 'disabled')) return { code: 'WHY.accounts_disabled', stuck: true };
      return { code: 'WHY.accounts_lost', stuck: true };
    }
    // Say what the first account to come back is waiting for, and until when.
    const soonest = waiting.reduce((a, b) => (b.wait_seconds! < a.wait_seconds! ? b : a));
    const until = untilOf(now, soonest);
    const code = soonest.code;
    if (code && REST_CODES.includes(code)) {
      // "All resting" only when every waiting account rests; a mix says what the soonest one waits for.
      const allRest = waiting.every((v) => v.code && REST_CODES.includes(v.code));
      return { code: allRest && waiting.some((v) => v.code !== code) ? 'WHY.resting' : REST_WHY[code]!, until };
    }
    if (code && DAILY_CODES.includes(code)) return { code: 'WHY.daily_limits', until };
    if (code === 'in_use') return { code: 'WHY.in_use', until };
    return { code: 'WHY.pacing', until };
  }

  /**
   * When every pending person of the task waits for a retry: the earliest retry, else null. The probe for one person
   * contactable now walks the (task_id, status, id) index and stops at the first (nearly always the first row), so it
   * does not grow with the audience; only a task whose every pending person waits reads their retry times.
   */
  private async retryWaitUntil(taskId: number, now: Date): Promise<Date | null> {
    const ready = await this.db
      .selectFrom('targets')
      .select('id')
      .where('task_id', '=', taskId)
      .where('status', '=', 'PENDING')
      .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
      .limit(1)
      .executeTakeFirst();
    if (ready) return null;
    const { next } = await this.db
      .selectFrom('targets')
      .select(sql<Date | null>`min(next_attempt_at)`.as('next'))
      .where('task_id', '=', taskId)
      .where('status', '=', 'PENDING')
      .executeTakeFirstOrThrow();
    return next ? new Date(next) : null;
  }

  private verdict(a: AccountRow, action: Action, groupKey: string | null, memo: RequestMemo): Promise<LimitCheck> {
    return memoised(memo, `verdict:${a.id}:${action}:${groupKey ?? ''}`, () =>
      this.manager.check(a.id, action, groupKey).then(async (c) => {
        // The pause after the last action of the day runs to the day's end: the cap is the reason, not the pause.
        if (c.code !== 'pacing' && c.code !== 'in_use') return c;
        const quota = this.manager.checkQuota(await this.manager.usage(a.id), action, groupKey);
        return quota.allowed ? c : quota;
      }),
    );
  }
}

/** The params stored with a reason (migration 10's column), when the row has them. */
function storedParams(task: WhyTask): MessageParams {
  const raw: unknown = task.status_reason_params;
  if (!raw) return {};
  if (typeof raw === 'string') {
    try {
      return JSON.parse(raw) as MessageParams;
    } catch {
      return {};
    }
  }
  return raw as MessageParams;
}
