import { z } from 'zod';
import type { TaskJson } from '../../tasks/task-service.js';
import type { Priority, TaskStatus } from '../../shared/enums.js';
import { INT4_MAX } from '../../shared/input-schemas.js';

/**
 * The vocabulary of the platform's existing Mailing page (its `inviteApi` client), and its translation to and
 * from ours. Only this module knows it: the core API keeps its one spelling (src/shared/enums.ts).
 */

/** Page status → core statuses (the page has no "scheduled": a scheduled task is still pending to it). */
export const PAGE_STATUS_TO_CORE: Record<string, TaskStatus[]> = {
  pending: ['PENDING', 'SCHEDULED'],
  scheduled: ['SCHEDULED'],
  running: ['IN_PROGRESS'],
  in_progress: ['IN_PROGRESS'],
  paused: ['PAUSED'],
  completed: ['COMPLETED'],
  failed: ['FAILED'],
  cancelled: ['CANCELLED'],
};
export const CORE_STATUS_TO_PAGE: Record<TaskStatus, string> = {
  PENDING: 'pending',
  SCHEDULED: 'pending',
  IN_PROGRESS: 'running',
  PAUSED: 'paused',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
};
export const PAGE_PRIORITY_TO_CORE: Record<string, Priority> = { low: 'LOW', normal: 'MEDIUM', medium: 'MEDIUM', high: 'HIGH', urgent: 'HIGH' };
export const CORE_PRIORITY_TO_PAGE: Record<Priority, string> = { LOW: 'low', MEDIUM: 'normal', HIGH: 'high' };

export const PAGE_TASK_TYPES = { invite_to_group: 'invite_to_group', send_messages: 'direct_message', direct_message: 'direct_message' } as const;

/** Fields the page sends that set the pace: accepted, never applied — the Account Manager alone sets it. */
export const PACING_FIELDS = ['delay_between_invites', 'max_invites_per_account', 'batch_size', 'auto_add_contacts', 'fallback_to_messages'] as const;
export const PACING_NOTE =
  'Темп задаёт только Account Manager сервиса (паузы 10–15 минут, не больше 30 приглашений в день на аккаунт): ' +
  'поля задержек, размеров пакетов и лимитов приняты, но не применяются.';

const lower = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : v);
const priority = z.preprocess(lower, z.enum(['low', 'normal', 'medium', 'high', 'urgent'], { error: 'приоритет: low, normal, high или urgent' }));
const taskType = z.preprocess(
  lower,
  z.enum(['invite_to_group', 'send_messages', 'direct_message'], { error: 'тип задачи: invite_to_group или send_messages' }),
);
const groupRef = z.string().trim().min(2, 'группа: ссылка, @имя или числовой id').max(300, 'группа: не длиннее 300 символов');
/** Anything the page may put there; only what we understand is read, the rest is listed as ignored. */
const looseSettings = z.record(z.string(), z.unknown());

/** `POST /tasks/` as the page sends it (no task type, no group), plus the fields that make the task complete. */
export const createBody = z
  .object({
    name: z.string({ error: 'укажите название задачи' }),
    description: z.string().max(2000, 'описание: не длиннее 2000 символов').nullish(),
    platform: z.preprocess(lower, z.enum(['telegram'], { error: 'поддерживается только платформа telegram' })).default('telegram'),
    priority: priority.default('normal'),
    invite_message: z.string().nullish(),
    task_type: taskType.optional(),
    target_group: groupRef.optional(),
    group_link: groupRef.optional(),
    target_group_id: z.union([groupRef, z.number().int()]).transform(String).optional(),
    settings: looseSettings.nullish(),
  })
  .passthrough();

/** `PUT /tasks/{id}`: `{name, description, invite_message, settings}`, and the group when the caller has it. */
export const updateBody = z
  .object({
    name: z.string().optional(),
    description: z.string().max(2000, 'описание: не длиннее 2000 символов').nullish(),
    priority: priority.optional(),
    invite_message: z.string().nullish(),
    target_group: groupRef.optional(),
    group_link: groupRef.optional(),
    target_group_id: z.union([groupRef, z.number().int()]).transform(String).optional(),
    settings: looseSettings.nullish(),
  })
  .passthrough();

