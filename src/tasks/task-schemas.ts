import { z } from 'zod';
import { TEMPLATE_VARIABLES, unclosedTemplateVariables, unknownTemplateVariables } from '../shared/message-template.js';
import { PLATFORMS, PRIORITIES, TASK_STATUSES, TASK_TYPES, BULK_TASK_ACTIONS } from '../shared/enums.js';
import { boundedDate, dbId, dbIdStrict } from '../shared/input-schemas.js';
import { MAX_MESSAGE_TEMPLATE, MAX_TASK_NAME } from '../shared/limits.js';

/**
 * An enum input read the forgiving way the platform's clients write it: any letter case (`high`, `High`) and
 * the spec's synonyms (`NORMAL` for MEDIUM). Responses keep the one spelling of src/shared/enums.ts.
 */
export function enumInput<const T extends readonly [string, ...string[]]>(values: T, aliases: Record<string, T[number]> = {}) {
  const byKey = new Map<string, T[number]>(values.map((v) => [v.toUpperCase(), v]));
  for (const [alias, value] of Object.entries(aliases)) byKey.set(alias.toUpperCase(), value);
  return z.preprocess((v) => (typeof v === 'string' ? (byKey.get(v.trim().toUpperCase()) ?? v) : v), z.enum(values));
}
export const priorityInput = () => enumInput(PRIORITIES, { NORMAL: 'MEDIUM' });

/** Accepts ?status=A&status=B and ?status=A,B alike. */
export const csvArray = <T extends z.ZodTypeAny>(item: T) =>
  z.preprocess(
    (v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(',')).filter(Boolean)),
    z.array(item).optional(),
  );

const optionalDate = boundedDate();

const KNOWN_VARIABLES = TEMPLATE_VARIABLES.map((v) => `{${v}}`).join(', ');

export const taskSettingsSchema = z
  .object({
    /** Free-form notes shown in the UI; pacing is never configurable per task (the Account Manager owns it). */
    notes: z.string().max(2000).optional(),
  })
  .strict();

const taskFields = {
  name: z.string().trim().min(1, 'name must not be empty').max(MAX_TASK_NAME),
  platform: enumInput(PLATFORMS).default('telegram'),
  type: enumInput(TASK_TYPES),
  target_group: z.string().trim().min(2, 'target group must be a link, @name or numeric id').max(300, 'target group must be at most 300 characters'),
  // A variable the worker does not know would reach real people as written ("Привет, {firstname}!"): refused here,
  // naming it, so the typo is fixed before anything is sent.
  message_template: z
    .string()
    .trim()
    .min(1, 'message template must not be empty')
    .max(MAX_MESSAGE_TEMPLATE)
    .superRefine((text, ctx) => {
      const unknown = unknownTemplateVariables(text);
      if (unknown.length)
        ctx.addIssue({
          code: 'custom',
          message: `unknown variable ${unknown.join(', ')}: the template can use ${KNOWN_VARIABLES}`,
          params: { i18n: 'FIELD.template_variable', variable: unknown.join(', '), known: KNOWN_VARIABLES },
        });
      const unclosed = unclosedTemplateVariables(text);
      if (unclosed.length)
        ctx.addIssue({
          code: 'custom',
          message: `variable ${unclosed.join(', ')} is not closed with "}"`,
          params: { i18n: 'FIELD.template_unclosed', variable: unclosed.join(', ') },
        });
    }),
  priority: priorityInput().default('MEDIUM'),
  scheduled_at: optionalDate.nullable(),
  settings: taskSettingsSchema,
  /**
   * The accounts the task may use; null: every suitable account of the owner (the default).
   * Repeats are dropped; whether each is the caller's own is checked by the service (TaskService.checkChosenAccounts).
   */
  account_ids: z
    .array(dbIdStrict('account id'))
    .max(500)
    .refine((ids) => ids.length > 0, {
      message: 'choose at least one account, or null for every suitable account',
      params: { i18n: 'FIELD.accounts_none_chosen' },
    })
    .transform((ids) => [...new Set(ids)])
    .nullable(),
};

