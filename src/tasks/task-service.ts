import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, TaskRow } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import { AppError, conflict, notFound } from '../shared/errors.js';
import { FINISHED_TASK_STATUSES, type PlatformMode } from '../shared/enums.js';
import { DEFAULT_API_LANG, localised, renderStoredReason, type Lang } from '../shared/messages.js';
import { derivedTaskName } from '../shared/limits.js';
import { copyTargets } from '../targets/target-copy.js';
import { TARGET_REFUSAL_CODES } from '../platform/platform-error.js';
import type { CreateTaskInput, ListTasksQuery, UpdateTaskInput } from './task-schemas.js';
import { countersJsonSql, readTaskForStatus, readTaskPage, type TaskPage } from './task-queries.js';
import { taskPageJson } from './task-list-json.js';

export interface TaskCounters {
  total: number;
  pending: number;
  in_flight: number;
  invited: number;
  sent: number;
  skipped: number;
  failed: number;
  /** Targets with a final outcome. */
  done: number;
  /** done / total, 0..1. */
  progress: number;
}

/** The word a copy's name ends with, in brackets, in the reader's language. */
const COPY_WORD: Record<Lang, string> = { ru: 'копия', en: 'copy' };

const EMPTY: TaskCounters = { total: 0, pending: 0, in_flight: 0, invited: 0, sent: 0, skipped: 0, failed: 0, done: 0, progress: 0 };

/** A task as the API answers it; `lang` is the reader's, for its stored status reason (a message code). */
export function taskToJson(t: TaskRow, counters: TaskCounters = EMPTY, lang: Lang = DEFAULT_API_LANG) {
  return {
    id: t.id,
    name: t.name,
    platform: t.platform,
    platform_mode: t.platform_mode,
    sandbox: t.platform_mode === 'sandbox',
    type: t.type,
    target_group: t.target_group,
    target_group_title: t.target_group_title,
    message_template: t.message_template,
    account_ids: t.account_ids,
    priority: t.priority,
    status: t.status,
    status_reason: renderStoredReason(t.status_reason, t.status_reason_params, lang),
    scheduled_at: t.scheduled_at?.toISOString() ?? null,
    settings: t.settings,
    counters,
    created_at: t.created_at.toISOString(),
    updated_at: t.updated_at.toISOString(),
    started_at: t.started_at?.toISOString() ?? null,
    finished_at: t.finished_at?.toISOString() ?? null,
  };
}
export type TaskJson = ReturnType<typeof taskToJson>;

/** A task's counters, kept in task_counters by triggers on targets (migration 7): one row read, whatever the audience size. */
const countersSql = sql<TaskCounters>`${sql.raw(countersJsonSql('tasks'))}`;

const normaliseCounters = (c: Record<string, unknown> | null): TaskCounters =>
  Object.fromEntries(Object.entries({ ...EMPTY, ...(c ?? {}) }).map(([k, v]) => [k, Number(v)])) as unknown as TaskCounters;

/** Status changes live in task-status.ts; re-exported for existing importers. */
export { assertTransition } from './task-status.js';

