import type {} from '../auth/request-user.js';
import { localiseReasonCounts, localiseRowErrors } from '../shared/localised.js';
import { renderStoredReason, renderTargetReason } from '../shared/messages.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { AppError } from '../shared/errors.js';
import { LOG_RESULTS } from '../shared/enums.js';
import { autoTaskName } from '../shared/messages.js';
import { TaskReadiness } from './task-readiness.js';
import { taskListResponse, taskStatusResponse } from './task-responses.js';
import { taskPageJson } from './task-list-json.js';
import { bulkTasksSchema, createTaskSchema, csvArray, idParams, listTasksQuery, updateTaskSchema } from './task-schemas.js';
import type { TaskRow } from '../db/schema.js';
import { REPORT_CONTENT_TYPES, reportFileName, reportOptions, reportQuery } from '../stats/report-options.js';
import { deleteTask } from './task-deletion.js';

const logsQuery = z.object({
  result: csvArray(z.enum(LOG_RESULTS)),
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(50),
});

export async function taskRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['tasks'];

  app.post(
    '/tasks',
    { schema: { tags, body: createTaskSchema, summary: 'Create a task (optionally with an inline audience, optionally starting it)' } },
    async (req, reply) => {
      const user = req.user.userId;
      const input = req.body;
      // The group, so the list and the task show its title instead of the link and imports skip people already
      // invited into it, before the start checks again (a group that cannot be resolved now keeps its link).
      const group = input.type === 'invite_to_group' ? await ctx.groupCheck.identify(user, input.target_group!, ctx.config.platformMode) : null;
      let name = input.name;
      if (!name) {
        // In the user's language, dated in the user's time zone (the UI sends it), so two campaigns into one group differ.
        const tz = req.timeZone ?? ctx.config.limits.timeZone;
        name =
          input.type === 'invite_to_group'
            ? autoTaskName(req.lang, { group: group?.title ?? input.target_group! }, ctx.clock.now(), tz)
            : autoTaskName(req.lang, { template: input.message_template! }, ctx.clock.now(), tz);
      }
      // Someone else's account among the chosen is a wrong field (400), not a reason the task cannot start.
      await ctx.tasks.checkChosenAccounts(user, input.account_ids);
      // With `draft` given, the start's conditions are checked first: refused (nothing created) or kept on the draft.
      const problems = input.draft === undefined ? [] : await ctx.taskReadiness.problems(user, input, ctx.config.platformMode);
      if (problems.length && !input.draft) throw TaskReadiness.refusal(problems, req.lang);
      const task = await ctx.tasks.create(user, input, name, group);
      await ctx.audit.record(user, 'task.create', 'task', task.id, { type: task.type, ...(input.draft ? { draft: true } : {}) });
      // The audience is counted live; the group and admin reasons need the platform, so they are stored.
      const stored = TaskReadiness.storedReason(problems);
      if (input.draft && stored) await ctx.taskReadiness.markDraft(task.id, stored);
      const importReport = input.targets?.length ? await ctx.targets.addInline(task.id, input.targets) : null;
      if (importReport)
        await ctx.audit.record(user, 'targets.add', 'task', task.id, {
          given: input.targets!.length,
          imported: importReport.imported,
          duplicates: importReport.duplicates,
          invalid: importReport.invalid,
          over_limit: importReport.over_limit,
        });
      let current: TaskRow = task;
      let startError: { error: string; message: string } | null = null;
      if (input.start && !input.draft) {
        try {
          current = await ctx.lifecycle.start(user, task.id);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          startError = { error: err.code, message: err.text(req.lang) };
        }
      }
      if (input.draft) current = await ctx.tasks.getOwned(user, task.id);
      return reply.status(201).send({
        ...(await ctx.tasks.toJson(current, req.lang)),
        why: await ctx.taskWhy.forTask(current, req.lang, req.timeZone),
        import: importReport && localiseRowErrors(importReport, req.lang),
        start_error: startError,
      });
    },
  );

  app.get(
    '/tasks',
    { schema: { tags, querystring: listTasksQuery, response: { 200: taskListResponse }, summary: 'List tasks with filters, sorting and pagination' } },
    async (req, reply) => {
      // Written as text (the schema above still describes it): see taskPageJson.
      const page = await ctx.tasks.listPage(req.user.userId, req.query);
      const whys = await ctx.taskWhy.forList(page.rows, req.lang, req.timeZone);
      return reply.type('application/json; charset=utf-8').send(taskPageJson(page, req.query, req.lang, whys) as never);
    },
  );

  app.get('/tasks/:id', { schema: { tags, params: idParams } }, async (req) => {
    const task = await ctx.tasks.getOwned(req.user.userId, req.params.id);
    // `why`: why it is not acting now (src/tasks/task-why.ts), in the reader's language.
    const json = await ctx.tasks.toJson(task, req.lang);
    return { ...json, why: await ctx.taskWhy.forTask(task, req.lang, req.timeZone, json.counters) };
  });

  app.put('/tasks/:id', { schema: { tags, params: idParams, body: updateTaskSchema } }, async (req) => {
    const user = req.user.userId;
    const newGroup = req.body.target_group;
    // Read once, for the checks below and those of chooseAccounts and update.
    const before = await ctx.tasks.getOwned(user, req.params.id);
    const group = newGroup && newGroup !== before.target_group ? await ctx.groupCheck.identify(user, newGroup, before.platform_mode) : null;
    if (req.body.account_ids !== undefined) await ctx.lifecycle.chooseAccounts(user, before, req.body.account_ids);
    let row = await ctx.tasks.update(user, before, req.body, group);
    // A task not started yet says why it could not start; a new group or a new choice of accounts changes that.
    if (before.target_group !== row.target_group || String(before.account_ids) !== String(row.account_ids)) row = await ctx.taskReadiness.recheck(user, row);
    // A new time (or priority) for a task that is waiting to start moves its start job (to its invite queue).
    if (row.status === 'SCHEDULED' && (req.body.scheduled_at !== undefined || req.body.priority !== undefined)) await ctx.scheduledStarts.schedule(row);
    await ctx.audit.record(req.user.userId, 'task.update', 'task', row.id, { fields: Object.keys(req.body) });
    return ctx.tasks.toJson(row, req.lang);
  });

  app.delete('/tasks/:id', { schema: { tags, params: idParams } }, async (req, reply) => {
    await deleteTask(ctx.tasks, ctx.audit, req.user.userId, req.params.id);
    return reply.status(204).send();
  });

  app.post('/tasks/:id/duplicate', { schema: { tags, params: idParams } }, async (req, reply) => {
    const copy = await ctx.tasks.duplicate(req.user.userId, req.params.id, req.lang);
    await ctx.audit.record(req.user.userId, 'task.duplicate', 'task', copy.id, { from: req.params.id });
    return reply.status(201).send(await ctx.tasks.toJson(copy, req.lang));
  });

  app.post(
    '/tasks/bulk',
    { schema: { tags, body: bulkTasksSchema, summary: 'Apply one action to many tasks; each id reports its own outcome' } },
    async (req) => ctx.taskBulk.apply(req.user.userId, req.body.action, req.body.task_ids, req.body.priority, req.lang),
  );

  for (const action of ['start', 'pause', 'resume', 'cancel'] as const) {
    app.post(`/tasks/:id/${action}`, { schema: { tags, params: idParams, summary: `${action} a task (409 with the reason when not allowed)` } }, async (req) =>
      ctx.tasks.toJson(await ctx.lifecycle[action](req.user.userId, req.params.id), req.lang),
    );
  }
  // The specification's name for start.
  app.post('/tasks/:id/execute', { schema: { tags, params: idParams, summary: 'Same as start' } }, async (req) =>
    ctx.tasks.toJson(await ctx.lifecycle.start(req.user.userId, req.params.id), req.lang),
  );

  app.get(
    '/tasks/:id/accounts',
    { schema: { tags, params: idParams, summary: 'The accounts this task may use, with usage against every limit and why each is or is not eligible' } },
    async (req) =>
      ctx.taskWhy.accountsPanel(await ctx.taskAccounts.list(req.user.userId, await ctx.tasks.getOwned(req.user.userId, req.params.id)), req.lang, req.timeZone),
  );

  app.post(
    '/tasks/:id/test-invite',
    {
      schema: {
        tags,
        params: idParams,
        body: z.object({ username: z.string().trim().min(1, 'give a username like @jane_doe').max(100) }).strict(),
        summary: 'One invite (or message) to the given username now, through the Account Manager with every check; it counts toward the limits',
      },
    },
    async (req) => {
      const result = await ctx.taskAccounts.testInvite(req.user.userId, req.params.id, req.body.username);
      await ctx.audit.record(req.user.userId, 'task.test_invite', 'task', req.params.id, {
        target: result.target.id,
        outcome: result.outcome,
        account: result.account.id,
      });
      // The refusal's reason in the reader's language (the log keeps Telegram's English sentence).
      return { ...result, message: renderTargetReason(result.error_code, result.message, req.lang) };
    },
  );

  app.get(
    '/tasks/:id/status',
    { schema: { tags, params: idParams, response: { 200: taskStatusResponse }, summary: 'Light-weight progress for polling' } },
    async (req) => {
      const { task, counters, eligibleAccounts, hasUsableAccount } = await ctx.tasks.getOwnedForStatus(req.user.userId, req.params.id);
      return {
        id: task.id,
        status: task.status,
        status_reason: renderStoredReason(task.status_reason, task.status_reason_params, req.lang),
        platform_mode: task.platform_mode,
        sandbox: task.platform_mode === 'sandbox',
        counters,
        eta_seconds: await ctx.stats.etaSeconds(task, counters, eligibleAccounts),
        why: await ctx.taskWhy.forTask(task, req.lang, req.timeZone, { pending: counters.pending, hasUsableAccount }),
        updated_at: task.updated_at.toISOString(),
      };
    },
  );

  app.get('/tasks/:id/stats', { schema: { tags, params: idParams } }, async (req) => {
    const task = await ctx.tasks.getOwned(req.user.userId, req.params.id);
    const stats = await ctx.stats.stats(task, await ctx.tasks.counters(task.id), req.timeZone ?? ctx.config.limits.timeZone);
    // Reasons are said from their codes in the reader's language.
    return {
      ...stats,
      skipped_by_reason: localiseReasonCounts(stats.skipped_by_reason, req.lang),
      failed_by_reason: localiseReasonCounts(stats.failed_by_reason, req.lang),
    };
  });

  app.get(
    '/tasks/:id/report',
    {
      schema: {
        tags,
        params: idParams,
        querystring: reportQuery,
        summary: 'Every target and its outcome: CSV (UTF-8 with BOM, `,` or `;`) or XLSX with a summary sheet, in the reader’s language and time zone',
      },
    },
    async (req, reply) => {
      const task = await ctx.tasks.getOwned(req.user.userId, req.params.id);
      const options = reportOptions(req, req.query, ctx.config.limits.timeZone);
      const counters = await ctx.tasks.counters(task.id);
      reply.header('content-type', REPORT_CONTENT_TYPES[options.format]);
      reply.header('content-disposition', `attachment; filename="${reportFileName(task, options.format)}"`);
      return reply.send(ctx.stats.report(task, counters, options));
    },
  );

  app.get('/tasks/:id/logs', { schema: { tags, params: idParams, querystring: logsQuery } }, async (req) => {
    const task = await ctx.tasks.getOwned(req.user.userId, req.params.id);
    return ctx.stats.logs(task, req.query, req.lang);
  });

  app.get('/dashboard/summary', { schema: { tags: ['dashboard'] } }, async (req) => ({
    platform_mode: ctx.config.platformMode,
    sandbox: ctx.config.platformMode === 'sandbox',
    ...(await ctx.stats.dashboard(req.user.userId, req.timeZone ?? ctx.config.limits.timeZone)),
  }));
}
