import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type {} from '../auth/request-user.js';
import type {} from '../http/request-lang.js';
import type { AppContext } from '../app-context.js';
import { idParams } from '../tasks/task-schemas.js';
import { notificationJson } from './notification-service.js';

const listQuery = z.object({
  unread: z.enum(['true', 'false']).default('false'),
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
});
const webhookBody = z.object({
  url: z.string().trim().min(1).max(2000),
  enabled: z.boolean().default(true),
});

/** The caller's notifications (the bell and its panel) and webhook settings. Every text is in the request's language. */
export async function notificationRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['notifications'];

  app.get('/notifications', { schema: { tags, querystring: listQuery, summary: 'Notifications, unread first, then newest first' } }, async (req) => {
    const q = req.query;
    const page = await ctx.notifications.list(req.user.userId, { unreadOnly: q.unread === 'true', limit: q.page_size, offset: (q.page - 1) * q.page_size });
    return {
      items: page.items.map((n) => notificationJson(n, req.lang)),
      total: page.total,
      unread: page.unread,
      latest_unread_id: page.latest_unread_id,
      page: q.page,
      page_size: q.page_size,
      pages: Math.ceil(page.total / q.page_size),
    };
  });

  app.get(
    '/notifications/unread-count',
    { schema: { tags, summary: 'How many notifications are unread, and the newest unread one (cheap; the page polls it)' } },
    async (req) => {
      const count = await ctx.notifications.unreadCount(req.user.userId);
      const latest = count.latest_unread_id === null ? undefined : await ctx.notifications.latestUnread(req.user.userId);
      return { ...count, latest: latest ? notificationJson(latest, req.lang) : null };
    },
  );

  app.post('/notifications/:id/read', { schema: { tags, params: idParams, summary: 'Mark one notification read' } }, async (req) =>
    notificationJson(await ctx.notifications.markRead(req.user.userId, req.params.id), req.lang),
  );

  app.post('/notifications/read-all', { schema: { tags, summary: 'Mark every notification read' } }, async (req) => ({
    marked: await ctx.notifications.markAllRead(req.user.userId),
  }));

  app.get('/notifications/webhook', { schema: { tags, summary: 'Webhook settings (never the secret) and the latest delivery attempts' } }, async (req) =>
    ctx.webhooks.get(req.user.userId, req.lang),
  );

  app.put(
    '/notifications/webhook',
    { schema: { tags, body: webhookBody, summary: 'Save the webhook URL and switch; the first save returns the signing secret, once' } },
    async (req, reply) => {
      const saved = await ctx.webhooks.save(req.user.userId, req.body, req.lang);
      await ctx.audit.record(req.user.userId, saved.created ? 'webhook.create' : 'webhook.update', 'webhook', null, {
        host: new URL(saved.settings.url!).host,
        enabled: saved.settings.enabled,
      });
      return reply.status(saved.created ? 201 : 200).send({ ...saved.settings, ...(saved.secret ? { secret: saved.secret } : {}) });
    },
  );

  app.post(
    '/notifications/webhook/rotate-secret',
    { schema: { tags, summary: 'A new signing secret (the old one stops working); returned once' } },
    async (req) => {
      const rotated = await ctx.webhooks.rotateSecret(req.user.userId);
      await ctx.audit.record(req.user.userId, 'webhook.rotate_secret', 'webhook', null, {});
      return { ...rotated.settings, secret: rotated.secret };
    },
  );

  app.delete('/notifications/webhook', { schema: { tags, summary: 'Remove the webhook' } }, async (req, reply) => {
    await ctx.webhooks.remove(req.user.userId);
    await ctx.audit.record(req.user.userId, 'webhook.delete', 'webhook', null, {});
    return reply.status(204).send();
  });

  app.post('/notifications/webhook/test', { schema: { tags, summary: 'Send a signed test event now; answers how the attempt went' } }, async (req) =>
    ctx.webhooks.test(req.user.userId, req.lang),
  );
}
