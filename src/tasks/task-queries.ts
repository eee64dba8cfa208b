import { CompiledQuery, sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database, TaskRow, TasksTable } from '../db/schema.js';
import { preparedSql } from '../db/prepared-statements.js';
import type { ListTasksQuery } from './task-schemas.js';
import { TARGET_STATUSES, usableAccountSql } from '../shared/enums.js';

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
  message_version: true,
  account_ids: true,
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

/** One counter of the task_counters row aliased `c`, 0 when the task has no row (no audience yet). */
const counterSql = (c: string, col: string) => `coalesce(${c}.${col}, 0)`;
/** Every person of the task: task_counters has one column per target status. */
const totalSql = (c: string) => TARGET_STATUSES.map((s) => counterSql(c, s.toLowerCase())).join(' + ');
const doneSql = (c: string) => ['invited', 'sent', 'skipped', 'failed'].map((col) => counterSql(c, col)).join(' + ');
/**
 * The share done, rounded to 4 places, as the API writes it and the list sorts by it. A float8 so that its JSON text
 * is the number JavaScript would write (0.5, not numeric's 0.5000).
 */
const progressSql = (c: string) => `CASE WHEN ${totalSql(c)} = 0 THEN 0 ELSE round((${doneSql(c)})::numeric / (${totalSql(c)}), 4)::float8 END`;

/**
 * A task's counters as the API writes them (TaskCounters), as a select list over the task_counters row aliased `c`;
 * zeros when the task has no row, as taskToJson's defaults.
 */
const countersSelect = (c: string) =>
  `${totalSql(c)} AS total, ${counterSql(c, 'pending')} AS pending, ${counterSql(c, 'in_flight')} AS in_flight,
    ${counterSql(c, 'invited')} AS invited, ${counterSql(c, 'sent')} AS sent, ${counterSql(c, 'skipped')} AS skipped,
    ${counterSql(c, 'failed')} AS failed, ${doneSql(c)} AS done, ${progressSql(c)} AS progress`;

/** A task's counters as one JSON value, from its task_counters row (null when it has none), for the task aliased `alias`. */
export const countersJsonSql = (alias: string) =>
  `(SELECT row_to_json(k) FROM (SELECT ${countersSelect('c')} FROM task_counters c WHERE c.task_id = ${alias}.id) k)`;

/**
 * Whether the task's owner has an account that could send for it (not banned, logged out or disabled), for the why
 * of a task not started yet (src/tasks/task-why.ts): read with the task so that why costs no extra round trip.
 */
const ownerHasUsableAccountSql = (alias: string) => `EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = ${alias}.user_id
    AND a.platform_mode = ${alias}.platform_mode AND ${usableAccountSql('a.status')}
    AND (${alias}.account_ids IS NULL OR a.id = ANY(${alias}.account_ids)))`;

