import type {} from '../../auth/request-user.js';
import type {} from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../app-context.js';
import { AppError } from '../../shared/errors.js';
import type { LogResult, TaskStatus } from '../../shared/enums.js';
import { updateTaskSchema, type CreateTaskInput, type ListTasksQuery, type UpdateTaskInput } from '../../tasks/task-schemas.js';
import type { TaskRow } from '../../db/schema.js';
import type { ImportReport } from '../../import/import-service.js';
import { importableTask } from '../../import/import-jobs.js';
import { asMalformed, fileRows, readableFailures } from '../../import/file-rows.js';
import { ImportFormatError } from '../../import/parsers/record-stream.js';
import { normaliseParsingItem } from '../../import/parsing-service-client.js';
import { linkedPlatformUserId } from '../../auth/platform-identity.js';
import type { AccountService } from '../../accounts/account-service.js';
import { deleteTask } from '../../tasks/task-deletion.js';
import { withRussianDetail } from './errors.js';
import {
  CORE_STATUS_TO_PAGE,
  PACING_FIELDS,
  PACING_NOTE,
  PAGE_PRIORITY_TO_CORE,
  PAGE_STATUS_TO_CORE,
  PAGE_TASK_TYPES,
  checkAdminBody,
  createBody,
  idParams,
  ignoredFields,
  importParsingBody,
  listQuery,
  logsQuery,
  pageTask,
  testInviteBody,
  updateBody,
} from './schemas.js';

/**
 * The calls of the platform's existing Mailing page (../shared/PLATFORM-FRONTEND.md), answered under
 * `/api/v1/{path}` — where the platform's gateway sends `/api/invite/{path}` — in the shapes the page reads.
 * Every other `/api/v1/{path}` is the core API's `/api/v1/invite/{path}` (see rewriteBareApiUrl).
 */
export const MAILING_PAGE_ROUTES = [
  ['POST', '/tasks'],
  ['GET', '/tasks'],
  ['POST', '/tasks/check-admin-rights'],
  ['GET', '/tasks/:id'],
  ['PUT', '/tasks/:id'],
  ['DELETE', '/tasks/:id'],
  ['POST', '/tasks/:id/execute'],
  ['POST', '/tasks/:id/pause'],
  ['GET', '/tasks/:id/status'],
  ['GET', '/tasks/:id/logs'],
  ['GET', '/tasks/:id/accounts'],
  ['POST', '/tasks/:id/test-invite'],
  ['POST', '/tasks/:id/import/parsing'],
  ['POST', '/tasks/:id/import/file'],
  ['GET', '/accounts'],
  ['GET', '/parsing-tasks'],
] as const;

const MATCHERS = MAILING_PAGE_ROUTES.map(([method, path]) => ({
  method,
  re: new RegExp(`^${path.replace(/:id/g, '[^/]+')}/?$`),
}));

/** Paths under /api/v1 that are the core's own (not invite routes): never rewritten. */
const OWN_V1 = /^\/api\/v1\/(invite|account-manager|health)(\/|\?|$)/;

/**
 * The one rule for bare `/api/v1/{path}`: the Mailing page's calls are answered by this module; anything
 * else is the core route `/api/v1/invite/{path}` (same handlers; the URL is rewritten before routing).
 */
export function rewriteBareApiUrl(method: string | undefined, url: string): string {
  if (!url.startsWith('/api/v1/') || OWN_V1.test(url)) return url;
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).slice('/api/v1'.length);
  if (path === '/') return url;
  const m = method === 'HEAD' ? 'GET' : method;
  if (MATCHERS.some((r) => r.method === m && r.re.test(path))) return url;
  return `/api/v1/invite${url.slice('/api/v1'.length)}`;
}

type AccountJson = Awaited<ReturnType<AccountService['toJson']>>;

