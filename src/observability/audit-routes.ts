import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sql } from 'kysely';
import type {} from '../auth/request-user.js';
import type { AppContext } from '../app-context.js';

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
      const base = ctx.db.selectFrom('audit_log').where('user_id', '=', req.user.userId);
      const { total } = await base.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow();
      const rows = await base
        .selectAll()
        .orderBy('id', 'desc')
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
