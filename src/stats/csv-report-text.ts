import type { Kysely } from 'kysely';
import type { Database, TaskRow } from '../db/schema.js';
import { renderMessage, renderTargetReason, type Lang } from '../shared/messages.js';
import type { ReportOptions } from './report-options.js';
import { hasMessageColumn, localDateTime, type ReportRow, reportRowPages, sentMessage, taskStatusName, taskStatusReason } from './report-rows.js';

/**
 * The CSV report, written for a person who opens it in Excel as much as for a program that reads it:
 *
 * - The first line is the header row: nothing above the table (a «# title» line there became row 1 in Excel, above the
 *   column names, and broke filters and sorting). What the file is about — the task, the SANDBOX label, the task's
 *   status and why, the time zone of its times — comes after the last row and one blank line, one «Статус: Ошибка»
 *   line each, like the XLSX summary sheet. Excel sees the blank line as the table's end (sort/filter leave the lines
 *   alone); a program stops reading at the first blank line. Each line is one cell, in the first column: a value in
 *   the second would sit under «username», and a file imported back (to retry the skipped) would take «COMPLETED» or
 *   «Telegram» for a person; in the first it is a row without anyone, which the import refuses.
 * - Words are in the reader's language (Accept-Language / `lang`): the header, each status (the XLSX's «Приглашён» /
 *   "Invited") and reason. The codes stay in their own columns for programs: `error_code`, and `status_code`.
 * - Times are the reader's wall clock in the report's zone (`tz`, else X-Time-Zone, else LIMITS_TIME_ZONE, as the
 *   XLSX), written `YYYY-MM-DD HH:MM:SS`: Excel reads that as a date-time in any locale, a program parses it with the
 *   zone named at the end. Both languages write the same layout, so a file does not change shape with the reader.
 * - Usernames are written without their @ (the column says what they are): a cell that starts with @ is a formula to
 *   Excel, and the formula guard's apostrophe, or any invisible character put before it, would reach programs too.
 *
 * The columns of the old file keep their order and names; new ones are only appended (`status_code`, and `message`
 * for a direct-message task: the text that person was sent).
 */

/** Quote as RFC 4180 says, and neutralise spreadsheet formulas in user-supplied text. */
export const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v);
  const safe = /^[=+\-@]/.test(s) && !/^\+\d+$/.test(s) ? `'${s}` : s;
  return /[",\n\r;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function csvHeader(lang: Lang, separator: string, withMessage = false): string {
  const names = [renderMessage('REPORT.header', lang)!, renderMessage('REPORT.csv.status_code', lang)!];
  if (withMessage) names.push(renderMessage('REPORT.csv.message', lang)!);
  return names.join(',').replaceAll(',', separator);
}

export const csvReason = (code: string | null, stored: string | null, lang: Lang): string | null => renderTargetReason(code, stored, lang);

/** One target as a CSV line, in the header's order. */
export function csvRow(
  r: ReportRow,
  task: Pick<TaskRow, 'type' | 'message_template'>,
  options: Pick<ReportOptions, 'lang' | 'timeZone' | 'delimiter'>,
): string {
  const { lang, timeZone } = options;
  const cells = [
    csvCell(r.id),
    csvCell(r.username),
    ...[
      r.user_id_platform,
      r.phone,
      r.first_name,
      r.last_name,
      renderMessage(`REPORT.target.${r.status}`, lang) ?? r.status,
      r.error_code,
      csvReason(r.error_code, r.error_message, lang),
      r.label,
      r.attempts,
      r.processed_at ? localDateTime(r.processed_at, timeZone) : null,
      r.status,
      ...(hasMessageColumn(task) ? [sentMessage(task, r)] : []),
    ].map(csvCell),
  ];
  return cells.join(options.delimiter);
}

/** What the file is about, as [label, value] pairs for the lines after the table: the SANDBOX label is one of them. */
export function csvInfoLines(task: TaskRow, options: Pick<ReportOptions, 'lang' | 'timeZone'>, now: Date): Array<[string, string]> {
  const { lang, timeZone } = options;
  const say = (key: string) => renderMessage(key, lang) ?? key;
  const reason = taskStatusReason(task, lang);
  return [
    [say('REPORT.sum.task'), task.name],
    [say('REPORT.sum.mode'), say(task.platform_mode === 'sandbox' ? 'REPORT.mode.sandbox' : 'REPORT.mode.telegram')],
    [say('REPORT.sum.status'), taskStatusName(task.status, lang)],
    ...(reason ? [[say('REPORT.sum.status_reason'), reason] as [string, string]] : []),
    [say('REPORT.sum.time_zone'), timeZone],
    [say('REPORT.sum.generated'), localDateTime(now, timeZone)],
  ];
}

export interface CsvReportInput {
  db: Kysely<Database>;
  task: TaskRow;
  options: ReportOptions;
  now: Date;
  /** Hears how many targets are written so far, after each page (a background job's progress; may throw to stop). */
  onRows?: (rows: number) => Promise<void>;
}

/** The CSV report as text chunks, a page of targets at a time (memory stays flat for any audience size). */
export async function* csvReport(input: CsvReportInput): AsyncGenerator<string> {
  const { db, task, options, now, onRows } = input;
  const sep = options.delimiter;
  // The BOM tells Excel the file is UTF-8 (without it Cyrillic names open as mojibake); `;` is what Excel splits on in ru locales.
  yield `\uFEFF${csvHeader(options.lang, sep, hasMessageColumn(task))}\n`;
  let rows = 0;
  for await (const page of reportRowPages(db, task.id)) {
    yield `${page.map((r) => csvRow(r, task, options)).join('\n')}\n`;
    rows += page.length;
    await onRows?.(rows);
  }
  yield `\n${csvInfoLines(task, options, now)
    .map(([label, value]) => csvCell(`${label}: ${value}`))
    .join('\n')}\n`;
}
