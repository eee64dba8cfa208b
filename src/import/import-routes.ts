import type {} from '../auth/request-user.js';
import { renderMessage } from '../shared/messages.js';
import { localiseRowErrors } from '../shared/localised.js';
import type {} from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { AppError } from '../shared/errors.js';
import { ImportFormatError, type SourceRow } from './parsers/record-stream.js';
import { asMalformed, fileRows, readableFailures } from './file-rows.js';
import { importableTask } from './import-jobs.js';
import { jobJson } from '../jobs/job-json.js';
import { normaliseParsingItem } from './parsing-service-client.js';
import { normaliseRecord } from './row-normaliser.js';
import { linkedPlatformUserId } from '../auth/platform-identity.js';
import { maskPhone } from '../targets/identity.js';
import type { TaskRow } from '../db/schema.js';
import type { PreviewSkip } from './import-service.js';
import { scopeOfTask, type HygieneScope } from '../hygiene/audience-hygiene.js';
import { INT4_MAX, dbId, dbIdStrict } from '../shared/input-schemas.js';

const groupKeySchema = z.string().trim().min(1).max(200);

/** Audience hygiene for a dry run: the task's owner and group when there is a task, else the caller and the group given. */
const hygieneScope = (userId: number, task: TaskRow | null, groupKey: string | undefined): HygieneScope =>
  task
    ? { ...scopeOfTask(task), groupKey: scopeOfTask(task).groupKey ?? (task.type === 'invite_to_group' ? (groupKey ?? null) : null) }
    : { userId, groupKey: groupKey ?? null };

const fileQuery = z.object({
  task_id: dbId('task_id').optional(),
  dry_run: z.enum(['true', 'false', '1', '0']).optional(),
  background: z.enum(['true', 'false', '1', '0']).optional(),
  /** With background: start the task once the import has finished. */
  start: z.enum(['true', 'false', '1', '0']).optional(),
  /** Dry run without a task: the group (key from the admin check) whose ledger the preview counts against. */
  group_key: groupKeySchema.optional(),
});
const isOn = (v: string | undefined) => v === 'true' || v === '1';

