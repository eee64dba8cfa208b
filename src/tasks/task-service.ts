import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, TaskRow } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import { AppError, conflict, notFound } from '../shared/errors.js';
import { FINISHED_TASK_STATUSES, type PlatformMode } from '../shared/enums.js';
import type { CreateTaskInput, ListTasksQuery, UpdateTaskInput } from './task-schemas.js';

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

const EMPTY: TaskCounters = { total: 0, pending: 0, in_flight: 0, invited: 0, sent: 0, skipped: 0, failed: 0, done: 0, progress: 0 };

export function taskToJson(t: TaskRow, counters: TaskCounters = EMPTY) {
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
    priority: t.priority,
    status: t.status,
    status_reason: t.status_reason,
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
const countersSql = sql<TaskCounters>`(
  SELECT json_build_object(
    'total', c.pending + c.in_flight + c.invited + c.sent + c.skipped + c.failed, 'pending', c.pending, 'in_flight', c.in_flight,
    'invited', c.invited, 'sent', c.sent, 'skipped', c.skipped, 'failed', c.failed,
    'done', c.invited + c.sent + c.skipped + c.failed,
    'progress', CASE WHEN c.pending + c.in_flight + c.invited + c.sent + c.skipped + c.failed = 0 THEN 0
                     ELSE round((c.invited + c.sent + c.skipped + c.failed)::numeric / (c.pending + c.in_flight + c.invited + c.sent + c.skipped + c.failed), 4) END)
  FROM task_counters c WHERE c.task_id = tasks.id)`;

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
  async getOwnedForStatus(userId: number, id: number): Promise<{ task: TaskRow; counters: TaskCounters; eligibleAccounts: number }> {
    const row = await this.db
      .selectFrom('tasks')
      .selectAll()
      .select(countersSql.as('counters'))
      .select(
        sql<number>`(SELECT count(*)::int FROM task_accounts ta JOIN accounts a ON a.id = ta.account_id
        WHERE ta.task_id = tasks.id AND ta.eligible AND a.status NOT IN ('BANNED', 'DEAUTHORIZED', 'DISABLED'))`.as('eligible_accounts'),
      )
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (!row) throw notFound('Task');
    const { counters, eligible_accounts, ...task } = row;
    return { task: task as TaskRow, counters: normaliseCounters(counters as unknown as Record<string, unknown>), eligibleAccounts: Number(eligible_accounts) };
  }

  async counters(taskId: number): Promise<TaskCounters> {
    const row = await this.db.selectFrom('tasks').select(countersSql.as('counters')).where('id', '=', taskId).executeTakeFirstOrThrow();
    return normaliseCounters(row.counters as unknown as Record<string, unknown>);
  }

  async toJson(row: TaskRow): Promise<TaskJson> {
    return taskToJson(row, await this.counters(row.id));
  }

  async create(userId: number, input: CreateTaskInput, name: string): Promise<TaskRow> {
    const now = this.clock.now();
    return this.db
      .insertInto('tasks')
      .values({
        user_id: userId,
        name,
        platform: input.platform,
        platform_mode: this.platformMode,
        type: input.type,
        target_group: input.type === 'invite_to_group' ? (input.target_group ?? null) : null,
        target_group_title: null,
        target_group_key: null,
        message_template: input.message_template ?? null,
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

  async update(userId: number, id: number, patch: UpdateTaskInput): Promise<TaskRow> {
    const task = await this.getOwned(userId, id);
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
    const set: Record<string, unknown> = { updated_at: this.clock.now() };
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) set[k] = k === 'settings' ? JSON.stringify(v) : v;
    if (patch.target_group !== undefined && patch.target_group !== task.target_group) Object.assign(set, { target_group_title: null, target_group_key: null });
    // The status checks above hold at the moment of the write too (a task may finish or start meanwhile).
    let q = this.db.updateTable('tasks').set(set).where('id', '=', id);
    if (Object.keys(patch).some((k) => k !== 'name' && k !== 'settings')) q = q.where('status', 'not in', [...FINISHED_TASK_STATUSES]);
    if (patch.target_group !== undefined && patch.target_group !== task.target_group) q = q.where('status', '=', 'PENDING');
    const row = await q.returningAll().executeTakeFirst();
    if (row) return row;
    const now = await this.getOwned(userId, id);
    throw conflict('TASK_STATUS_CHANGED', `Task "${now.name}" is ${now.status} now; this change is no longer allowed. Reload and try again.`, {
      params: { name: now.name, status: now.status },
    });
  }

  async delete(userId: number, id: number): Promise<void> {
    await this.getOwned(userId, id);
    await this.db.deleteFrom('tasks').where('id', '=', id).execute();
  }

  /** Copies settings and the audience (reset to pending) into a new PENDING task. */
  async duplicate(userId: number, id: number): Promise<TaskRow> {
    const src = await this.getOwned(userId, id);
    const now = this.clock.now();
    return this.db.transaction().execute(async (trx) => {
      const copy = await insertTaskCopy(trx, src, `${src.name} (copy)`, now);
      await sql`INSERT INTO targets (task_id, identity_key, username, user_id_platform, phone, first_name, last_name, source, extra, created_at, updated_at)
        SELECT ${copy.id}, identity_key, username, user_id_platform, phone, first_name, last_name, source, extra, ${now}, ${now}
        FROM targets WHERE task_id = ${src.id} ORDER BY id`.execute(trx);
      return copy;
    });
  }

  async list(userId: number, q: ListTasksQuery) {
    let base = this.db.selectFrom('tasks').where('user_id', '=', userId);
    if (q.status?.length) base = base.where('status', 'in', q.status);
    if (q.platform?.length) base = base.where('platform', 'in', q.platform);
    if (q.priority?.length) base = base.where('priority', 'in', q.priority);
    if (q.created_after) base = base.where('created_at', '>=', q.created_after);
    if (q.created_before) base = base.where('created_at', '<=', q.created_before);
    if (q.name_contains) base = base.where('name', 'ilike', `%${q.name_contains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const { total } = await base.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow();
    const dir = q.order === 'asc' ? sql`ASC` : sql`DESC`;
    const orderExpr = {
      created_at: sql`created_at`,
      updated_at: sql`updated_at`,
      name: sql`lower(name)`,
      status: sql`status`,
      priority: sql`CASE priority WHEN 'HIGH' THEN 3 WHEN 'MEDIUM' THEN 2 ELSE 1 END`,
      progress: sql`(counters->>'progress')::numeric`,
    }[q.sort];
    const rows = await this.db
      .selectFrom(base.selectAll().select(countersSql.as('counters')).as('tasks'))
      .selectAll()
      .orderBy(sql`${orderExpr} ${dir}`)
      .orderBy('id', 'desc')
      .limit(q.page_size)
      .offset((q.page - 1) * q.page_size)
      .execute();
    return {
      items: rows.map((r) => taskToJson(r as unknown as TaskRow, normaliseCounters(r.counters as unknown as Record<string, unknown>))),
      total,
      page: q.page,
      page_size: q.page_size,
      pages: Math.ceil(total / q.page_size),
    };
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
