import { z } from 'zod';
import { PLATFORM_MODES, PLATFORMS, PRIORITIES, TASK_STATUSES, TASK_TYPES } from '../shared/enums.js';
import { compiledResponse } from '../http/response-serializer.js';
import type { TaskCounters, TaskJson } from './task-service.js';

/**
 * Response schemas of the polled reads (status, list), serialised by a compiled serialiser
 * (src/http/response-serializer.ts). Fields the schema does not name are still written; the type checks below make a
 * schema that disagrees with the response type (a field renamed, made nullable) fail the typecheck.
 */
const countersSchema = z.object({
  total: z.number().int(),
  pending: z.number().int(),
  in_flight: z.number().int(),
  invited: z.number().int(),
  sent: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int(),
  done: z.number().int(),
  progress: z.number(),
});

const nullableString = z.string().nullable();

export const taskJsonSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  platform: z.enum(PLATFORMS),
  platform_mode: z.enum(PLATFORM_MODES),
  sandbox: z.boolean(),
  type: z.enum(TASK_TYPES),
  target_group: nullableString,
  target_group_title: nullableString,
  message_template: nullableString,
  account_ids: z.array(z.number().int()).nullable(),
  priority: z.enum(PRIORITIES),
  status: z.enum(TASK_STATUSES),
  status_reason: nullableString,
  scheduled_at: nullableString,
  settings: z.record(z.string(), z.unknown()),
  counters: countersSchema,
  created_at: z.string(),
  updated_at: z.string(),
  started_at: nullableString,
  finished_at: nullableString,
});

/** `why` (src/tasks/task-why.ts) is written as it is, whatever its shape. */
const why = z.unknown();

export const taskListResponse = compiledResponse(
  z.object({
    items: z.array(taskJsonSchema.extend({ why })),
    total: z.number().int(),
    page: z.number().int(),
    page_size: z.number().int(),
    pages: z.number().int(),
  }),
);

export const taskStatusResponse = compiledResponse(
  z.object({
    id: z.number().int(),
    status: z.enum(TASK_STATUSES),
    status_reason: nullableString,
    platform_mode: z.enum(PLATFORM_MODES),
    sandbox: z.boolean(),
    counters: countersSchema,
    eta_seconds: z.number().int().nullable(),
    why,
    updated_at: z.string(),
  }),
);

/** The schema and the type it stands for must agree both ways (a compile-time check; nothing runs). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agree = <T extends true>(_: T) => {};
agree<Same<z.infer<typeof taskJsonSchema>, TaskJson>>(true);
agree<Same<z.infer<typeof countersSchema>, TaskCounters>>(true);
