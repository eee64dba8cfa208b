import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.js';
import { renderMessage, validTimeZone, type Lang } from '../shared/messages.js';

export const REPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** How a report is written: its file type, the CSV separator, and the reader's time zone and language. */
export interface ReportOptions {
  format: ReportFormat;
  /** `;` is what Excel in Russian (and most of Europe) splits on when it opens a CSV by double-click. */
  delimiter: ',' | ';';
  timeZone: string;
  lang: Lang;
}

/** The report's query string: every part optional; the UI sends format=xlsx and its own zone. */
export const reportQuery = z.object({
  format: z.enum(REPORT_FORMATS).default('csv'),
  delimiter: z
    .enum([',', ';', 'comma', 'semicolon'])
    .default(',')
    .transform((d) => (d === ';' || d === 'semicolon' ? ';' : ',')),
  tz: z
    .string()
    .max(64)
    .refine((v) => validTimeZone(v) !== null, { message: 'unknown time zone: give an IANA name like Europe/Moscow', params: { i18n: 'FIELD.time_zone' } })
    .optional(),
  lang: z.enum(['ru', 'en']).optional(),
});
export type ReportQuery = z.infer<typeof reportQuery>;

/**
 * The options for one request: the zone from `tz`, else the UI's X-Time-Zone header, else the deployment's.
 * A header that names no real zone is refused like a bad `tz` (400 with the field) rather than silently
 * dating the whole report in another zone.
 */
export function reportOptions(req: FastifyRequest, q: ReportQuery, defaultTimeZone: string): ReportOptions {
  const lang = q.lang ?? req.lang;
  let timeZone = q.tz;
  if (!timeZone) {
    const header = req.headers['x-time-zone'];
    if (header !== undefined && header !== '' && !req.timeZone) {
      const message = renderMessage('FIELD.time_zone', lang)!;
      throw new AppError(
        400,
        'VALIDATION_FAILED',
        `Invalid request: X-Time-Zone: ${renderMessage('FIELD.time_zone', 'en')}`,
        [{ field: 'X-Time-Zone', message }],
        { key: 'VALIDATION_FAILED', params: { issues: `X-Time-Zone: ${message}` } },
      );
    }
    timeZone = req.timeZone ?? defaultTimeZone;
  }
  return { format: q.format, delimiter: q.delimiter, timeZone, lang };
}

/** The report's file name; sandbox reports say so in the name too. */
export function reportFileName(task: { id: number; platform_mode: string }, format: ReportFormat): string {
  return `task-${task.id}-report${task.platform_mode === 'sandbox' ? '-sandbox' : ''}.${format}`;
}

export const REPORT_CONTENT_TYPES: Record<ReportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};
