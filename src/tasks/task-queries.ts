import { CompiledQuery, sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database, TaskRow, TasksTable } from '../db/schema.js';
import { preparedSql } from '../db/prepared-statements.js';
import type { ListTasksQuery } from './task-schemas.js';

/**
 * The two reads a UI polls (issue 13): a task's status and a page of the task list, each one round trip, each run as
 * a prepared statement on PostgreSQL (src/db/prepared-statements.ts), each costing the same whatever the audience
 * size (counters come from task_counters, kept by triggers: migration 7).
 */

/**
 * Every column of tasks, named (prepared statements must not `SELECT *`). A Record over the table's keys, so a column
 * added to TasksTable fails the typecheck here until it is listed: a row read here is always a whole TaskRow.
 */
const TASK_COLUMN_SET: Record<keyof TasksTable, true> = {
  id: true,
  user_id: true,
  name: true,
  platform: true,
  platform_mode: true,
  type: true,
  target_group: true,
  target_group_title: true,
  target_group_key: true,
  message_template: true,
  priority: true,
  status: true,
  status_reason: true,
  status_reason_params: true,
  scheduled_at: true,
  settings: true,
  last_dispatched_at: true,
  created_at: true,
  updated_at: true,
  started_at: true,
  finished_at: true,
};
const TASK_COLUMNS = Object.keys(TASK_COLUMN_SET);
const taskColumns = (alias: string) => TASK_COLUMNS.map((c) => `${alias}.${c}`).join(', ');

/** A task's counters as one JSON value, from its task_counters row (null when it has none), for the task aliased `alias`. */
export const countersJsonSql = (alias: string) => `(
  SELECT json_build_object(
    'total', c.pending + c.in_flight + c.invited + c.sent + c.skipped + c.failed, 'pending', c.pending, 'in_flight', c.in_flight,
    'invited', c.invited, 'sent', c.sent, 'skipped', c.skipped, 'failed', c.failed,
    'done', c.invited + c.sent + c.skipped + c.failed,
    'progress', CASE WHEN c.pending + c.in_flight + c.invited + c.sent + c.skipped + c.failed = 0 THEN 0
                     ELSE round((c.invited + c.sent + c.skipped + c.failed)::numeric / (c.pending + c.in_flight + c.invited + c.sent + c.skipped + c.failed), 4) END)
  FROM task_counters c WHERE c.task_id = ${alias}.id)`;

/**
 * Whether the task's owner has an account that could send for it (not banned, logged out or disabled), for the why
 * of a task not started yet (src/tasks/task-why.ts): read with the task so that why costs no extra round trip.
 */
const usableAccountSql = (alias: string) => `EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = ${alias}.user_id
    AND a.platform_mode = ${alias}.platform_mode AND a.status NOT IN ('BANNED', 'DEAUTHORIZED', 'DISABLED'))`;

/** The status poll: the owned task (another user's is no row: 404), its counters and how many accounts may serve it (for the ETA). */
const STATUS_SQL = preparedSql(`SELECT ${taskColumns('t')}, ${countersJsonSql('t')} AS counters,
  (SELECT count(*)::int FROM task_accounts ta JOIN accounts a ON a.id = ta.account_id
    WHERE ta.task_id = t.id AND ta.eligible AND a.status NOT IN ('BANNED', 'DEAUTHORIZED', 'DISABLED')) AS eligible_accounts,
  ${usableAccountSql('t')} AS has_usable_account
FROM tasks t WHERE t.id = $1 AND t.user_id = $2`);

export type TaskWithCounters = TaskRow & { counters: Record<string, unknown> | null; has_usable_account: boolean };

export async function readTaskForStatus(
  db: Kysely<Database>,
  userId: number,
  id: number,
): Promise<(TaskWithCounters & { eligible_accounts: number }) | undefined> {
  const { rows } = await db.executeQuery<TaskWithCounters & { eligible_accounts: number }>(CompiledQuery.raw(STATUS_SQL, [id, userId]));
  return rows[0];
}

