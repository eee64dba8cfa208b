import { platformError } from '../platform/platform-error.js';
import type {} from '../auth/request-user.js';
import { MAX_ACCOUNT_LABEL } from '../shared/limits.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { AppError, notFound } from '../shared/errors.js';
import { idParams } from '../tasks/task-schemas.js';
import { dbIdStrict } from '../shared/input-schemas.js';
import { autoTaskName, localised } from '../shared/messages.js';
import { proxyBody } from './telegram-login-routes.js';
import { proxyInput } from './telegram-login.js';

const createBody = z
  .object({
    label: z.string().trim().min(1, 'give the account a name').max(MAX_ACCOUNT_LABEL),
    phone: z.string().max(32).nullable().optional(),
    session_string: z.string().max(4096).optional(),
    /** Telegram only: the SOCKS proxy the account connects through (src/platform/telegram/telegram-proxy.ts). */
    proxy: proxyBody,
    /** Sandbox only: which simulated groups this account administers (default: every demo group with admins). */
    sandbox_admin_of: z.array(z.string()).max(50).optional(),
  })
  .strict();

/**
 * The longest wait a reported FloodWait may impose: Telegram's longest observed FloodWaits are about a day, so 7 days
 * is a generous margin; anything above is a 400 (a typo like 1e10 would otherwise rest the account for centuries).
 */
export const MAX_REPORTED_WAIT_SECONDS = 7 * 24 * 3600;

const ERROR_KINDS = ['FLOOD_WAIT', 'PEER_FLOOD', 'ACCOUNT_BANNED', 'ACCOUNT_DEAUTHORIZED', 'NETWORK'] as const;
/** The platform code whose sentence a reported kind is stored with (src/platform/platform-error.ts). */
const REPORTED_CODE: Partial<Record<(typeof ERROR_KINDS)[number], string>> = {
  FLOOD_WAIT: 'FLOOD_WAIT',
  PEER_FLOOD: 'PEER_FLOOD',
  ACCOUNT_BANNED: 'USER_DEACTIVATED_BAN',
  ACCOUNT_DEAUTHORIZED: 'AUTH_KEY_UNREGISTERED',
};

/** A proxy given in the sandbox, whose accounts never connect to Telegram: said at the field. */
const proxyInSandbox = () =>
  new AppError(400, 'PROXY_SANDBOX', 'This server runs the sandbox: simulated accounts never connect to Telegram and need no proxy.', [
    { field: 'proxy', message: localised('PROXY_SANDBOX') },
  ]);