/** An account as the page reads it. */
function pageAccount(a: AccountJson) {
  const resting = a.status === 'FLOOD_WAIT' || a.status === 'PEER_FLOOD';
  return {
    account_id: a.id,
    id: a.id,
    platform: a.platform,
    username: a.tg_username ?? a.label,
    label: a.label,
    status: a.status.toLowerCase(),
    daily_invite_limit: a.usage_today.invites_limit,
    daily_invites_used: a.usage_today.invites,
    daily_message_limit: a.usage_today.messages_limit,
    daily_messages_used: a.usage_today.messages,
    flood_wait_until: resting ? a.rest_until : null,
    rest_until: a.rest_until,
    available: a.available,
    sandbox: a.sandbox,
  };
}

function importAnswer(r: ImportReport, extra: Record<string, unknown>) {
  return {
    ...extra,
    imported_count: r.imported,
    duplicates_count: r.duplicates,
    invalid_count: r.invalid,
    over_limit_count: r.over_limit,
    total_rows: r.total_rows,
    errors: r.errors,
    task_id: r.task_id,
  };
}

/** Validates a translated patch with the core's own schema, so the limits on names, groups and texts are the core's. */
function coreValidated(input: Record<string, unknown>): UpdateTaskInput {
  const parsed = updateTaskSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `body.${i.path.map(String).join('.')}: ${i.message}`);
  throw new AppError(400, 'VALIDATION_FAILED', `Invalid request: ${issues.join('; ')}`, issues);
}

const groupOf = (b: { target_group?: string; group_link?: string; target_group_id?: string }) => b.target_group ?? b.group_link ?? b.target_group_id;

const NO_GROUP_NOTE =
  'Группа не указана: она будет назначена этой задаче при проверке прав администратора в группе (POST /tasks/check-admin-rights) ' +
  'или передайте target_group в PUT /tasks/{id}.';
const INVITE_MESSAGE_NOTE =
  'invite_message не применяется к задаче-приглашению (она не отправляет сообщений); для рассылки сообщений создайте задачу с task_type=send_messages.';
/** An admin check hands its group to the caller's newest group-less invite task created this long ago at most. */
const ASSIGN_GROUP_WINDOW_MS = 60 * 60 * 1000;