export const listQuery = z.object({
  page: z.coerce.number().int().min(1, 'page: от 1').default(1),
  page_size: z.coerce.number().int().min(1, 'page_size: от 1').max(100, 'page_size: не больше 100').default(20),
  status: z.preprocess(
    (v) =>
      v === undefined
        ? undefined
        : (Array.isArray(v) ? v : [v])
            .flatMap((x) => String(x).split(','))
            .map((x) => x.trim().toLowerCase())
            .filter(Boolean),
    z
      .array(
        z
          .string()
          .refine(
            (s) => s in PAGE_STATUS_TO_CORE || s.toUpperCase() in CORE_STATUS_TO_PAGE,
            'статус: pending, running, paused, completed, failed или cancelled',
          ),
      )
      .optional(),
  ),
  platform: z.preprocess(
    (v) =>
      v === undefined
        ? undefined
        : (Array.isArray(v) ? v : [v])
            .flatMap((x) => String(x).split(','))
            .map((x) => x.trim().toLowerCase())
            .filter(Boolean),
    z.array(z.enum(['telegram'], { error: 'поддерживается только платформа telegram' })).optional(),
  ),
});

export const idParams = z.object({
  id: z.coerce.number().int().positive('id задачи — положительное число').max(INT4_MAX, `id задачи — не больше ${INT4_MAX}`),
});

export const logsQuery = z.object({
  limit: z.coerce.number().int().min(1, 'limit: от 1').max(100, 'limit: не больше 100').default(50),
  // The page sends `offset=` (empty) on the first page.
  offset: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(0, 'offset: от 0').max(INT4_MAX, `offset: не больше ${INT4_MAX}`).default(0),
  ),
  action: z.preprocess((v) => (v === '' ? undefined : lower(v)), z.enum(['invite', 'message'], { error: 'action: invite или message' }).optional()),
  status: z.preprocess(
    (v) => (v === '' ? undefined : lower(v)),
    z
      .enum(['attempted', 'success', 'skipped', 'failed', 'retry', 'account_error', 'outcome_unknown'], {
        error: 'status: success, failed, skipped, retry, account_error, attempted или outcome_unknown',
      })
      .optional(),
  ),
});

export const importParsingBody = z
  .object({
    parsing_task_id: z.union([z.string().trim().min(1, 'укажите базу парсинга'), z.number()]).transform(String),
    source_name: z.string().max(200).nullish(),
  })
  .passthrough();

export const checkAdminBody = z.object({ group_link: groupRef }).passthrough();

export const testInviteBody = z
  .object({
    target_id: z.coerce.number().int().positive('target_id — id получателя этой задачи').max(INT4_MAX, `target_id: не больше ${INT4_MAX}`).optional(),
    username: z.string().trim().min(1).max(100).optional(),
    account_id: z.coerce.number().int().positive('account_id — id вашего аккаунта').max(INT4_MAX, `account_id: не больше ${INT4_MAX}`).nullish(),
  })
  .refine((v) => v.target_id !== undefined || v.username !== undefined, { message: 'укажите target_id (получателя задачи) или username' });

/** A task as the page reads it; the core fields it does not know stay alongside. */
export function pageTask(t: TaskJson) {
  const c = t.counters;
  const notes = (t.settings as { notes?: string } | null)?.notes ?? null;
  return {
    id: t.id,
    title: t.name,
    name: t.name,
    description: notes,
    task_type: t.type === 'direct_message' ? 'send_messages' : 'invite_to_group',
    platform: t.platform,
    status: CORE_STATUS_TO_PAGE[t.status as TaskStatus] ?? t.status.toLowerCase(),
    status_reason: t.status_reason,
    priority: CORE_PRIORITY_TO_PAGE[t.priority as Priority] ?? t.priority.toLowerCase(),
    progress: Math.round(c.progress * 1000) / 10,
    target_count: c.total,
    invited_count: c.invited + c.sent,
    failed_count: c.failed,
    skipped_count: c.skipped,
    pending_count: c.pending + c.in_flight,
    target_group_id: t.target_group ?? null,
    target_group: t.target_group,
    target_group_title: t.target_group_title,
    message_template: t.message_template,
    sandbox: t.sandbox,
    created_at: t.created_at,
    updated_at: t.updated_at,
    started_at: t.started_at,
    finished_at: t.finished_at,
  };
}

/** The names of the fields of a body that the service accepted but does not apply. */
export function ignoredFields(body: Record<string, unknown>, understood: readonly string[]): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(body)) {
    if (k === 'settings' && v && typeof v === 'object') {
      for (const s of Object.keys(v)) out.push(`settings.${s}`);
    } else if (!understood.includes(k)) out.push(k);
  }
  return out;
}
