import { once } from 'node:events';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Kysely } from 'kysely';
import type { Database, TaskRow } from '../db/schema.js';
import type { TaskCounters } from '../tasks/task-service.js';
import { renderMessage, renderTargetReason, type Lang } from '../shared/messages.js';
import type { ReportOptions } from './report-options.js';
import { hasMessageColumn, reportRowPages, sentMessage, taskStatusName, taskStatusReason, wallClock } from './report-rows.js';

const PAGE = 1000;

/** Excel shows a date cell in this layout; the value itself is a real date (sortable, filterable). */
const DATE_FORMAT: Record<Lang, string> = { ru: 'dd.mm.yyyy hh:mm:ss', en: 'yyyy-mm-dd hh:mm:ss' };

const text = (key: string, lang: Lang) => renderMessage(key, lang) ?? key;

/** A target's reason in the reader's language (said from its code, as the CSV does), else what the server recorded. */
export const targetReason = (code: string | null, recorded: string | null, lang: Lang): string =>
  renderTargetReason(code, recorded, lang) ?? recorded ?? code ?? '';

const COLUMNS = [
  { key: 'id', width: 10 },
  { key: 'username', width: 22 },
  { key: 'user_id', width: 16 },
  { key: 'phone', width: 16 },
  { key: 'first_name', width: 16 },
  { key: 'last_name', width: 16 },
  { key: 'status', width: 14 },
  { key: 'reason', width: 48 },
  { key: 'error_code', width: 26 },
  { key: 'account', width: 18 },
  { key: 'attempts', width: 10 },
  { key: 'processed_at', width: 20 },
] as const;
/** A direct-message task's last column: the text each person was sent (report-rows.ts, sentMessage). */
const MESSAGE_COLUMN = { key: 'message', width: 60 } as const;

export interface XlsxReportInput {
  db: Kysely<Database>;
  task: TaskRow;
  counters: TaskCounters;
  options: ReportOptions;
  now: Date;
  /** Called after each page of targets is written (the background job records progress and sees a cancel here). */
  onRows?: (rows: number) => Promise<void>;
}

/**
 * The task's report as an .xlsx workbook streamed into `out`: a summary sheet with the counts, then one row per
 * target. Written with exceljs's streaming WorkbookWriter, a page of targets at a time and without shared strings,
 * so memory stays flat for any audience size; it waits for `out` to drain when the reader is slower than the database.
 */
export async function writeXlsxReport(out: Writable, input: XlsxReportInput): Promise<{ rows: number }> {
  const { db, task, counters, options, now, onRows } = input;
  const { lang, timeZone } = options;
  const dateFmt = DATE_FORMAT[lang];
  const local = (d: Date | null) => (d ? wallClock(d, timeZone) : null);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  wb.creator = 'Invite Orchestrator';
  wb.created = now;

  // The summary first: the counts are known before any target is read (task_counters), and a sheet must be
  // finished before the next one streams out of the zip.
  const summary = wb.addWorksheet(text('REPORT.sheet_summary', lang));
  summary.columns = [{ width: 28 }, { width: 60 }];
  const decided = counters.invited + counters.sent + counters.skipped + counters.failed;
  const succeeded = counters.invited + counters.sent;
  const reason = taskStatusReason(task, lang);
  const lines: Array<[string, string | number | Date | null, string?]> = [
    ['REPORT.sum.task', task.name],
    ['REPORT.sum.type', text(`REPORT.type.${task.type}`, lang)],
    ...(task.type === 'invite_to_group' ? [['REPORT.sum.group', task.target_group_title ?? task.target_group] as [string, string | null]] : []),
    ['REPORT.sum.status', taskStatusName(task.status, lang)],
    // A FAILED task says why (the group's lifetime limit used up, no sender left…), as the task page does.
    ...(reason ? [['REPORT.sum.status_reason', reason] as [string, string]] : []),
    ['REPORT.sum.mode', text(`REPORT.mode.${task.platform_mode === 'sandbox' ? 'sandbox' : 'telegram'}`, lang)],
    ['REPORT.sum.created', local(task.created_at), dateFmt],
    ['REPORT.sum.started', local(task.started_at), dateFmt],
    ['REPORT.sum.finished', local(task.finished_at), dateFmt],
    ['REPORT.sum.generated', local(now), dateFmt],
    ['REPORT.sum.time_zone', timeZone],
    ['REPORT.sum.total', counters.total],
    ['REPORT.sum.pending', counters.pending + counters.in_flight],
    ...(task.type === 'invite_to_group'
      ? [['REPORT.sum.invited', counters.invited] as [string, number]]
      : [['REPORT.sum.sent', counters.sent] as [string, number]]),
    ['REPORT.sum.skipped', counters.skipped],
    ['REPORT.sum.failed', counters.failed],
    ['REPORT.sum.success_pct', decided ? succeeded / decided : null, '0.0%'],
  ];
  for (const [key, value, numFmt] of lines) {
    const row = summary.addRow([text(key, lang), value]);
    row.getCell(1).font = { bold: true };
    if (numFmt) row.getCell(2).numFmt = numFmt;
    row.getCell(2).alignment = { horizontal: 'left' };
    row.commit();
  }
  summary.commit();

  const withMessage = hasMessageColumn(task);
  const columns = withMessage ? [...COLUMNS, MESSAGE_COLUMN] : COLUMNS;
  const sheet = wb.addWorksheet(text('REPORT.sheet_targets', lang), { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ key: c.key, width: c.width }));
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  const header = sheet.addRow(columns.map((c) => text(`REPORT.col.${c.key}`, lang)));
  header.font = { bold: true };
  header.commit();

  let rows = 0;
  for await (const page of reportRowPages(db, task.id, PAGE)) {
    for (const r of page) {
      const row = sheet.addRow([
        r.id,
        r.username ? `@${r.username}` : null,
        r.user_id_platform,
        r.phone,
        r.first_name,
        r.last_name,
        text(`REPORT.target.${r.status}`, lang),
        r.error_code || r.error_message ? targetReason(r.error_code, r.error_message, lang) : null,
        r.error_code,
        r.label,
        r.attempts,
        local(r.processed_at),
        ...(withMessage ? [sentMessage(task, r)] : []),
      ]);
      if (r.processed_at) row.getCell(12).numFmt = dateFmt;
      row.commit();
    }
    rows += page.length;
    await onRows?.(rows);
    if (out.writableNeedDrain) await once(out, 'drain');
  }
  sheet.commit();
  await wb.commit();
  return { rows };
}