export const manualTargetSchema = z.union([
  z.string().min(1),
  z.object({
    username: z.string().optional().nullable(),
    user_id: z.union([z.string(), z.number()]).optional().nullable(),
    phone: z.string().optional().nullable(),
    first_name: z.string().optional().nullable(),
    last_name: z.string().optional().nullable(),
  }),
]);

export const createTaskSchema = z
  .object({
    name: taskFields.name.optional(),
    platform: taskFields.platform,
    type: taskFields.type,
    target_group: taskFields.target_group.optional(),
    message_template: taskFields.message_template.optional(),
    priority: taskFields.priority,
    scheduled_at: taskFields.scheduled_at.optional(),
    settings: taskFields.settings.default({}),
    account_ids: taskFields.account_ids.optional(),
    /** Optional audience given inline (usernames, ids, phones or objects). */
    targets: z.array(manualTargetSchema).max(10_000).optional(),
    /** Start right after creation (the create form's "start now"). */
    start: z.boolean().default(false),
    /**
     * false: create only a task that can start (audience, usable account, group and admin), else 409 with the
     * reasons per field and nothing created; true: save as a draft whatever is missing, the reason kept on it.
     * Left out: created as before (API clients that create first and import after), its why shown on the task.
     */
    draft: z.boolean().optional(),
    /** How many people the client imports right after creating (the form's file preview or chosen base). */
    audience_count: z.number().int().min(0).max(100_000_000).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.type === 'invite_to_group' && !v.target_group)
      ctx.addIssue({
        code: 'custom',
        path: ['target_group'],
        message: 'an invite task needs the group or channel to invite into',
        params: { i18n: 'FIELD.group_required' },
      });
    if (v.type === 'direct_message' && !v.message_template)
      ctx.addIssue({
        code: 'custom',
        path: ['message_template'],
        message: 'a direct-message task needs a message template',
        params: { i18n: 'FIELD.template_required' },
      });
  });

export const updateTaskSchema = z
  .object({
    name: taskFields.name.optional(),
    target_group: taskFields.target_group.optional(),
    message_template: taskFields.message_template.optional(),
    // Not taskFields.priority.optional(): zod still applies the inner default, so a rename would reset the priority.
    priority: priorityInput().optional(),
    scheduled_at: taskFields.scheduled_at.optional(),
    settings: taskSettingsSchema.optional(),
    account_ids: taskFields.account_ids.optional(),
  })
  .strict();

export const TASK_SORTS = ['created_at', 'updated_at', 'name', 'priority', 'status', 'progress'] as const;

export const listTasksQuery = z.object({
  status: csvArray(enumInput(TASK_STATUSES)),
  platform: csvArray(enumInput(PLATFORMS)),
  priority: csvArray(priorityInput()),
  created_after: optionalDate.optional(),
  created_before: optionalDate.optional(),
  name_contains: z.string().max(200).optional(),
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100, 'page_size can be at most 100').default(20),
  sort: z.enum(TASK_SORTS).default('created_at'),
  order: z.enum(['asc', 'desc']).default('desc'),
  running_first: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
});

export const bulkTasksSchema = z
  .object({
    action: enumInput(BULK_TASK_ACTIONS),
    task_ids: z.array(dbId('task id')).min(1).max(100),
    priority: priorityInput().optional(),
  })
  .refine((v) => v.action !== 'SET_PRIORITY' || v.priority, {
    message: 'SET_PRIORITY needs a priority',
    path: ['priority'],
    params: { i18n: 'FIELD.priority_required' },
  });

export const idParams = z.object({ id: dbId('id') });
export const targetParams = idParams.extend({ tid: dbId('target id') });

export type CreateTaskInput = z.infer<typeof createTaskSchema>;
export type UpdateTaskInput = z.infer<typeof updateTaskSchema>;
export type ListTasksQuery = z.infer<typeof listTasksQuery>;
