import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type {} from '../auth/request-user.js';
import type { AppContext } from '../app-context.js';
import { AppError } from '../shared/errors.js';
import { JOB_KINDS, JOB_STATUSES } from '../shared/enums.js';
import { csvArray, idParams } from '../tasks/task-schemas.js';
import { dbId } from '../shared/input-schemas.js';
import { jobErrorText, jobJson } from './job-json.js';
import { REPORT_CONTENT_TYPES, reportOptions, reportQuery } from '../stats/report-options.js';

const jobParams = z.object({ id: z.string().min(1) });
const listQuery = z.object({
  status: csvArray(z.enum(JOB_STATUSES)),
  kind: csvArray(z.enum(JOB_KINDS)),
  task_id: dbId('task_id').optional(),
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
});

/** The caller's background jobs: follow an import, download a report, cancel what has not finished. */
export async function jobRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['jobs'];

  app.get('/jobs', { schema: { tags, querystring: listQuery, summary: 'Background jobs (imports, reports, scheduled starts), newest first' } }, async (req) => {
    const q = req.query;
    const { items, total } = await ctx.jobs.store.list(req.user.userId, {
      status: q.status,
      kind: q.kind,
      taskId: q.task_id,
      limit: q.page_size,
      offset: (q.page - 1) * q.page_size,
    });
    return { items: items.map((j) => jobJson(j, req.lang)), total, page: q.page, page_size: q.page_size, pages: Math.ceil(total / q.page_size) };
  });

  app.get('/jobs/:id', { schema: { tags, params: jobParams, summary: 'One job: status, progress, result or the reason it failed' } }, async (req) =>
    jobJson(await ctx.jobs.getOwned(req.user.userId, req.params.id), req.lang),
  );

  app.post(
    '/jobs/:id/cancel',
    { schema: { tags, params: jobParams, summary: 'Cancel a queued or running job (a running import is rolled back)' } },
    async (req) => {
      const job = await ctx.jobs.cancel(req.user.userId, req.params.id);
      await ctx.audit.record(req.user.userId, 'job.cancel', 'job', job.id, { kind: job.kind });
      return jobJson(job, req.lang);
    },
  );

  app.get('/jobs/:id/download', { schema: { tags, params: jobParams, summary: "A finished report job's CSV file" } }, async (req, reply) => {
    const job = await ctx.jobs.getOwned(req.user.userId, req.params.id);
    if (job.kind !== 'task_report') throw new AppError(400, 'NOTHING_TO_DOWNLOAD', 'Only report jobs produce a file to download.');
    const output = job.status === 'COMPLETED' ? await ctx.jobs.store.output(req.user.userId, job.id) : null;
    if (!output) {
      throw new AppError(
        409,
        'NOT_READY',
        job.status === 'FAILED' ? `The report failed: ${job.error_message}` : `The report is not ready yet (${job.status}).`,
        undefined,
        job.status === 'FAILED'
          ? { key: 'NOT_READY.failed', params: { why: { ru: jobErrorText(job, 'ru') ?? '', en: jobErrorText(job, 'en') ?? '' } } }
          : { key: 'NOT_READY.pending', params: { job_status: job.status } },
      );
    }
    const filename = String((job.result as { filename?: string } | null)?.filename ?? `report-${job.id}.csv`);
    reply.header('content-type', REPORT_CONTENT_TYPES[filename.endsWith('.xlsx') ? 'xlsx' : 'csv']);
    reply.header('content-disposition', `attachment; filename="${filename.replace(/"/g, '')}"`);
    return reply.send(Readable.from([Buffer.from(output)]).pipe(createGunzip()));
  });

  app.post(
    '/tasks/:id/report/jobs',
    { schema: { tags, params: idParams, querystring: reportQuery, summary: "Build a task's report file (CSV or XLSX) in the background" } },
    async (req, reply) => {
      const task = await ctx.tasks.getOwned(req.user.userId, req.params.id);
      const job = await ctx.reportJobs.enqueue(task, reportOptions(req, req.query, ctx.config.limits.timeZone));
      return reply.status(202).send(jobJson(job, req.lang));
    },
  );
}