/** Sender accounts (/api/v1/invite/accounts) and the Account Manager's HTTP face (/api/v1/account-manager). */
export async function accountRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['accounts'];

  app.get('/invite/accounts', { schema: { tags } }, async (req) => ({
    platform_mode: ctx.config.platformMode,
    sandbox: ctx.config.platformMode === 'sandbox',
    items: await ctx.accounts.list(req.user.userId, req.lang),
  }));

  app.post(
    '/invite/accounts',
    { schema: { tags, body: createBody, summary: 'Add a sender account (GramJS StringSession, or a sandbox account)' } },
    async (req, reply) => {
      const { session_string: session, proxy: typedProxy, ...rest } = req.body;
      const proxy = proxyInput(typedProxy);
      if (proxy && ctx.config.platformMode !== 'telegram') throw proxyInSandbox();
      if (ctx.config.platformMode === 'telegram' && session) {
        // Telegram is asked who the session is before anything is stored: the same account is never two rows.
        const { account, reconnected } = await ctx.telegramLogin.addBySession(req.user.userId, { label: rest.label, session, phone: rest.phone, proxy });
        await ctx.audit.record(req.user.userId, 'account.connect', 'account', account.id, { method: 'session', reconnected });
        await ctx.lifecycle.accountsChanged(req.user.userId);
        return reply.status(reconnected ? 200 : 201).send({ ...(await ctx.accounts.toJson(account, req.lang)), reconnected });
      }
      const row = await ctx.accounts.create(req.user.userId, { ...rest, session_string: session });
      await ctx.audit.record(req.user.userId, 'account.create', 'account', row.id, { mode: row.platform_mode });
      await ctx.lifecycle.accountsChanged(req.user.userId);
      return reply.status(201).send(await ctx.accounts.toJson(row, req.lang));
    },
  );

  app.patch(
    '/invite/accounts/:id',
    {
      schema: {
        tags,
        params: idParams,
        body: z
          .object({
            label: z.string().trim().min(1).max(MAX_ACCOUNT_LABEL).optional(),
            enabled: z.boolean().optional(),
            /** A new SOCKS proxy (tried first: one Telegram cannot be reached through is refused), or null for none. */
            proxy: proxyBody,
          })
          .strict(),
      },
    },
    async (req) => {
      const { proxy: typedProxy, ...patch } = req.body;
      if (typedProxy !== undefined) {
        const proxy = proxyInput(typedProxy);
        if (ctx.config.platformMode !== 'telegram') throw proxyInSandbox();
        await ctx.telegramLogin.setProxy(req.user.userId, req.params.id, proxy);
      }
      const row = await ctx.accounts.update(req.user.userId, req.params.id, patch);
      // The proxy itself (a credential) is never journaled: only that it changed.
      await ctx.audit.record(req.user.userId, 'account.update', 'account', row.id, {
        ...patch,
        ...(typedProxy !== undefined ? { proxy: typedProxy?.trim() ? 'set' : 'removed' } : {}),
      });
      if (req.body.enabled) await ctx.lifecycle.accountsChanged(req.user.userId);
      return ctx.accounts.toJson(row, req.lang);
    },
  );

  app.delete('/invite/accounts/:id', { schema: { tags, params: idParams } }, async (req, reply) => {
    // A Telegram account's session is logged out first (best effort, a few seconds at most), then forgotten.
    const account = await ctx.accounts.getOwned(req.user.userId, req.params.id);
    const loggedOut = await ctx.telegramLogin.logOutAccount(account);
    await ctx.accounts.delete(req.user.userId, req.params.id);
    await ctx.audit.record(req.user.userId, 'account.delete', 'account', req.params.id, { logged_out: loggedOut, label: account.label });
    return reply.status(204).send();
  });

  app.get(
    '/invite/groups/check',
    {
      schema: {
        tags,
        querystring: z.object({ link: z.string().trim().min(2, 'give a group link, @name or id').max(300) }),
        summary: 'Admin check: which accounts can invite into this group',
      },
    },
    async (req) => {
      const result = await ctx.groupCheck.check(req.user.userId, req.query.link, ctx.config.platformMode);
      const { resolved: _r, peers: _p, unreached: _u, error_text, lifetime_left, ...visible } = result;
      return {
        ...visible,
        // Reasons in the reader's language (English keeps the sentences API clients have always read).
        error: (req.lang === 'ru' && error_text?.ru) || visible.error,
        unavailable: visible.unavailable.map(({ reason_text, ...u }) => ({ ...u, reason: req.lang === 'ru' ? reason_text.ru : u.reason })),
        sandbox: result.platform_mode === 'sandbox',
        suggested_name: result.group
          ? autoTaskName(req.lang, { group: result.group.title }, ctx.clock.now(), req.timeZone ?? ctx.config.limits.timeZone)
          : null,
        safe_pacing_per_day: result.ready.length * Math.min(ctx.config.limits.invitesPerAccountDay, ctx.config.limits.invitesPerGroupDay),
        /** Invites into this group the admin accounts may still make, ever (null: the group is not found). */
        group_lifetime_left: result.group ? lifetime_left : null,
      };
    },
  );

  // ---- Account Manager over HTTP (for workers in other services); always scoped to the caller's accounts.
  const am = ctx.accountManager;
  const owned = async (userId: number, accountId: number) => {
    await ctx.accounts.getOwned(userId, accountId);
  };

  app.post(
    '/account-manager/allocate',
    {
      schema: {
        tags: ['account-manager'],
        body: z.object({
          purpose: z.enum(['invite', 'message']),
          group_key: z.string().nullable().default(null),
          holder: z.string().min(1).max(200).default('http-client'),
        }),
      },
    },
    async (req) => {
      const res = await am.allocate(req.user.userId, req.body.purpose, req.body.group_key, req.body.holder);
      return {
        lease: res.lease ? { lease_id: res.lease.leaseId, account_id: res.lease.accountId, expires_at: res.lease.expiresAt.toISOString() } : null,
        // wait_for_seconds: the specification's name for the same number.
        wait_seconds: res.wait_seconds,
        wait_for_seconds: res.wait_seconds,
        reasons: res.reasons,
      };
    },
  );

  app.post(
    '/account-manager/check',
    {
      schema: {
        tags: ['account-manager'],
        body: z.object({ account_id: dbIdStrict('account_id'), action: z.enum(['invite', 'message']), group_key: z.string().nullable().default(null) }),
      },
    },
    async (req) => {
      await owned(req.user.userId, req.body.account_id);
      const res = await am.check(req.body.account_id, req.body.action, req.body.group_key);
      return { ...res, wait_for_seconds: res.wait_seconds };
    },
  );

  app.post(
    '/account-manager/release',
    {
      schema: { tags: ['account-manager'], body: z.object({ lease_id: z.string().uuid(), acted: z.boolean() }) },
    },
    async (req) => {
      const lease = await ctx.db
        .selectFrom('account_leases as l')
        .innerJoin('accounts as a', 'a.id', 'l.account_id')
        .select(['l.lease_id', 'l.account_id', 'l.holder', 'l.purpose', 'l.group_key', 'l.expires_at'])
        .where('l.lease_id', '=', req.body.lease_id)
        .where('a.user_id', '=', req.user.userId)
        .executeTakeFirst();
      if (!lease) throw notFound('Lease');
      await am.release(
        {
          leaseId: lease.lease_id,
          accountId: lease.account_id,
          holder: lease.holder,
          purpose: lease.purpose as 'invite',
          groupKey: lease.group_key,
          expiresAt: lease.expires_at,
        },
        { acted: req.body.acted },
      );
      return { released: true };
    },
  );

  app.post(
    '/account-manager/report-error',
    {
      schema: {
        tags: ['account-manager'],
        body: z.object({
          account_id: dbIdStrict('account_id'),
          kind: z.enum(ERROR_KINDS),
          seconds: z
            .number()
            .int()
            .nonnegative()
            .max(MAX_REPORTED_WAIT_SECONDS, `seconds can be at most ${MAX_REPORTED_WAIT_SECONDS} (7 days): Telegram's longest FloodWait is about a day`)
            .optional(),
          message: z.string().max(500).optional(),
        }),
      },
    },
    async (req) => {
      await owned(req.user.userId, req.body.account_id);
      if (req.body.kind === 'FLOOD_WAIT' && req.body.seconds === undefined)
        throw new AppError(400, 'SECONDS_REQUIRED', 'A FLOOD_WAIT report needs the seconds the platform asked for.');
      // Without the caller's words, the sentence the platform adapters write for that kind: the accounts page says it
      // in the reader's language (it read «reported PEER_FLOOD» in the Russian UI).
      const standard = REPORTED_CODE[req.body.kind] ? platformError(REPORTED_CODE[req.body.kind]!, req.body.seconds).message : `reported ${req.body.kind}`;
      await am.reportError(req.body.account_id, {
        kind: req.body.kind,
        seconds: req.body.seconds,
        code: req.body.kind,
        message: req.body.message ?? standard,
      });
      return ctx.accounts.toJson(await ctx.accounts.getOwned(req.user.userId, req.body.account_id), req.lang);
    },
  );
}