/** A new PENDING task with another task's settings (owner, type, group, template, priority), not started, no audience. */
export function insertTaskCopy(trx: Transaction<Database>, src: TaskRow, name: string, now: Date): Promise<TaskRow> {
  return trx
    .insertInto('tasks')
    .values({
      user_id: src.user_id,
      name: name.slice(0, 200),
      platform: src.platform,
      platform_mode: src.platform_mode,
      type: src.type,
      target_group: src.target_group,
      target_group_title: src.target_group_title,
      target_group_key: src.target_group_key,
      message_template: src.message_template,
      account_ids: src.account_ids,
      priority: src.priority,
      status: 'PENDING',
      status_reason: null,
      scheduled_at: null,
      settings: JSON.stringify(src.settings ?? {}),
      last_dispatched_at: null,
      created_at: now,
      updated_at: now,
      started_at: null,
      finished_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export type GroupIdentity = { key: string; title: string };

/** How far in the past a start time may be and still mean "now" (a form filled in a minute ago). */
const PAST_START_TOLERANCE_MS = 60_000;

/**
 * A start time already past is refused at its field: it was taken silently and the task started at once, with the
 * old time kept (the form checks against the browser's clock, which need not be the server's).
 */
function refusePastStart(at: Date | null | undefined, now: Date): void {
  if (at && at.getTime() < now.getTime() - PAST_START_TOLERANCE_MS)
    throw new AppError(400, 'SCHEDULED_IN_PAST', 'The start time has already passed: choose a time in the future, or start the task now.', [
      { field: 'scheduled_at', message: localised('FIELD.scheduled_past') },
    ]);
}

/** Task records scoped to their owner: another user's task behaves as if it did not exist (404). */
export class TaskService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly platformMode: PlatformMode,
  ) {}

  async getOwned(userId: number, id: number): Promise<TaskRow> {
    const row = await this.db.selectFrom('tasks').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    if (!row) throw notFound('Task');
    return row;
  }

  /**
   * The status poll in one round trip: the owned task, its counters and how many accounts may serve it (what
   * StatsService.etaSeconds needs), instead of three queries.
   */
  async getOwnedForStatus(userId: number, id: number): Promise<{ task: TaskRow; counters: TaskCounters; eligibleAccounts: number; hasUsableAccount: boolean }> {
    const row = await readTaskForStatus(this.db, userId, id);
    if (!row) throw notFound('Task');
    const { counters, eligible_accounts, has_usable_account, ...task } = row;
    return {
      task: task as TaskRow,
      counters: normaliseCounters(counters as unknown as Record<string, unknown>),
      eligibleAccounts: Number(eligible_accounts),
      hasUsableAccount: !!has_usable_account,
    };
  }

  async counters(taskId: number): Promise<TaskCounters> {
    const row = await this.db.selectFrom('tasks').select(countersSql.as('counters')).where('id', '=', taskId).executeTakeFirstOrThrow();
    return normaliseCounters(row.counters as unknown as Record<string, unknown>);
  }

  async toJson(row: TaskRow, lang: Lang = DEFAULT_API_LANG): Promise<TaskJson> {
    return taskToJson(row, await this.counters(row.id), lang);
  }

  /**
   * `group`: the group the link names, when the caller could resolve it (GroupCheckService.identify): its title is shown
   * instead of the link and its key scopes audience hygiene before the start, whose check sets both again.
   */
  async create(userId: number, input: CreateTaskInput, name: string, group: GroupIdentity | null = null): Promise<TaskRow> {
    const now = this.clock.now();
    refusePastStart(input.scheduled_at, now);
    return this.db
      .insertInto('tasks')
      .values({
        user_id: userId,
        name,
        platform: input.platform,
        platform_mode: this.platformMode,
        type: input.type,
        target_group: input.type === 'invite_to_group' ? (input.target_group ?? null) : null,
        target_group_title: input.type === 'invite_to_group' ? (group?.title ?? null) : null,
        target_group_key: input.type === 'invite_to_group' ? (group?.key ?? null) : null,
        message_template: input.message_template ?? null,
        account_ids: input.account_ids ?? null,
        priority: input.priority,
        status: 'PENDING',
        status_reason: null,
        scheduled_at: input.scheduled_at ?? null,
        settings: JSON.stringify(input.settings ?? {}),
        last_dispatched_at: null,
        created_at: now,
        updated_at: now,
        started_at: null,
        finished_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** `group`: what the new `target_group` names, if resolved (as for `create`); a new link without it is not known yet. */
  /** `owned`: the task's id, or its row when the caller has just read it (getOwned) — the write checks its status again. */
  async update(userId: number, owned: number | TaskRow, patch: UpdateTaskInput, group: GroupIdentity | null = null): Promise<TaskRow> {
    const task = typeof owned === 'number' ? await this.getOwned(userId, owned) : owned;
    const id = task.id;
    if (FINISHED_TASK_STATUSES.includes(task.status) && Object.keys(patch).some((k) => k !== 'name' && k !== 'settings')) {
      throw conflict('TASK_FINISHED', `Task "${task.name}" is ${task.status}; only its name and notes can change. Duplicate it to run again.`, {
        key: 'TASK_FINISHED.edit',
        params: { name: task.name, status: task.status },
      });
    }
    if (patch.target_group !== undefined && task.type !== 'invite_to_group') {
      throw new AppError(400, 'NOT_AN_INVITE_TASK', 'Only invite tasks have a target group.');
    }
    if (patch.target_group !== undefined && task.status !== 'PENDING' && patch.target_group !== task.target_group) {
      throw conflict('GROUP_LOCKED', 'The target group can only change before the task starts.');
    }
    if (patch.message_template !== undefined && task.type !== 'direct_message') {
      throw new AppError(400, 'NOT_A_MESSAGE_TASK', 'Only direct-message tasks have a message template.');
    }
    // Only a new time: a form sent back whole carries the old one, passed by now for a task that has started.
    if (patch.scheduled_at && patch.scheduled_at.getTime() !== task.scheduled_at?.getTime()) refusePastStart(patch.scheduled_at, this.clock.now());
    const set: Record<string, unknown> = { updated_at: this.clock.now() };
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) set[k] = k === 'settings' ? JSON.stringify(v) : v;
    if (patch.target_group !== undefined && patch.target_group !== task.target_group)
      Object.assign(set, { target_group_title: group?.title ?? null, target_group_key: group?.key ?? null });
    const row = await this.db.transaction().execute(async (trx) => {
      // A new message: the one it replaces is kept under its version, so the report writes what each person was sent.
      const before =
        patch.message_template !== undefined
          ? await trx.selectFrom('tasks').select(['message_template', 'message_version']).where('id', '=', id).forUpdate().executeTakeFirst()
          : undefined;
      const replaced = before?.message_template != null && before.message_template !== patch.message_template ? before : null;
      if (replaced) set.message_version = replaced.message_version + 1;
      // The status checks above hold at the moment of the write too (a task may finish or start meanwhile).
      let q = trx.updateTable('tasks').set(set).where('id', '=', id);
      if (Object.keys(patch).some((k) => k !== 'name' && k !== 'settings')) q = q.where('status', 'not in', [...FINISHED_TASK_STATUSES]);
      if (patch.target_group !== undefined && patch.target_group !== task.target_group) q = q.where('status', '=', 'PENDING');
      const updated = await q.returningAll().executeTakeFirst();
      if (updated && replaced)
        await trx
          .insertInto('task_message_history')
          .values({ task_id: id, version: replaced.message_version, template: replaced.message_template!, replaced_at: this.clock.now() })
          .execute();
      return updated;
    });
    if (row) return row;
    const now = await this.getOwned(userId, id);
    throw conflict('TASK_STATUS_CHANGED', `Task "${now.name}" is ${now.status} now; this change is no longer allowed. Reload and try again.`, {
      params: { name: now.name, status: now.status },
    });
  }

  /**
   * Every chosen account must be one of the caller's own, in this installation's mode: another user's account (or one
   * deleted since the form was opened) is refused at the field, as if it did not exist, and nothing is written. Asked
   * once per request, before anything else that reads the choice: by the create route ahead of its start check, and by
   * TaskLifecycle.chooseAccounts for an edit (a wrong id is a 400, not a reason the task cannot start).
   */
  async checkChosenAccounts(userId: number, ids: number[] | null | undefined): Promise<void> {
    if (!ids?.length) return;
    const own = await this.db
      .selectFrom('accounts')
      .select('id')
      .where('user_id', '=', userId)
      .where('platform_mode', '=', this.platformMode)
      .where('id', 'in', ids)
      .execute();
    const missing = ids.filter((id) => !own.some((a) => a.id === id));
    if (missing.length)
      throw new AppError(400, 'ACCOUNT_NOT_FOUND', `None of your accounts has the id ${missing[0]}.`, [
        { field: 'account_ids', message: localised('FIELD.account_not_yours', { id: missing[0]! }) },
      ]);
  }

  /** The task as it was (its name stays in the journal). */
  async delete(userId: number, id: number): Promise<TaskRow> {
    const task = await this.getOwned(userId, id);
    await this.db.deleteFrom('tasks').where('id', '=', id).execute();
    return task;
  }

  /**
   * Copies settings and the audience into a new PENDING task: people pending again, except those audience hygiene
   * skips and those the platform refused for good (privacy, blocked, no such user…: kept as skipped with that reason;
   * copyTargets). Named after the source with "(копия)" or "(copy)" in the reader's language, the source's name
   * shortened if the two would pass the name's 200 characters.
   */
  async duplicate(userId: number, id: number, lang: Lang = DEFAULT_API_LANG): Promise<TaskRow> {
    const src = await this.getOwned(userId, id);
    const now = this.clock.now();
    const name = derivedTaskName(src.name, { suffix: ` (${COPY_WORD[lang]})` });
    return this.db.transaction().execute(async (trx) => {
      const copy = await insertTaskCopy(trx, src, name, now);
      await copyTargets(trx, { from: src.id, into: copy, now, carry: TARGET_REFUSAL_CODES });
      return copy;
    });
  }

  /** A page of the list as objects (TaskJson items, no `why`): for callers that work with its values. */
  async list(
    userId: number,
    q: ListTasksQuery,
    lang: Lang = DEFAULT_API_LANG,
  ): Promise<{ items: TaskJson[]; total: number; page: number; page_size: number; pages: number }> {
    return JSON.parse(taskPageJson(await this.listPage(userId, q), q, lang));
  }

  /** A page of the list as read (each task's JSON text and what its `why` needs): the list route writes it out. */
  listPage(userId: number, q: ListTasksQuery): Promise<TaskPage> {
    return readTaskPage(this.db, userId, q);
  }

  async countActive(userId: number): Promise<number> {
    const { n } = await this.db
      .selectFrom('tasks')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('user_id', '=', userId)
      .where('status', 'in', ['IN_PROGRESS', 'SCHEDULED'])
      .executeTakeFirstOrThrow();
    return n;
  }
}
