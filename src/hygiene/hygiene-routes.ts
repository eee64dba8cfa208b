import type {} from '../auth/request-user.js';
import { localiseRowErrors } from '../shared/localised.js';
import type {} from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { AppError } from '../shared/errors.js';
import { KNOWN_ERRORS } from '../platform/platform-error.js';
import { ImportFormatError, type SourceRow } from '../import/parsers/record-stream.js';
import { asMalformed, fileRows, readableFailures } from '../import/file-rows.js';
import { normaliseRecord } from '../import/row-normaliser.js';
import { DoNotContactService } from './do-not-contact.js';
import { REFUSAL_CODES } from './retryable.js';
import { RetryFailed } from './retry-failed.js';

const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
/** Refusal codes a task's people can be added to the list by: the person-level outcomes platform-error.ts knows. */
const TARGET_CODES = Object.entries(KNOWN_ERRORS)
  .filter(([, k]) => k.kind === 'TARGET')
  .map(([c]) => c) as [string, ...string[]];

const listQuery = z.object({
  search: z.string().trim().max(100).optional(),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  page_size: z.coerce.number().int().min(1).max(200).default(50),
});

/**
 * Audience hygiene: the do-not-contact list (by hand, from a file, from a task's refusals; list, search, remove)
 * and "retry the failures" of a task. Thin routes: the rules live in the services; every list is the caller's own.
 */
export async function hygieneRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['audience hygiene'];
  const dnc = new DoNotContactService(ctx.db, ctx.clock);
  const retry = new RetryFailed(ctx.db, ctx.clock);

  app.get(
    '/do-not-contact',
    { schema: { tags, querystring: listQuery, summary: 'Your do-not-contact list, newest first, with search and paging' } },
    async (req) => dnc.list(req.user.userId, req.query),
  );

  app.post(
    '/do-not-contact',
    {
      schema: {
        tags,
        summary: 'Add people by hand: usernames, @names, t.me links, user ids or +phones',
        body: z
          .object({
            // An entry too long to be anyone is refused on its own line by the reader below, with the rest added.
            entries: z
              .array(z.union([z.string().max(10_000), z.number()]))
              .min(1, 'give at least one username, id or phone')
              .max(10_000),
            note: z.string().trim().max(200).optional(),
          })
          .strict(),
      },
    },
    async (req, reply) => {
      const rows: SourceRow[] = req.body.entries.map((e, i) => ({ rowNumber: i + 1, record: String(e) }));
      const report = await dnc.addRows(req.user.userId, [rows], normaliseRecord, { source: 'MANUAL', note: req.body.note ?? null });
      await ctx.audit.record(req.user.userId, 'dnc.add', 'do_not_contact', null, { source: 'MANUAL', added: report.added });
      return reply.status(201).send(localiseRowErrors(report, req.lang));
    },
  );

  app.post(
    '/do-not-contact/file',
    {
      schema: { tags, consumes: ['multipart/form-data'], summary: 'Add people from a file (CSV, XLSX, JSON, TXT), read like an audience import' },
    },
    async (req, reply) => {
      if (!req.isMultipart()) throw new AppError(400, 'NOT_MULTIPART', 'Upload the file as multipart/form-data in a field named "file".');
      const file = await req.file();
      if (!file) throw new AppError(400, 'NO_FILE', 'No file was uploaded: send it in a form field named "file".');
      try {
        const { format, rows } = await fileRows(file.file, file.filename, file.mimetype);
        const report = await dnc.addRows(req.user.userId, readableFailures(rows), normaliseRecord, {
          source: 'FILE',
          note: file.filename?.slice(0, 200) ?? null,
        });
        if (file.file.truncated) throw new AppError(413, 'FILE_TOO_LARGE', 'The file is larger than this server accepts; split it into smaller files.');
        await ctx.audit.record(req.user.userId, 'dnc.add', 'do_not_contact', null, { source: 'FILE', format, added: report.added });
        return reply.status(201).send(localiseRowErrors({ format, filename: file.filename, ...report }, req.lang));
      } catch (err) {
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE')
          throw new AppError(413, 'FILE_TOO_LARGE', 'The file is larger than this server accepts; split it into smaller files.');
        if (err instanceof ImportFormatError) throw asMalformed(err);
        throw err;
      }
    },
  );

  app.post(
    '/do-not-contact/from-task',
    {
      schema: {
        tags,
        summary: "Add a task's people who refused (by default: privacy settings, mutual contacts only, blocked the account, removed by an admin)",
        body: z
          .object({
            task_id: z.number().int().positive().max(2_147_483_647),
            codes: z.array(z.enum(TARGET_CODES)).min(1).max(TARGET_CODES.length).optional(),
          })
          .strict(),
      },
    },
    async (req, reply) => {
      const task = await ctx.tasks.getOwned(req.user.userId, req.body.task_id);
      const codes = req.body.codes ?? REFUSAL_CODES;
      const report = await dnc.addFromTask(req.user.userId, task.id, codes);
      await ctx.audit.record(req.user.userId, 'dnc.add', 'do_not_contact', null, { source: 'TASK', task: task.id, codes, added: report.added });
      return reply.status(201).send({ task_id: task.id, codes, ...report });
    },
  );

  app.delete('/do-not-contact/:id', { schema: { tags, params: idParams, summary: 'Remove one person from the list' } }, async (req, reply) => {
    await dnc.remove(req.user.userId, req.params.id);
    await ctx.audit.record(req.user.userId, 'dnc.remove', 'do_not_contact', req.params.id);
    return reply.status(204).send();
  });

  app.post(
    '/tasks/:id/retry-failed',
    {
      schema: {
        tags,
        params: idParams,
        summary: "A new task from this task's failed and retryable people only (network and unknown failures)",
        body: z
          .object({ lang: z.enum(['ru', 'en']).optional() })
          .strict()
          .nullish(),
      },
    },
    async (req, reply) => {
      const src = await ctx.tasks.getOwned(req.user.userId, req.params.id);
      const lang = req.body?.lang ?? (/^en\b/i.test(String(req.headers['accept-language'] ?? '')) ? 'en' : 'ru');
      const result = await retry.create(src, lang === 'en' ? 'Retry: ' : 'Повтор: ');
      await ctx.audit.record(req.user.userId, 'task.retry_failed', 'task', result.task.id, {
        from: src.id,
        carried_over: result.carried_over,
        left_out: result.left_out,
      });
      return reply.status(201).send({
        ...(await ctx.tasks.toJson(result.task, req.lang)),
        retry_of: src.id,
        carried_over: result.carried_over,
        left_out: result.left_out,
        left_out_by_reason: result.left_out_by_reason,
      });
    },
  );
}