/** What one list page read returns: the page's rows with their counters, and the number of matching tasks. */
export interface TaskPage {
  rows: TaskWithCounters[];
  total: number;
}

/**
 * One page of a user's tasks with the total in the same statement (`count(*) OVER ()`, computed before LIMIT).
 * The counters are read for the page's rows only (after LIMIT), except when sorting by progress, which needs every
 * matching task's counters to order them. A page past the end has no row to carry the total: then, and only then,
 * a count query answers it.
 */
export async function readTaskPage(db: Kysely<Database>, userId: number, q: ListTasksQuery): Promise<TaskPage> {
  const where: RawBuilder<unknown>[] = [sql`user_id = ${userId}`];
  if (q.status?.length) where.push(sql`status IN (${sql.join(q.status)})`);
  if (q.platform?.length) where.push(sql`platform IN (${sql.join(q.platform)})`);
  if (q.priority?.length) where.push(sql`priority IN (${sql.join(q.priority)})`);
  if (q.created_after) where.push(sql`created_at >= ${q.created_after}`);
  if (q.created_before) where.push(sql`created_at <= ${q.created_before}`);
  if (q.name_contains) where.push(sql`name ILIKE ${`%${q.name_contains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`);
  const filter = sql.join(where, sql` AND `);

  // Unqualified names: the same ORDER BY runs inside (on tasks) and outside (on the page).
  const dir = q.order === 'asc' ? sql`ASC` : sql`DESC`;
  const orderExpr = {
    created_at: sql`created_at`,
    updated_at: sql`updated_at`,
    name: sql`lower(name)`,
    status: sql`status`,
    priority: sql`CASE priority WHEN 'HIGH' THEN 3 WHEN 'MEDIUM' THEN 2 ELSE 1 END`,
    progress: sql`(counters->>'progress')::numeric`,
  }[q.sort];
  // Running tasks lead the list (what a marketer watches), then the order asked for; running_first=false turns that off.
  const order = sql.join([...(q.running_first !== false ? [sql`(status = 'IN_PROGRESS') DESC`] : []), sql`${orderExpr} ${dir}`, sql`id DESC`]);
  const limit = sql`LIMIT ${q.page_size} OFFSET ${(q.page - 1) * q.page_size}`;

  const byProgress = q.sort === 'progress';
  const page = byProgress
    ? sql`SELECT *, count(*) OVER () AS total_count
        FROM (SELECT ${sql.raw(taskColumns('tasks'))}, ${sql.raw(countersJsonSql('tasks'))} AS counters FROM tasks WHERE ${filter}) tasks
        ORDER BY ${order} ${limit}`
    : sql`SELECT ${sql.raw(taskColumns('tasks'))}, count(*) OVER () AS total_count FROM tasks WHERE ${filter} ORDER BY ${order} ${limit}`;
  const query = byProgress
    ? sql<TaskWithCounters & { total_count: number }>`SELECT page.* FROM (${page}) page ORDER BY ${order}`
    : sql<TaskWithCounters & { total_count: number }>`SELECT page.*, ${sql.raw(countersJsonSql('page'))} AS counters FROM (${page}) page ORDER BY ${order}`;
  const withUsable = sql<
    TaskWithCounters & { total_count: number }
  >`SELECT q.*, ${sql.raw(usableAccountSql('q'))} AS has_usable_account FROM (${query}) q ORDER BY ${order}`;

  const compiled = withUsable.compile(db);
  preparedSql(compiled.sql);
  const { rows } = await db.executeQuery(compiled);
  if (rows.length) return { rows: rows.map(({ total_count: _, ...row }) => row as TaskWithCounters), total: Number(rows[0]!.total_count) };
  if (q.page === 1) return { rows: [], total: 0 };
  const { rows: count } = await db.executeQuery(sql<{ total: number }>`SELECT count(*)::int AS total FROM tasks WHERE ${filter}`.compile(db));
  return { rows: [], total: Number(count[0]?.total ?? 0) };
}