/** The status poll: the owned task (another user's is no row: 404), its counters and how many accounts may serve it (for the ETA). */
const STATUS_SQL = preparedSql(`SELECT ${taskColumns('t')}, ${countersJsonSql('t')} AS counters,
  (SELECT count(*)::int FROM task_accounts ta JOIN accounts a ON a.id = ta.account_id
    WHERE ta.task_id = t.id AND ta.eligible AND ${usableAccountSql('a.status')}) AS eligible_accounts,
  ${ownerHasUsableAccountSql('t')} AS has_usable_account
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

/** What a task's `why` reads of it (src/tasks/task-why.ts). */
export type WhyTask = Pick<
  TaskRow,
  'id' | 'user_id' | 'platform_mode' | 'status' | 'status_reason' | 'status_reason_params' | 'scheduled_at' | 'type' | 'target_group_key' | 'account_ids'
>;

/**
 * One task of a list page: what its `why` needs, and its JSON (TaskJson) already written by PostgreSQL in two halves
 * around status_reason, which is rendered in the reader's language (src/tasks/task-list-json.ts joins them).
 */
export type TaskListRow = WhyTask & {
  pending: number;
  has_usable_account: boolean;
  /** `{"id":…,…,"status":…}`: TaskJson's fields before status_reason, in its order. */
  head: string;
  /** `{"scheduled_at":…,…,"finished_at":…}`: the fields after it. */
  tail: string;
};

/** What one list page read returns: the page's rows, and the number of matching tasks. */
export interface TaskPage {
  rows: TaskListRow[];
  total: number;
}

/** An ISO 8601 UTC timestamp in milliseconds, the text Date.toISOString writes (both drop the microseconds). */
const isoSql = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A list item's JSON written by PostgreSQL, for the task aliased `t` and its task_counters row `c` (which may be
 * absent), field for field what taskToJson writes (test/api-read-path.test.ts compares them). Why: for the list,
 * building each task's object in Node (parsing every column, dates into Date, then back into text) and serialising
 * it was most of the request's CPU; PostgreSQL writes the same text while it reads the rows.
 */
const itemHeadSql = (t: string) => `(SELECT row_to_json(h) FROM (SELECT ${t}.id, ${t}.name, ${t}.platform, ${t}.platform_mode,
    ${t}.platform_mode = 'sandbox' AS sandbox, ${t}.type, ${t}.target_group, ${t}.target_group_title, ${t}.message_template,
    ${t}.account_ids,
    ${t}.priority, ${t}.status) h)::text`;
const itemTailSql = (t: string, c: string) => `(SELECT row_to_json(tl) FROM (SELECT ${isoSql(`${t}.scheduled_at`)} AS scheduled_at,
    ${t}.settings, (SELECT row_to_json(k) FROM (SELECT ${countersSelect(c)}) k) AS counters, ${isoSql(`${t}.created_at`)} AS created_at,
    ${isoSql(`${t}.updated_at`)} AS updated_at, ${isoSql(`${t}.started_at`)} AS started_at, ${isoSql(`${t}.finished_at`)} AS finished_at) tl)::text`;

/**
 * One page of a user's tasks with the total in the same statement (`count(*) OVER ()`, computed before LIMIT), each
 * row carrying its JSON (see TaskListRow). Only sorting by progress joins the counters before LIMIT (it orders by
 * them); otherwise they are read for the page's rows only. A page past the end has no row to carry the total: then,
 * and only then, a count query answers it.
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

  // Unqualified names (task_counters shares none with tasks but id's `task_id`): the same ORDER BY runs inside (on
  // tasks) and outside (on the page), each with its task_counters row as `c`. A task without a row (never had an
  // audience) has a NULL progress: last either way (it led "most progress first"). Ties in time go the asked way too
  // (tasks created in the same second came newest-first in "oldest first").
  const dir = q.order === 'asc' ? sql`ASC` : sql`DESC`;
  const orderExpr = {
    created_at: sql`created_at`,
    updated_at: sql`updated_at`,
    name: sql`lower(name)`,
    status: sql`status`,
    priority: sql`CASE priority WHEN 'HIGH' THEN 3 WHEN 'MEDIUM' THEN 2 ELSE 1 END`,
    progress: sql`CASE WHEN c.task_id IS NULL THEN NULL ELSE ${sql.raw(progressSql('c'))} END`,
  }[q.sort];
  // Running tasks lead the list (what a marketer watches), then the order asked for; running_first=false turns that off.
  const byTime = q.sort === 'created_at' || q.sort === 'updated_at';
  const order = sql.join([
    ...(q.running_first !== false ? [sql`(status = 'IN_PROGRESS') DESC`] : []),
    sql`${orderExpr} ${dir} NULLS LAST`,
    byTime ? sql`id ${dir}` : sql`id DESC`,
  ]);
  const from = q.sort === 'progress' ? sql`tasks LEFT JOIN task_counters c ON c.task_id = tasks.id` : sql`tasks`;

  const query = sql<TaskListRow & { total_count: string }>`SELECT p.id, p.user_id, p.platform_mode, p.status, p.status_reason,
      p.status_reason_params, p.scheduled_at, p.type, p.target_group_key, p.account_ids, ${sql.raw(counterSql('c', 'pending'))} AS pending,
      ${sql.raw(ownerHasUsableAccountSql('p'))} AS has_usable_account, ${sql.raw(itemHeadSql('p'))} AS head,
      ${sql.raw(itemTailSql('p', 'c'))} AS tail, p.total_count
    FROM (SELECT ${sql.raw(taskColumns('tasks'))}, count(*) OVER () AS total_count FROM ${from} WHERE ${filter}
          ORDER BY ${order} LIMIT ${q.page_size} OFFSET ${(q.page - 1) * q.page_size}) p
    LEFT JOIN task_counters c ON c.task_id = p.id
    ORDER BY ${order}`;

  const compiled = query.compile(db);
  preparedSql(compiled.sql);
  const { rows } = await db.executeQuery(compiled);
  if (rows.length) return { rows: rows.map(({ total_count: _, ...row }) => row), total: Number(rows[0]!.total_count) };
  if (q.page === 1) return { rows: [], total: 0 };
  const { rows: count } = await db.executeQuery(sql<{ total: number }>`SELECT count(*)::int AS total FROM tasks WHERE ${filter}`.compile(db));
  return { rows: [], total: Number(count[0]?.total ?? 0) };
}