export async function importRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['import'];

  const taskFor = async (userId: number, taskId: number | undefined) => (taskId === undefined ? null : importableTask(ctx.tasks, userId, taskId));

  app.post(
    '/import/file',
    {
      schema: {
        tags,
        querystring: fileQuery,
        consumes: ['multipart/form-data'],
        summary: 'Import an audience file (CSV, XLSX, JSON, TXT) into a task, or validate it (dry run)',
      },
    },
    async (req, reply) => {
      if (!req.isMultipart()) throw new AppError(400, 'NOT_MULTIPART', 'Upload the file as multipart/form-data in a field named "file".');
      const declared = Number(req.headers['content-length'] ?? 0);
      // Refuse early when the size is known, so nothing is read or written for an oversized upload.
      if (declared > ctx.config.maxImportFileBytes + 64 * 1024) throw tooLarge(ctx.config.maxImportFileBytes);
      const file = await req.file();
      if (!file) throw new AppError(400, 'NO_FILE', 'No file was uploaded: send it in a form field named "file".');
      // Cleaned of control characters by the upload guard (src/http/input-guards.ts) before it is shown and stored.
      const filename = file.filename;
      const field = (name: string) => {
        const f = file.fields[name];
        const v = Array.isArray(f) ? f[0] : f;
        return v && 'value' in v ? String(v.value) : undefined;
      };
      const taskIdRaw = req.query.task_id ?? (field('task_id') ? Number(field('task_id')) : undefined);
      if (taskIdRaw !== undefined && !(Number.isInteger(taskIdRaw) && taskIdRaw > 0 && taskIdRaw <= INT4_MAX))
        throw new AppError(400, 'INVALID_TASK_ID', `task_id must be a positive number of at most ${INT4_MAX}.`, undefined, { params: { max: INT4_MAX } });
      const dryRun = isOn(req.query.dry_run ?? field('dry_run')) || taskIdRaw === undefined;
      const task = await taskFor(req.user.userId, taskIdRaw);
      try {
        if (isOn(req.query.background ?? field('background'))) {
          if (!task || dryRun) throw backgroundNeedsTask();
          const bytes = await file.toBuffer();
          if (bytes.length === 0) throw new ImportFormatError('The file is empty.', { key: 'MALFORMED_FILE.empty' });
          const job = await ctx.importJobs.enqueueFile(task, { bytes, filename, mimetype: file.mimetype }, isOn(req.query.start ?? field('start')));
          await ctx.audit.record(req.user.userId, 'import.file.queued', 'task', task.id, { job: job.id, bytes: bytes.length });
          return reply.status(202).send(jobJson(job, req.lang));
        }
        const { format, encoding, rows, notes } = await fileRows(file.file, filename, file.mimetype, ctx.config.importLimits);
        // The size limit truncates the upload; failing at the end of the rows lets the importer roll back what it wrote.
        async function* untilTruncated() {
          yield* readableFailures(rows);
          if (file!.file.truncated) throw tooLarge(ctx.config.maxImportFileBytes);
        }
        const groupKey = req.query.group_key ?? field('group_key')?.trim().slice(0, 200);
        const report = await ctx.importer.run(untilTruncated(), {
          taskId: task?.id ?? null,
          source: 'FILE_UPLOAD',
          dryRun,
          hygiene: dryRun ? hygieneScope(req.user.userId, task, groupKey || undefined) : undefined,
          room: dryRun ? await ctx.targets.room(task?.id ?? null) : undefined,
        });
        if (!dryRun && task && report.imported && task.status === 'IN_PROGRESS') await ctx.accountManager.wake(req.user.userId);
        if (!dryRun && task) await ctx.audit.record(req.user.userId, 'import.file', 'task', task.id, { format, imported: report.imported });
        // The notes are complete now that every row has been read.
        const said = notes.map((n) => ({ code: n.code, message: n.text[req.lang] }));
        return localiseRowErrors({ format, encoding, filename, ...report, notes: said }, req.lang);
      } catch (err) {
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(ctx.config.maxImportFileBytes);
        if (err instanceof ImportFormatError) throw asMalformed(err);
        throw err;
      }
    },
  );

  app.get(
    '/import/parsing/bases',
    { schema: { tags, summary: "The caller's Parsing Service bases (empty ones listed as not importable, with why)" } },
    async (req) => ({
      // The client says why an empty base cannot be imported in English; the reader gets it in their language.
      items: (await ctx.parsing.listBases(linkedPlatformUserId(req.user.userId))).map((b) => ({
        ...b,
        disabled_reason: b.importable ? null : renderMessage('PARSING_BASE.empty', req.lang),
      })),
    }),
  );

  app.get(
    '/import/parsing/bases/:base/preview',
    {
      schema: {
        tags,
        summary: 'The first contacts of a Parsing Service base, normalised as an import would, with the base total',
        params: z.object({ base: z.string().trim().min(1).max(200) }),
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(100, 'limit can be at most 100').default(10),
          /** The group (key from the admin check) whose ledger the shown contacts are checked against. */
          group_key: groupKeySchema.optional(),
          /** Adding to an existing task: its room and its group's ledger instead of a new task's. */
          task_id: dbId('task_id').optional(),
        }),
      },
    },
    async (req) => {
      const task = await taskFor(req.user.userId, req.query.task_id);
      const { total, items } = await ctx.parsing.preview(linkedPlatformUserId(req.user.userId), req.params.base, req.query.limit);
      const rows = items.map((item) => normaliseParsingItem(item as Record<string, unknown>));
      const valid = rows.flatMap((r) => (r.ok ? [r] : []));
      const blocked = await ctx.targets.classify(hygieneScope(req.user.userId, task, req.query.group_key), valid);
      // What the import will do with each contact shown, as the file's dry run marks its rows (ImportReport.preview).
      const held = task
        ? await ctx.targets.heldBy(
            task.id,
            valid.map((r) => r.key),
          )
        : new Set<string>();
      const seen = new Set<string>();
      const skips = rows.map((row): PreviewSkip | null => {
        if (!row.ok) return null;
        if (seen.has(row.key)) return 'REPEATED';
        seen.add(row.key);
        return held.has(row.key) ? 'IN_TASK' : (blocked.get(row.key)?.code ?? null);
      });
      return {
        parsing_task_id: req.params.base,
        total,
        // How many people the task (or a new task: MAX_TARGETS_PER_TASK) takes: the form says so when the base holds more.
        room: await ctx.targets.room(task?.id ?? null),
        // Audience hygiene among the contacts shown (a full count comes with the import's dry run or report).
        already_invited: skips.filter((c) => c === 'ALREADY_INVITED').length,
        do_not_contact: skips.filter((c) => c === 'DO_NOT_CONTACT').length,
        items: rows.map((row, i) =>
          row.ok
            ? {
                row: i + 1,
                valid: true,
                username: row.target.username,
                user_id: row.target.user_id_platform,
                phone_masked: maskPhone(row.target.phone),
                first_name: row.target.first_name,
                last_name: row.target.last_name,
                skip: skips[i],
              }
            : { row: i + 1, valid: false, reason: row.text[req.lang] },
        ),
      };
    },
  );

  app.post(
    '/import/parsing',
    {
      schema: {
        tags,
        summary: 'Import a Parsing Service base into a task (or dry run)',
        body: z.object({
          task_id: dbIdStrict('task_id').optional(),
          parsing_task_id: z.union([z.string().min(1), z.number()]).transform(String),
          limit: z.number().int().positive().max(1_000_000).optional(),
          dry_run: z.boolean().default(false),
          /** Import a large base as a background job: the answer is 202 with the job to follow. */
          background: z.boolean().default(false),
          /** With background: start the task once the import has finished. */
          start: z.boolean().default(false),
          /** Dry run without a task: the group (key from the admin check) whose ledger the counts use. */
          group_key: groupKeySchema.optional(),
        }),
      },
    },
    async (req, reply) => {
      const task = await taskFor(req.user.userId, req.body.task_id);
      if (req.body.background) {
        if (!task || req.body.dry_run) throw backgroundNeedsTask();
        const job = await ctx.importJobs.enqueueParsing(task, req.body.parsing_task_id, req.body.limit, req.body.start);
        await ctx.audit.record(req.user.userId, 'import.parsing.queued', 'task', task.id, { job: job.id, base: req.body.parsing_task_id });
        return reply.status(202).send(jobJson(job, req.lang));
      }
      const dryRun = req.body.dry_run || !task;
      const rows = ctx.parsing.results(linkedPlatformUserId(req.user.userId), req.body.parsing_task_id, 500, req.body.limit ?? Infinity);
      const report = await ctx.importer.run(rows, {
        taskId: task?.id ?? null,
        source: 'PARSING_IMPORT',
        dryRun,
        normalise: normaliseParsingItem,
        hygiene: dryRun ? hygieneScope(req.user.userId, task, req.body.group_key) : undefined,
        room: dryRun ? await ctx.targets.room(task?.id ?? null) : undefined,
      });
      if (!dryRun && task) {
        if (report.imported && task.status === 'IN_PROGRESS') await ctx.accountManager.wake(req.user.userId);
        await ctx.audit.record(req.user.userId, 'import.parsing', 'task', task.id, { base: req.body.parsing_task_id, imported: report.imported });
      }
      return localiseRowErrors({ parsing_task_id: req.body.parsing_task_id, ...report }, req.lang);
    },
  );

  app.post(
    '/import/validate',
    {
      schema: {
        tags,
        summary: 'Validate and normalise rows without saving them',
        body: z.object({
          rows: z
            .array(z.union([z.string(), z.number(), z.record(z.string(), z.unknown())]))
            .min(1)
            .max(100_000),
          /** Count people already invited into this group (key from the admin check) and on the do-not-contact list. */
          group_key: groupKeySchema.optional(),
        }),
      },
    },
    async (req) => {
      async function* source() {
        yield req.body.rows.map((r, i): SourceRow => ({ rowNumber: i + 1, record: typeof r === 'number' ? String(r) : r }));
      }
      const report = await ctx.importer.run(source(), {
        taskId: null,
        source: 'MANUAL',
        dryRun: true,
        normalise: normaliseRecord,
        hygiene: { userId: req.user.userId, groupKey: req.body.group_key ?? null },
        room: await ctx.targets.room(null),
      });
      return localiseRowErrors(report, req.lang);
    },
  );
}

function backgroundNeedsTask() {
  return new AppError(400, 'BACKGROUND_NEEDS_TASK', 'A background import writes into a task: give task_id (and no dry_run).');
}

function tooLarge(limit: number) {
  const mb = Math.round((limit / 1024 / 1024) * 10) / 10;
  return new AppError(413, 'FILE_TOO_LARGE', `The file is larger than the ${mb} MB limit; split it into smaller files.`, undefined, {
    key: 'FILE_TOO_LARGE.limit',
    params: { mb },
  });
}
