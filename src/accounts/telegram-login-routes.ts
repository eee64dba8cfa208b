import type {} from '../auth/request-user.js';
import { langFromHeader } from '../shared/messages.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { idParams } from '../tasks/task-schemas.js';
import { LoginError, proxyInput } from './telegram-login.js';

const attemptParams = z.object({ attempt: z.string().min(1).max(64) });
/** The SOCKS proxy the login and then the account go through (parsed by proxyInput, so its refusal is said at `proxy`). */
export const proxyBody = z.string().max(500).nullable().optional();

/**
 * Connecting a Telegram account from the web UI (/api/v1/invite/accounts/login/…): by phone (code, then the
 * 2FA password if the account has one) or by QR code, plus the account health check. Refusals a person can fix
 * answer {error, message, field} with field = phone | code | password (or null). In the sandbox these answer 409:
 * simulated accounts are added directly.
 */
export async function telegramLoginRoutes(root: FastifyInstance, ctx: AppContext) {
  await root.register(async (scope) => {
    scope.setErrorHandler((err, req, reply) => {
      if (err instanceof LoginError) {
        if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
        return reply.status(err.statusCode).send({
          error: err.code,
          message: err.text(langFromHeader(req.headers['accept-language'])),
          field: err.field,
          ...(err.retryAfter !== undefined ? { retry_after: err.retryAfter } : {}),
        });
      }
      throw err; // everything else: the app's error handler
    });
    const app = scope.withTypeProvider<ZodTypeProvider>();
    const tags = ['accounts'];
    const login = ctx.telegramLogin;
    // A finished login: journaled, and the user's running tasks may take the account at once (TaskLifecycle.accountsChanged).
    const connected = async (userId: number, action: string, res: { state: string; account?: { id: number } | undefined }, method: string) => {
      if (res.state !== 'done' || !res.account) return;
      await ctx.audit.record(userId, action, 'account', res.account.id, { method });
      await ctx.lifecycle.accountsChanged(userId);
    };

    app.post(
      '/invite/accounts/login/phone',
      {
        schema: {
          tags,
          summary: 'Connect a Telegram account by phone: sends the login code',
          body: z.object({ phone: z.string().trim().min(1, 'type the phone number').max(32), proxy: proxyBody }).strict(),
        },
      },
      async (req, reply) => reply.status(201).send(await login.startPhone(req.user.userId, req.body.phone, proxyInput(req.body.proxy))),
    );

    app.post(
      '/invite/accounts/login/:attempt/code',
      {
        schema: {
          tags,
          summary: 'The login code: connects the account, or asks for the 2FA password',
          params: attemptParams,
          body: z.object({ code: z.string().trim().min(1, 'type the code').max(16) }).strict(),
        },
      },
      async (req) => {
        const res = await login.submitCode(req.user.userId, req.params.attempt, req.body.code.replace(/[\s-]/g, ''));
        await connected(req.user.userId, 'account.connect', res as never, 'phone');
        return res;
      },
    );

    app.post(
      '/invite/accounts/login/:attempt/password',
      {
        schema: {
          tags,
          summary: 'The two-step verification password',
          params: attemptParams,
          body: z.object({ password: z.string().min(1, 'type the password').max(256) }).strict(),
        },
      },
      async (req) => {
        const res = await login.submitPassword(req.user.userId, req.params.attempt, req.body.password);
        await connected(req.user.userId, 'account.connect', res as never, 'password');
        return res;
      },
    );

    app.post(
      '/invite/accounts/login/qr',
      {
        schema: { tags, summary: 'Connect a Telegram account by QR code: the first code to show', body: z.object({ proxy: proxyBody }).strict().nullish() },
      },
      async (req, reply) => reply.status(201).send(await login.startQr(req.user.userId, proxyInput(req.body?.proxy))),
    );

    app.get(
      '/invite/accounts/login/:attempt',
      {
        schema: { tags, summary: 'Poll a login: QR refreshed or scanned, password needed, done, expired', params: attemptParams },
      },
      async (req) => {
        const res = await login.poll(req.user.userId, req.params.attempt);
        await connected(req.user.userId, 'account.connect', res as never, 'qr');
        return res;
      },
    );

    app.delete(
      '/invite/accounts/login/:attempt',
      {
        schema: { tags, summary: 'Abandon a login', params: attemptParams },
      },
      async (req, reply) => {
        await login.cancel(req.user.userId, req.params.attempt);
        return reply.status(204).send();
      },
    );

    app.post(
      '/invite/accounts/:id/check',
      {
        schema: { tags, summary: 'Health check: refresh name/@username/phone; a revoked session retires the account', params: idParams },
      },
      async (req) => {
        const res = await login.checkAccount(req.user.userId, req.params.id);
        return { ...res, account: await ctx.accounts.toJson(await ctx.accounts.getOwned(req.user.userId, req.params.id), req.lang) };
      },
    );
  });
}
