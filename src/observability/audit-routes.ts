import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sql } from 'kysely';
import type {} from '../auth/request-user.js';
import type { AppContext } from '../app-context.js';
import { auditText } from './audit-text.js';

/** An entry's `entity_id` as the id of a row of `entity` (null for another entity, or an id that is not a number). */
const idOf = (entity: 'task' | 'account') => sql`CASE WHEN l.entity = ${entity} AND l.entity_id ~ '^[0-9]{1,9}$' THEN l.entity_id::int END`;

/** The caller's own audit trail: what they did, when, to which object. */
export async function auditRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        querystring: z.object({ page: z.coerce.number().int().min(1).default(1), page_size: z.coerce.number().int().min(1).max(100).default(50) }),
      },
    },
    async (req) => {
      const base = ctx.db.selectFrom('audit_log as l').where('l.user_id', '=', req.user.userId);
      const { total } = await base.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow();
      // The task or account an entry is about, by its current name (the user's own only: ids are not trusted across users).
      const rows = await base
        // (The id compared as a number, so each is a primary-key look-up.)
        .leftJoin('tasks as t', (j) => j.on(sql<boolean>`t.id = ${idOf('task')} AND t.user_id = l.user_id`))
        .leftJoin('accounts as a', (j) => j.on(sql<boolean>`a.id = ${idOf('account')} AND a.user_id = l.user_id`))
        .select(['l.id', 'l.action', 'l.entity', 'l.entity_id', 'l.details', 'l.created_at', 't.name as task_name', 'a.label as account_label'])
        // Gone: the name its deletion kept (the index audit_log_deletions finds that entry).
        .select(
          sql<string | null>`CASE WHEN t.id IS NULL AND a.id IS NULL AND l.entity IN ('task', 'account') THEN
            (SELECT d.details->>(CASE l.entity WHEN 'task' THEN 'name' ELSE 'label' END) FROM audit_log d
              WHERE d.user_id = l.user_id AND d.entity = l.entity AND d.entity_id = l.entity_id AND d.action IN ('task.delete', 'account.delete')
              ORDER BY d.id DESC LIMIT 1) END`.as('deleted_name'),
        )
        .orderBy('l.id', 'desc')
        .limit(req.query.page_size)
        .offset((req.query.page - 1) * req.query.page_size)
        .execute();
      return {
        items: rows.map((r) => ({
          id: r.id,
          action: r.action,
          entity: r.entity,
          entity_id: r.entity_id,
          details: r.details,
          // What happened, in the reader's language; `exists`: the task or account is still there to open.
          text: auditText(r, req.lang),
          exists: r.task_name !== null || r.account_label !== null,
          created_at: r.created_at.toISOString(),
        })),
        total,
        page: req.query.page,
        page_size: req.query.page_size,
        pages: Math.ceil(total / req.query.page_size),
      };
    },
  );
}
