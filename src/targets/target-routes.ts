import type {} from '../auth/request-user.js';
import { localiseReasonCounts, localiseRowErrors } from '../shared/localised.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { AppError } from '../shared/errors.js';
import { BULK_TARGET_ACTIONS, TARGET_STATUSES } from '../shared/enums.js';
import { csvArray, idParams, manualTargetSchema, targetParams } from '../tasks/task-schemas.js';
import { targetToJson } from './target-service.js';
import { dbIdStrict } from '../shared/input-schemas.js';

const listQuery = z.object({
  status: csvArray(z.enum(TARGET_STATUSES)),
  search: z.string().max(100).optional(),
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(50),
});

const updateBody = z
  .object({
    username: z.string().nullable().optional(),
    user_id: z.union([z.string(), z.number()]).nullable().optional(),
    phone: z.string().nullable().optional(),
    first_name: z.string().max(128).nullable().optional(),
    last_name: z.string().max(128).nullable().optional(),
  })
  .strict();

const bulkBody = z
  .object({
    action: z.enum(BULK_TARGET_ACTIONS),
    target_ids: z.array(dbIdStrict('target id')).max(10_000).optional(),
    statuses: z.array(z.enum(TARGET_STATUSES)).optional(),
  })
  .refine((v) => v.target_ids?.length || v.statuses?.length, { message: 'choose targets by target_ids or by statuses' });

export async function targetRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['targets'];

  app.post(
    '/tasks/:id/targets',
    { schema: { tags, params: idParams, body: z.object({ targets: z.array(manualTargetSchema).min(1).max(10_000) }) } },
    async (req, reply) => {
      const task = await ctx.tasks.getOwned(req.user.userId, req.params.id);
      const report = await ctx.targets.addInline(task.id, req.body.targets);
      if (report.imported && task.status === 'IN_PROGRESS') await ctx.accountManager.wake(req.user.userId);
      await ctx.audit.record(req.user.userId, 'targets.add', 'task', task.id, {
        given: req.body.targets.length,
        imported: report.imported,
        duplicates: report.duplicates,
        invalid: report.invalid,
        over_limit: report.over_limit,
      });
      return reply.status(201).send(localiseRowErrors(report, req.lang));
    },
  );

  app.get('/tasks/:id/targets', { schema: { tags, params: idParams, querystring: listQuery } }, async (req) => {
    const task = await ctx.tasks.getOwned(req.user.userId, req.params.id);
    return ctx.targets.list(task.id, req.query, req.lang);
  });

  app.get(
    '/tasks/:id/targets/stats',
    { schema: { tags, params: idParams, summary: 'The audience by status and source, refusal reasons, retries waiting' } },
    async (req) => {
      const task = await ctx.tasks.getOwned(req.user.userId, req.params.id);
      const stats = await ctx.targets.stats(task.id);
      return { ...stats, by_reason: localiseReasonCounts(stats.by_reason, req.lang) };
    },
  );

  app.put('/tasks/:id/targets/:tid', { schema: { tags, params: targetParams, body: updateBody } }, async (req) => {
    const task = await ctx.tasks.getOwned(req.user.userId, req.params.id);
    const row = await ctx.targets.update(task.id, req.params.tid, req.body);
    await ctx.audit.record(req.user.userId, 'target.update', 'target', row.id, { task_id: task.id, fields: Object.keys(req.body) });
    return targetToJson(row, req.lang);
  });

  app.delete('/tasks/:id/targets/:tid', { schema: { tags, params: targetParams } }, async (req, reply) => {
    const task = await ctx.tasks.getOwned(req.user.userId, req.params.id);
    await ctx.targets.delete(task.id, req.params.tid);
    await ctx.audit.record(req.user.userId, 'target.delete', 'target', req.params.tid, { task_id: task.id });
    return reply.status(204).send();
  });

  app.post('/tasks/:id/targets/bulk-action', { schema: { tags, params: idParams, body: bulkBody } }, async (req) => {
    const task = await ctx.tasks.getOwned(req.user.userId, req.params.id);
    if (req.body.action === 'reset' && ['COMPLETED', 'CANCELLED'].includes(task.status)) {
      throw new AppError(409, 'TASK_FINISHED', `Task "${task.name}" is ${task.status}; duplicate it to run these targets again.`, undefined, {
        key: 'TASK_FINISHED.targets',
        params: { name: task.name, status: task.status },
      });
    }
    const affected = await ctx.targets.bulkAction(task.id, req.body.action, { ids: req.body.target_ids, statuses: req.body.statuses });
    if (req.body.action === 'reset' && affected) await ctx.accountManager.wake(req.user.userId);
    await ctx.audit.record(req.user.userId, `targets.${req.body.action}`, 'task', task.id, {
      affected,
      ...(req.body.target_ids ? { target_ids: req.body.target_ids.slice(0, 1000) } : {}),
      ...(req.body.statuses ? { statuses: req.body.statuses } : {}),
    });
    return { action: req.body.action, affected };
  });
}
