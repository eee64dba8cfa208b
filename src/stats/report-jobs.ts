import { createGzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TaskRow } from '../db/schema.js';
import type { JobService } from '../jobs/job-service.js';
import type { TaskService } from '../tasks/task-service.js';
import { reportFilename, type StatsService } from './stats-service.js';

/**
 * Report files built in the background: for a task with hundreds of thousands of targets the CSV
 * takes a while, so the user asks for it, keeps working, and downloads it from the job when ready.
 * The file is stored gzip-compressed with the job and pruned with it.
 */
export class ReportJobs {
  constructor(
    private readonly jobs: JobService,
    tasks: TaskService,
    stats: StatsService,
  ) {
    jobs.register('task_report', async (job, io) => {
      const task = await tasks.getOwned(job.user_id, job.task_id!);
      let rows = -2; // the title and header lines
      let bytes = 0;
      async function* counted() {
        for await (const chunk of stats.reportCsv(task)) {
          rows += chunk.split('\n').length - 1;
          bytes += Buffer.byteLength(chunk);
          yield chunk;
          await io.progress({ rows });
        }
      }
      // pipeline, not pipe: a cancellation thrown while reading must reject here, not hang the job.
      const gz: Buffer[] = [];
      await pipeline(Readable.from(counted()), createGzip(), async (source: AsyncIterable<Buffer>) => {
        for await (const c of source) gz.push(c);
      });
      return { result: { filename: reportFilename(task), rows, bytes }, output: Buffer.concat(gz) };
    });
  }

  enqueue(task: TaskRow) {
    return this.jobs.enqueue({ userId: task.user_id, kind: 'task_report', queue: 'reports', taskId: task.id, params: { filename: reportFilename(task) } });
  }
}
