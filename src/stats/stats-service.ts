import { sql, type Kysely } from 'kysely';
import { csvReport } from './csv-report-text.js';
import type { Database, TaskRow } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import type { Limits } from '../config/config.js';
import type { TaskCounters } from '../tasks/task-service.js';
import { LOG_RESULTS, RETIRED_ACCOUNT_STATUSES, type LogResult } from '../shared/enums.js';
import { PassThrough, Readable } from 'node:stream';
import type { ReportOptions } from './report-options.js';
import { writeXlsxReport } from './xlsx-report.js';
import { logSentence } from './log-sentences.js';
import type { Lang } from '../shared/messages.js';

/** The report's file name; sandbox reports say so in the name too. */
export const reportFilename = (task: TaskRow) => `task-${task.id}-report${task.platform_mode === 'sandbox' ? '-sandbox' : ''}.csv`;

/** Read models for a task's progress, statistics, report and log, and the user's dashboard. */
export class StatsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly limits: Limits,
    /** Execution logs older than this are deleted (LOG_RETENTION_DAYS): a task's chart and feed cover only these days. */
    private readonly logRetentionDays = 30,
  ) {}

  /**
   * Rough time to finish at the safe pace of the task's eligible accounts. `eligibleAccounts`, when the caller
   * already read it (TaskService.getOwnedForStatus), saves the count query.
   */
  async etaSeconds(task: TaskRow, counters: TaskCounters, eligibleAccounts?: number): Promise<number | null> {
    if (!['IN_PROGRESS', 'SCHEDULED', 'PAUSED', 'PENDING'].includes(task.status)) return null;
    const remaining = counters.pending + counters.in_flight;
    if (remaining === 0) return 0;
    const { n } =
      eligibleAccounts !== undefined
        ? { n: eligibleAccounts }
        : await this.db
            .selectFrom('task_accounts as ta')
            .innerJoin('accounts as a', 'a.id', 'ta.account_id')
            .select(sql<number>`count(*)::int`.as('n'))
            .where('ta.task_id', '=', task.id)
            .where('ta.eligible', '=', true)
            .where('a.status', 'not in', [...RETIRED_ACCOUNT_STATUSES, 'DISABLED'])
            .executeTakeFirstOrThrow();
    const perAccount =
      task.type === 'invite_to_group' ? Math.min(this.limits.invitesPerAccountDay, this.limits.invitesPerGroupDay) : this.limits.messagesPerAccountDay;
    if (n === 0) return null;
    return Math.round((remaining / (n * perAccount)) * 86400);
  }

  /** `timeZone`: the reader's; hour and day buckets start at their local hour and midnight. */
  async stats(task: TaskRow, counters: TaskCounters, timeZone = 'UTC') {
    const reasons = await this.db
      .selectFrom('targets')
      .select(['status', 'error_code', sql<string>`max(error_message)`.as('reason'), sql<number>`count(*)::int`.as('count')])
      .where('task_id', '=', task.id)
      .where('status', 'in', ['SKIPPED', 'FAILED'])
      .groupBy(['status', 'error_code'])
      .orderBy('count', 'desc')
      .execute();
    const perAccount = await this.db
      .selectFrom('execution_logs as l')
      .leftJoin('accounts as a', 'a.id', 'l.account_id')
      .select([
        'l.account_id',
        'a.label',
        sql<number>`count(*) FILTER (WHERE l.result = 'SUCCESS')::int`.as('succeeded'),
        sql<number>`count(*) FILTER (WHERE l.counts_toward_limit)::int`.as('attempts'),
        sql<number>`count(*) FILTER (WHERE l.result = 'ACCOUNT_ERROR')::int`.as('account_errors'),
      ])
      .where('l.task_id', '=', task.id)
      .groupBy(['l.account_id', 'a.label'])
      .orderBy('succeeded', 'desc')
      .execute();
    const series = async (unit: 'hour' | 'day') =>
      (
        await sql<{ bucket: Date; succeeded: number; other: number; skipped: number; failed: number }>`
      SELECT date_trunc(${unit}, created_at AT TIME ZONE ${timeZone}) AT TIME ZONE ${timeZone} AS bucket,
             count(*) FILTER (WHERE result = 'SUCCESS')::int AS succeeded,
             count(*) FILTER (WHERE result <> 'SUCCESS' AND counts_toward_limit)::int AS other,
             count(*) FILTER (WHERE result = 'SKIPPED')::int AS skipped,
             count(*) FILTER (WHERE result = 'FAILED')::int AS failed
        FROM execution_logs WHERE task_id = ${task.id} GROUP BY 1 ORDER BY 1 DESC LIMIT ${unit === 'hour' ? 72 : 60}`.execute(this.db)
      ).rows
        .reverse()
        .map((r) => ({ at: new Date(r.bucket).toISOString(), succeeded: r.succeeded, other: r.other, skipped: r.skipped, failed: r.failed }));
    return {
      task_id: task.id,
      platform_mode: task.platform_mode,
      sandbox: task.platform_mode === 'sandbox',
      counters,
      skipped_by_reason: reasons.filter((r) => r.status === 'SKIPPED').map(({ error_code, reason, count }) => ({ code: error_code, reason, count })),
      failed_by_reason: reasons.filter((r) => r.status === 'FAILED').map(({ error_code, reason, count }) => ({ code: error_code, reason, count })),
      per_account: perAccount.map((p) => ({
        account_id: p.account_id,
        /** Null: the account was deleted since (the UI says so in the reader's language). */
        label: p.label,
        succeeded: p.succeeded,
        attempts: p.attempts,
        account_errors: p.account_errors,
      })),
      per_hour: await series('hour'),
      per_day: await series('day'),
      eta_seconds: await this.etaSeconds(task, counters),
      // The chart, the per-account lines and the feed come from the execution logs, kept this many days: an older
      // task's counters stay, its history does not (the page says so instead of "no actions yet").
      history_days: this.logRetentionDays,
      history_deleted: !!task.finished_at && task.finished_at.getTime() < this.clock.now().getTime() - this.logRetentionDays * 86_400_000,
    };
  }

  /**
   * `offset` (the Mailing page's paging) overrides `page`; `action` filters by invite/message. Each entry's `message`
   * is in `lang` (log-sentences.ts).
   */
  async logs(
    task: Pick<TaskRow, 'id' | 'target_group' | 'target_group_title'>,
    q: { result?: readonly string[]; page: number; page_size: number; offset?: number; action?: string },
    lang: Lang,
  ) {
    let base = this.db.selectFrom('execution_logs as l').where('l.task_id', '=', task.id);
    // Callers pass validated enum values; anything else simply matches nothing.
    const results = (q.result ?? []).filter((r): r is LogResult => (LOG_RESULTS as readonly string[]).includes(r));
    if (q.result?.length) base = results.length ? base.where('l.result', 'in', results) : base.where(sql<boolean>`false`);
    if (q.action) base = base.where('l.action', '=', q.action);
    const { total } = await base.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow();
    const rows = await base
      .leftJoin('accounts as a', 'a.id', 'l.account_id')
      .leftJoin('targets as t', 't.id', 'l.target_id')
      .select([
        'l.id',
        'l.created_at',
        'l.finished_at',
        'l.action',
        'l.result',
        'l.error_code',
        'l.message',
        'l.target_id',
        'l.account_id',
        'a.label as account_label',
        sql<string | null>`coalesce('@' || t.username, t.phone, 'id ' || t.user_id_platform)`.as('target_label'),
      ])
      .orderBy('l.id', 'desc')
      .limit(q.page_size)
      .offset(q.offset ?? (q.page - 1) * q.page_size)
      .execute();
    return {
      items: rows.map((r) => ({
        ...r,
        message: logSentence(r, task, lang),
        created_at: r.created_at.toISOString(),
        finished_at: r.finished_at?.toISOString() ?? null,
      })),
      total,
      page: q.page,
      page_size: q.page_size,
      pages: Math.ceil(total / q.page_size),
    };
  }

  /** Totals over a task's execution log: attempts, outcomes, rate limits met, and how long an action took. */
  async executionSummary(taskId: number) {
    const r = await this.db
      .selectFrom('execution_logs')
      .where('task_id', '=', taskId)
      .select([
        sql<number>`count(*) FILTER (WHERE counts_toward_limit)::int`.as('attempts'),
        sql<number>`count(*) FILTER (WHERE result = 'SUCCESS')::int`.as('succeeded'),
        sql<number>`count(*) FILTER (WHERE result IN ('FAILED', 'SKIPPED'))::int`.as('failed'),
        sql<number>`count(*) FILTER (WHERE error_code LIKE 'FLOOD_WAIT%')::int`.as('flood_wait'),
        sql<number>`count(*) FILTER (WHERE error_code LIKE 'FLOOD_WAIT%' OR error_code LIKE 'PEER_FLOOD%' OR error_code = 'CONTACTS_IMPORT_LIMIT')::int`.as(
          'rate_limited',
        ),
        sql<number | null>`avg(extract(epoch FROM finished_at - created_at))::float8`.as('avg_seconds'),
      ])
      .executeTakeFirstOrThrow();
    return { ...r, avg_seconds: r.avg_seconds === null ? null : Math.round(Number(r.avg_seconds) * 1000) / 1000 };
  }

  /**
   * The report file as a stream, in the reader's format, language and time zone (report-options.ts). `onRows` hears
   * how many targets are written so far (the background job's progress; it may throw to stop a cancelled job).
   */
  report(task: TaskRow, counters: TaskCounters, options: ReportOptions, onRows?: (rows: number) => Promise<void>): Readable {
    // The CSV's layout (header first, what the file is about after the rows) is src/stats/csv-report-text.ts's.
    if (options.format === 'csv') return Readable.from(csvReport({ db: this.db, task, options, now: this.clock.now(), onRows }));
    const out = new PassThrough();
    // A failure half-way ends the stream with the error rather than leaving a truncated file that looks whole.
    writeXlsxReport(out, { db: this.db, task, counters, options, now: this.clock.now(), onRows }).catch((err: Error) => out.destroy(err));
    return out;
  }

  /** `timeZone`: the reader's; the 30 days are their calendar days. */
  async dashboard(userId: number, timeZone = 'UTC') {
    const byStatus = await this.db
      .selectFrom('tasks')
      .select(['status', sql<number>`count(*)::int`.as('count')])
      .where('user_id', '=', userId)
      .groupBy('status')
      .execute();
    const since = new Date(this.clock.now().getTime() - 30 * 86400_000);
    const daily = (
      await sql<{ day: string; invited: number; sent: number; skipped: number; failed: number }>`
      SELECT to_char(date_trunc('day', created_at AT TIME ZONE ${timeZone}), 'YYYY-MM-DD') AS day,
             count(*) FILTER (WHERE result = 'SUCCESS' AND action = 'invite')::int AS invited,
             count(*) FILTER (WHERE result = 'SUCCESS' AND action = 'message')::int AS sent,
             count(*) FILTER (WHERE result = 'SKIPPED')::int AS skipped,
             count(*) FILTER (WHERE result = 'FAILED')::int AS failed
        FROM execution_logs WHERE user_id = ${userId} AND created_at >= ${since} GROUP BY 1 ORDER BY 1`.execute(this.db)
    ).rows;
    const totals = daily.reduce((a, d) => ({ ok: a.ok + d.invited + d.sent, bad: a.bad + d.skipped + d.failed }), { ok: 0, bad: 0 });
    const accounts = await this.db
      .selectFrom('accounts')
      .select(['status', sql<number>`count(*)::int`.as('count')])
      .where('user_id', '=', userId)
      .groupBy('status')
      .execute();
    return {
      tasks_by_status: Object.fromEntries(byStatus.map((r) => [r.status, r.count])),
      accounts_by_status: Object.fromEntries(accounts.map((r) => [r.status, r.count])),
      last_30_days: daily.map((d) => ({
        day: d.day,
        invited: d.invited,
        sent: d.sent,
        skipped: d.skipped,
        failed: d.failed,
      })),
      invites_last_30_days: daily.reduce((s, d) => s + d.invited, 0),
      messages_last_30_days: daily.reduce((s, d) => s + d.sent, 0),
      success_rate: totals.ok + totals.bad ? Math.round((totals.ok / (totals.ok + totals.bad)) * 1000) / 1000 : null,
    };
  }
}
