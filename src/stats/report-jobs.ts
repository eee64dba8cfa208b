import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import type { TaskRow } from '../db/schema.js';
import type { JobService } from '../jobs/job-service.js';
import type { TaskService } from '../tasks/task-service.js';
import type { StatsService } from './stats-service.js';
import { REPORT_FORMATS, reportFileName, type ReportOptions } from './report-options.js';
import { LANGS, type Lang } from '../shared/messages.js';

/** The options a job was queued with; a job queued before they existed is the plain English CSV it always was. */
function storedOptions(params: Record<string, unknown> | null, defaultTimeZone: string): ReportOptions {
  const p = params ?? {};
  return {
    format: REPORT_FORMATS.includes(p.format as never) ? (p.format as ReportOptions['format']) : 'csv',
    delimiter: p.delimiter === ';' ? ';' : ',',
    timeZone: typeof p.time_zone === 'string' ? p.time_zone : defaultTimeZone,
    lang: LANGS.includes(p.lang as Lang) ? (p.lang as Lang) : 'en',
  };
}

/**
 * Report files built in the background: for a task with hundreds of thousands of targets the file
 * takes a while, so the user asks for it, keeps working, and downloads it from the job when ready.
 * The file (CSV or XLSX, in the language and zone asked for) is stored gzip-compressed with the job and pruned with it.
 */
export class ReportJobs {
  constructor(
    private readonly jobs: JobService,
    tasks: TaskService,
    stats: StatsService,
    defaultTimeZone = 'UTC',
  ) {
    jobs.register('task_report', async (job, io) => {
      const task = await tasks.getOwned(job.user_id, job.task_id!);
      const options = storedOptions(job.params as Record<string, unknown> | null, defaultTimeZone);
      let rows = 0;
      let bytes = 0;
      const file = stats.report(task, await tasks.counters(task.id), options, async (n) => {
        rows = n;
        await io.progress({ rows });
      });
      // pipeline, not pipe: a cancellation thrown while reading must reject here, not hang the job.
      const gz: Buffer[] = [];
      await pipeline(
        file,
        async function* (source: AsyncIterable<Buffer | string>) {
          for await (const c of source) {
            bytes += Buffer.byteLength(c);
            yield c;
          }
        },
        createGzip(),
        async (source: AsyncIterable<Buffer>) => {
          for await (const c of source) gz.push(c);
        },
      );
      return { result: { filename: reportFileName(task, options.format), format: options.format, rows, bytes }, output: Buffer.concat(gz) };
    });
  }

  enqueue(task: TaskRow, options?: ReportOptions) {
    const format = options?.format ?? 'csv';
    return this.jobs.enqueue({
      userId: task.user_id,
      kind: 'task_report',
      queue: 'reports',
      taskId: task.id,
      params: {
        filename: reportFileName(task, format),
        ...(options ? { format, delimiter: options.delimiter, time_zone: options.timeZone, lang: options.lang } : {}),
      },
    });
  }
}
