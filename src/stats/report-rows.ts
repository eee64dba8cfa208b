import { type Kysely, sql } from 'kysely';
import type { Database, TaskRow } from '../db/schema.js';
import { renderTemplate } from '../shared/message-template.js';
import { renderMessage, renderStoredReason, type Lang } from '../shared/messages.js';
import { zoneOffsetMs } from '../shared/time-zone.js';

/**
 * Every target of a task with its outcome and the label of the account that acted, in pages by id (keyset, so a
 * 100k-target report never sits in memory and never slows down with the offset): what both report formats write.
 */
export async function* reportRowPages(db: Kysely<Database>, taskId: number, pageSize = 1000) {
  let lastId = 0;
  for (;;) {
    const page = await db
      .selectFrom('targets as t')
      .leftJoin('accounts as a', 'a.id', 't.account_id')
      // A person sent a text the task has replaced since: that text (the current one is the task's).
      .leftJoin('task_message_history as h', (j) =>
        j.onRef('h.task_id', '=', 't.task_id').on('h.version', '=', sql<number>`(t.extra->>'message_version')::int`),
      )
      .select([
        't.id',
        't.username',
        't.user_id_platform',
        't.phone',
        't.first_name',
        't.last_name',
        't.status',
        't.error_code',
        't.error_message',
        'a.label',
        't.attempts',
        't.processed_at',
        'h.template as sent_template',
      ])
      .where('t.task_id', '=', taskId)
      .where('t.id', '>', lastId)
      .orderBy('t.id')
      .limit(pageSize)
      .execute();
    if (!page.length) return;
    yield page;
    lastId = page.at(-1)!.id;
  }
}

/** One target as the reports read it. */
export type ReportRow = (ReturnType<typeof reportRowPages> extends AsyncGenerator<infer Page> ? Page : never)[number];

/** Only direct-message tasks have a «Текст сообщения» / "Message" column (an invite sends no text). */
export const hasMessageColumn = (task: Pick<TaskRow, 'type'>): boolean => task.type === 'direct_message';

/**
 * The message a person was sent, filled in for them as the worker fills it (renderTemplate: {first_name}, {username}
 * and their fallbacks); nothing for someone not (yet) sent to. Rendered per row from the template they were sent (the
 * task's, or one it replaced while running), so a report holds no more than its page. People sent before migration 14
 * carry no version and are written with the current template.
 */
export function sentMessage(task: Pick<TaskRow, 'type' | 'message_template'>, r: ReportRow): string | null {
  return hasMessageColumn(task) && r.status === 'SENT' ? renderTemplate(r.sent_template ?? task.message_template ?? '', r) : null;
}

/** A task status as the reports say it ("Завершена" / "COMPLETED"): renderMessage says a {status} param with the catalogue's names. */
export function taskStatusName(status: string, lang: Lang): string {
  return renderMessage('REPORT.status_of', lang, { status }) ?? status;
}

/**
 * Why the task is in its status (tasks.status_reason: a FAILED task's «лимит 200 приглашений в эту группу исчерпан…»),
 * in the reader's language as the task page says it; null when none is stored.
 */
export function taskStatusReason(task: Pick<TaskRow, 'status_reason' | 'status_reason_params'>, lang: Lang): string | null {
  let params: unknown = task.status_reason_params;
  if (typeof params === 'string') {
    try {
      params = JSON.parse(params);
    } catch {
      params = null;
    }
  }
  return renderStoredReason(task.status_reason, params as Record<string, unknown> | null, lang) || null;
}

/**
 * The instant as the reader's wall clock, carried in a Date's UTC fields. Excel dates have no zone: exceljs
 * writes a Date's UTC fields, so a 10:00 UTC event read in Moscow must become a cell saying 13:00.
 */
export function wallClock(instant: Date, timeZone: string): Date {
  return new Date(instant.getTime() + zoneOffsetMs(instant, timeZone));
}

/** `2026-01-05 11:00:00` on the reader's wall clock: the text Excel (in any locale) reads as a date-time. */
export function localDateTime(instant: Date, timeZone: string): string {
  return wallClock(instant, timeZone).toISOString().slice(0, 19).replace('T', ' ');
}