export async function mailingPageRoutes(root: FastifyInstance, ctx: AppContext) {
  await root.register(async (scope) => {
    const app = scope.withTypeProvider<ZodTypeProvider>();
    const tags = ['mailing-page (compat)'];
    // The shared error handler formats every error; the page also gets `detail`, a sentence in Russian.
    app.addHook('onSend', async (_req, reply, payload) => withRussianDetail(reply.statusCode, payload));

    const page = async (row: TaskRow) => pageTask(await ctx.tasks.toJson(row));

    app.post(
      '/tasks',
      { schema: { tags, body: createBody, summary: 'Mailing page: create (no type → invite task; its group comes with the admin check or PUT)' } },
      async (req, reply) => {
        const user = req.user.userId;
        const b = req.body;
        const type = b.task_type ? PAGE_TASK_TYPES[b.task_type] : 'invite_to_group';
        const group = groupOf(b);
        const message = b.invite_message?.trim() || undefined;
        if (type === 'direct_message' && !message) {
          throw new AppError(400, 'VALIDATION_FAILED', 'Invalid request: body.invite_message: a send_messages task needs the message text', [
            'body.invite_message: для рассылки сообщений нужен текст сообщения',
          ]);
        }
        const core = coreValidated({
          name: b.name,
          priority: PAGE_PRIORITY_TO_CORE[b.priority],
          ...(type === 'invite_to_group' && group ? { target_group: group } : {}),
          ...(type === 'direct_message' ? { message_template: message } : {}),
          ...(b.description ? { settings: { notes: b.description } } : {}),
        });
        const input = {
          platform: b.platform,
          type,
          target_group: core.target_group,
          message_template: core.message_template,
          priority: core.priority ?? 'MEDIUM',
          scheduled_at: null,
          settings: core.settings ?? {},
          start: false,
        } as CreateTaskInput;
        const known = type === 'invite_to_group' && core.target_group ? await ctx.groupCheck.identify(user, core.target_group, ctx.config.platformMode) : null;
        const row = await ctx.tasks.create(user, input, core.name!, known);
        await ctx.audit.record(user, 'task.create', 'task', row.id, { type: row.type, via: 'mailing-page' });
        const ignored = ignoredFields(b, [
          'name',
          'description',
          'platform',
          'priority',
          'task_type',
          'target_group',
          'group_link',
          'target_group_id',
          ...(type === 'direct_message' ? ['invite_message'] : []),
        ]);
        const notes = [
          ...(ignored.some((f) => PACING_FIELDS.some((p) => f.endsWith(p))) ? [PACING_NOTE] : []),
          ...(type === 'invite_to_group' && ignored.includes('invite_message') ? [INVITE_MESSAGE_NOTE] : []),
          ...(type === 'invite_to_group' && !group ? [NO_GROUP_NOTE] : []),
        ];
        return reply.status(201).send({ ...(await page(row)), ignored_fields: ignored, note: notes.join(' ') || null });
      },
    );

    app.get('/tasks', { schema: { tags, querystring: listQuery, summary: 'Mailing page: list (lower-case statuses; running ≡ IN_PROGRESS)' } }, async (req) => {
      const q = req.query;
      const status = q.status?.flatMap((s) => PAGE_STATUS_TO_CORE[s] ?? [s.toUpperCase() as TaskStatus]);
      const res = await ctx.tasks.list(req.user.userId, {
        status: status ? [...new Set(status)] : undefined,
        platform: q.platform,
        page: q.page,
        page_size: q.page_size,
        sort: 'created_at',
        order: 'desc',
      } as ListTasksQuery);
      return { items: res.items.map(pageTask), total: res.total, page: res.page, page_size: res.page_size, pages: res.pages };
    });

    app.get('/tasks/:id', { schema: { tags, params: idParams } }, async (req) => page(await ctx.tasks.getOwned(req.user.userId, req.params.id)));

    app.put(
      '/tasks/:id',
      {
        schema: {
          tags,
          params: idParams,
          body: updateBody,
          summary: 'Mailing page: update {name, description, invite_message, settings}; pacing settings are ignored',
        },
      },
      async (req) => {
        const user = req.user.userId;
        const b = req.body;
        const task = await ctx.tasks.getOwned(user, req.params.id);
        const group = groupOf(b);
        const patch: Record<string, unknown> = {};
        if (b.name !== undefined) patch.name = b.name;
        if (b.priority) patch.priority = PAGE_PRIORITY_TO_CORE[b.priority];
        if (group) patch.target_group = group;
        if (b.invite_message?.trim() && task.type === 'direct_message') patch.message_template = b.invite_message.trim();
        if (b.description !== undefined) patch.settings = b.description ? { notes: b.description } : {};
        const core = coreValidated(patch);
        let row = task;
        if (Object.keys(core).length) {
          row = await ctx.tasks.update(user, task.id, core);
          if (row.status === 'SCHEDULED' && core.priority !== undefined) await ctx.scheduledStarts.schedule(row);
          await ctx.audit.record(user, 'task.update', 'task', row.id, { fields: Object.keys(core), via: 'mailing-page' });
        }
        const ignored = ignoredFields(b, [
          'name',
          'description',
          'priority',
          'target_group',
          'group_link',
          'target_group_id',
          ...(task.type === 'direct_message' ? ['invite_message'] : []),
        ]);
        return { ...(await page(row)), ignored_fields: ignored, note: ignored.some((f) => PACING_FIELDS.some((p) => f.endsWith(p))) ? PACING_NOTE : null };
      },
    );

    app.delete('/tasks/:id', { schema: { tags, params: idParams } }, async (req) => {
      await deleteTask(ctx.tasks, ctx.audit, req.user.userId, req.params.id, 'mailing-page');
      return { id: req.params.id, deleted: true };
    });

    app.post(
      '/tasks/:id/execute',
      { schema: { tags, params: idParams, summary: 'Mailing page: start, or resume a paused task (a running one answers as it is)' } },
      async (req) => {
        const user = req.user.userId;
        const task = await ctx.tasks.getOwned(user, req.params.id);
        let row: TaskRow;
        let action: string;
        if (task.status === 'PAUSED') {
          row = await ctx.lifecycle.resume(user, task.id);
          action = 'resumed';
        } else if (task.status === 'IN_PROGRESS' || task.status === 'SCHEDULED') {
          row = task;
          action = 'already_running';
        } else {
          row = await ctx.lifecycle.start(user, task.id);
          action = 'started';
        }
        const message = {
          resumed: 'Задача продолжена.',
          already_running: 'Задача уже выполняется.',
          started: row.status === 'SCHEDULED' ? 'Задача запланирована.' : 'Задача запущена.',
        }[action];
        return { ...(await page(row)), action, message };
      },
    );

    app.post('/tasks/:id/pause', { schema: { tags, params: idParams, summary: 'Mailing page: pause (a paused task answers as it is)' } }, async (req) => {
      const user = req.user.userId;
      const task = await ctx.tasks.getOwned(user, req.params.id);
      if (task.status === 'PAUSED') return { ...(await page(task)), action: 'already_paused', message: 'Задача уже на паузе.' };
      return { ...(await page(await ctx.lifecycle.pause(user, task.id))), action: 'paused', message: 'Задача поставлена на паузу.' };
    });

    app.get('/tasks/:id/status', { schema: { tags, params: idParams, summary: 'Mailing page: statistics' } }, async (req) => {
      const task = await ctx.tasks.getOwned(req.user.userId, req.params.id);
      const c = await ctx.tasks.counters(task.id);
      const [stats, exec] = await Promise.all([ctx.stats.stats(task, c), ctx.stats.executionSummary(task.id)]);
      const succeeded = c.invited + c.sent;
      return {
        task_id: task.id,
        task_title: task.name,
        task_status: CORE_STATUS_TO_PAGE[task.status as TaskStatus] ?? task.status.toLowerCase(),
        task_type: task.type === 'direct_message' ? 'send_messages' : 'invite_to_group',
        status_reason: task.status_reason,
        sandbox: task.platform_mode === 'sandbox',
        targets_statistics: {
          total_targets: c.total,
          pending_targets: c.pending + c.in_flight,
          invited_targets: succeeded,
          failed_targets: c.failed,
          skipped_targets: c.skipped,
          progress_percentage: Math.round(c.progress * 1000) / 10,
          success_rate: c.done ? Math.round((succeeded / c.done) * 1000) / 10 : 0,
        },
        execution_statistics: {
          total_attempts: exec.attempts,
          successful_invites: exec.succeeded,
          failed_invites: exec.failed,
          rate_limited: exec.rate_limited,
          flood_wait: exec.flood_wait,
          avg_execution_time: exec.avg_seconds ?? 0,
        },
        accounts_statistics: stats.per_account.map((p) => ({
          account_id: p.account_id,
          username: p.label ?? 'удалённый аккаунт',
          successful_invites: p.succeeded,
          total_attempts: p.attempts,
          errors: p.account_errors,
        })),
        eta_seconds: stats.eta_seconds,
      };
    });

    app.get(
      '/tasks/:id/logs',
      { schema: { tags, params: idParams, querystring: logsQuery, summary: 'Mailing page: execution log, newest first (limit/offset)' } },
      async (req) => {
        const task = await ctx.tasks.getOwned(req.user.userId, req.params.id);
        const q = req.query;
        const res = await ctx.stats.logs(
          task,
          {
            result: q.status ? [q.status.toUpperCase() as LogResult] : undefined,
            action: q.action,
            page: 1,
            page_size: q.limit,
            offset: q.offset,
          },
          req.lang,
        );
        return {
          logs: res.items.map((l) => ({
            id: l.id,
            task_id: task.id,
            target_id: l.target_id,
            account_id: l.account_id,
            action: l.action,
            status: String(l.result).toLowerCase(),
            details: l.message ?? l.error_code ?? null,
            error_code: l.error_code,
            target: l.target_label,
            account: l.account_label,
            created_at: l.created_at,
          })),
          total: res.total,
          limit: q.limit,
          offset: q.offset,
        };
      },
    );

    app.get('/tasks/:id/accounts', { schema: { tags, params: idParams, summary: "Mailing page: the task's accounts (a bare array)" } }, async (req) => {
      const user = req.user.userId;
      const task = await ctx.tasks.getOwned(user, req.params.id);
      const [mine, forTask] = await Promise.all([ctx.accounts.list(user), ctx.taskAccounts.list(user, task)]);
      const byId = new Map(forTask.items.map((i) => [i.account_id, i]));
      return mine
        .filter((a) => byId.has(a.id))
        .map((a) => {
          const t = byId.get(a.id)!;
          return {
            ...pageAccount(a),
            eligible: t.eligible,
            reason: t.reason,
            can_act_now: t.can_act_now,
            wait_for_seconds: t.wait_for_seconds,
            wait_reason: t.wait_reason,
          };
        });
    });

    app.post(
      '/tasks/:id/test-invite',
      {
        schema: {
          tags,
          params: idParams,
          body: testInviteBody,
          summary: 'Mailing page: one invite now to a target of the task (target_id) or a username, optionally with a given account',
        },
      },
      async (req) => {
        const user = req.user.userId;
        const b = req.body;
        const task = await ctx.tasks.getOwned(user, req.params.id);
        let username = b.username;
        if (b.target_id !== undefined) {
          const target = await ctx.targets.get(task.id, b.target_id);
          if (!target.username) throw new AppError(400, 'TARGET_HAS_NO_USERNAME', 'This target has no username, and a test invite is sent by username.');
          username = target.username;
        }
        if (b.account_id) await ctx.accounts.getOwned(user, b.account_id);
        const result = await ctx.taskAccounts.testInvite(user, task.id, username!, { accountId: b.account_id ?? undefined });
        await ctx.audit.record(user, 'task.test_invite', 'task', task.id, {
          target: result.target.id,
          outcome: result.outcome,
          account: result.account.id,
          via: 'mailing-page',
        });
        return {
          ...result,
          success: result.outcome === 'INVITED' || result.outcome === 'SENT',
          status: String(result.outcome).toLowerCase(),
          target_id: result.target.id,
          account_id: result.account.id,
        };
      },
    );

    app.get('/accounts', { schema: { tags, summary: "Mailing page: the caller's sender accounts (a bare array)" } }, async (req) =>
      (await ctx.accounts.list(req.user.userId)).map(pageAccount),
    );

    app.get(
      '/parsing-tasks',
      { schema: { tags, summary: "Mailing page: the caller's Parsing Service bases that have results (a bare array)" } },
      async (req) => {
        const bases = await ctx.parsing.listBases(linkedPlatformUserId(req.user.userId));
        return bases
          .filter((b) => b.importable)
          .map((b) => ({
            id: b.task_id,
            platform: b.platform ?? 'telegram',
            status: b.status,
            result_count: b.total_results,
            created_at: b.created_at,
            link: b.target_url,
            title: b.title,
          }));
      },
    );

    app.post(
      '/tasks/:id/import/parsing',
      { schema: { tags, params: idParams, body: importParsingBody, summary: 'Mailing page: import a Parsing Service base into the task' } },
      async (req) => {
        const user = req.user.userId;
        const task = await importableTask(ctx.tasks, user, req.params.id);
        const rows = ctx.parsing.results(linkedPlatformUserId(user), req.body.parsing_task_id, 500, Infinity);
        const report = await ctx.importer.run(rows, { taskId: task.id, source: 'PARSING_IMPORT', dryRun: false, normalise: normaliseParsingItem });
        if (report.imported && task.status === 'IN_PROGRESS') await ctx.accountManager.wake(user);
        await ctx.audit.record(user, 'import.parsing', 'task', task.id, { base: req.body.parsing_task_id, imported: report.imported, via: 'mailing-page' });
        return importAnswer(report, { parsing_task_id: req.body.parsing_task_id, source_name: req.body.source_name ?? null });
      },
    );

    app.post(
      '/tasks/:id/import/file',
      {
        schema: {
          tags,
          params: idParams,
          consumes: ['multipart/form-data'],
          summary: 'Mailing page: import an audience file (multipart "file", "source_name")',
        },
      },
      async (req) => {
        const user = req.user.userId;
        const limit = ctx.config.maxImportFileBytes;
        const tooLarge = () =>
          new AppError(
            413,
            'FILE_TOO_LARGE',
            `The file is larger than the ${Math.round((limit / 1024 / 1024) * 10) / 10} MB limit; split it into smaller files.`,
          );
        if (!req.isMultipart()) throw new AppError(400, 'NOT_MULTIPART', 'Upload the file as multipart/form-data in a field named "file".');
        if (Number(req.headers['content-length'] ?? 0) > limit + 64 * 1024) throw tooLarge();
        const task = await importableTask(ctx.tasks, user, req.params.id);
        const file = await req.file();
        if (!file) throw new AppError(400, 'NO_FILE', 'No file was uploaded: send it in a form field named "file".');
        const f = file.fields.source_name;
        const sourceField = Array.isArray(f) ? f[0] : f;
        const sourceName = sourceField && 'value' in sourceField ? String(sourceField.value) : null;
        try {
          const { format, rows } = await fileRows(file.file, file.filename, file.mimetype);
          async function* untilTruncated() {
            yield* readableFailures(rows);
            if (file!.file.truncated) throw tooLarge();
          }
          const report = await ctx.importer.run(untilTruncated(), { taskId: task.id, source: 'FILE_UPLOAD', dryRun: false });
          if (report.imported && task.status === 'IN_PROGRESS') await ctx.accountManager.wake(user);
          await ctx.audit.record(user, 'import.file', 'task', task.id, { format, imported: report.imported, via: 'mailing-page' });
          return importAnswer(report, { format, filename: file.filename, source_name: sourceName });
        } catch (err) {
          if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
          if (err instanceof ImportFormatError) throw asMalformed(err);
          throw err;
        }
      },
    );

    app.post(
      '/tasks/check-admin-rights',
      {
        schema: {
          tags,
          body: checkAdminBody,
          summary: "Mailing page: admin check; also gives the group to the caller's newest group-less invite task (created within the hour)",
        },
      },
      async (req) => {
        const user = req.user.userId;
        const link = req.body.group_link;
        const r = await ctx.groupCheck.check(user, link, ctx.config.platformMode);
        if (!r.group) throw new AppError(400, 'GROUP_NOT_RESOLVED', r.error ?? 'The group could not be found with any of your accounts.');
        const ready = r.ready.map((x) => ({
          account_id: x.account_id,
          username: x.label,
          available_invites: x.remaining_today,
          role: x.role,
          next_action_at: x.next_action_at,
        }));
        const unavailable = r.unavailable.map((u) => ({
          account_id: u.account_id,
          username: u.label,
          reason: u.reason,
          is_admin: u.is_admin,
          available_at: u.available_at,
        }));
        let assigned: number | null = null;
        const recent = await ctx.tasks.list(user, { status: ['PENDING'], page: 1, page_size: 20, sort: 'created_at', order: 'desc' } as ListTasksQuery);
        const since = ctx.clock.now().getTime() - ASSIGN_GROUP_WINDOW_MS;
        const candidate = recent.items.find((t) => t.type === 'invite_to_group' && !t.target_group && Date.parse(t.created_at) >= since);
        if (candidate) {
          await ctx.tasks.update(user, candidate.id, { target_group: link }, { key: r.group.key, title: r.group.title });
          await ctx.audit.record(user, 'task.update', 'task', candidate.id, { fields: ['target_group'], via: 'mailing-page admin check' });
          assigned = candidate.id;
        }
        const limits = ctx.config.limits;
        return {
          group_name: r.group.title,
          group_id: r.group.key,
          group_type: r.group.kind,
          group_link: link,
          can_proceed: ready.length > 0,
          ready_accounts: ready,
          unavailable_accounts: unavailable,
          estimated_capacity: ready.reduce((s, a) => s + a.available_invites, 0),
          daily_capacity: ready.length * Math.min(limits.invitesPerAccountDay, limits.invitesPerGroupDay),
          assigned_task_id: assigned,
          sandbox: r.platform_mode === 'sandbox',
        };
      },
    );
  });
}
