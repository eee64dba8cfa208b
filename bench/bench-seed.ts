import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../src/db/schema.js';

/**
 * Set-based seeding for the schedule benchmark. Creating every account, task and target through the services
 * took 505 s for 10,000 accounts (one insert, one admin check and one start per row). Instead, one "template" user per
 * distinct shape (its groups, priorities and account count) is made through the real services (create, import,
 * start: so the rows are exactly what the product writes), and every other user of the same shape is copied from its
 * template in a few INSERT … SELECT statements; targets come from generate_series. Columns are read from the
 * catalogue so that columns added by later migrations are copied too.
 */

async function columnsOf(db: Kysely<Database>, table: string): Promise<string[]> {
  const rows = await sql<{ column_name: string }>`
    SELECT column_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = ${table} ORDER BY ordinal_position`.execute(db);
  return rows.rows.map((r) => r.column_name);
}

/** `INSERT INTO table (cols) SELECT <override or src.col> … FROM <from>`: every column copied unless overridden. */
async function copyRows(db: Kysely<Database>, table: string, overrides: Record<string, RawBuilder<unknown>>, from: RawBuilder<unknown>, src = 'src') {
  const cols = (await columnsOf(db, table)).filter((c) => c !== 'id');
  const values = cols.map((c) => overrides[c] ?? sql.raw(`${src}.${c}`));
  const res = await sql`INSERT INTO ${sql.table(table)} (${sql.join(cols.map((c) => sql.id(c)))}) SELECT ${sql.join(values)} FROM ${from}`.execute(db);
  return Number(res.numAffectedRows ?? 0);
}

/** Pending targets for the given tasks: `perTask` each, usernames bench_person_<n> numbered across all tasks in id order. */
export async function seedTargets(db: Kysely<Database>, taskIds: number[], perTask: number, firstPerson: number, at: Date): Promise<number> {
  if (!taskIds.length) return 0;
  const res = await sql`
    INSERT INTO targets (task_id, identity_key, username, source, status, created_at, updated_at)
    SELECT t.id, 'u:bench_person_' || p.n, 'bench_person_' || p.n, 'MANUAL', 'PENDING', ${at}, ${at}
      FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rank FROM tasks WHERE id IN (${sql.join(taskIds)})) t
      CROSS JOIN LATERAL (SELECT ${firstPerson}::bigint + t.rank * ${perTask} + i AS n FROM generate_series(0, ${perTask - 1}) i) p`.execute(db);
  return Number(res.numAffectedRows ?? 0);
}

/**
 * Copies each template user's accounts, tasks (with their status, group and start time) and task_accounts (with the
 * admin check's verdict and group peer) to the users mapped onto it. Labels and names carry the user number
 * (`u<user>-acc<n>`, `bench u<user> g<n>`), which is how copies are matched back to their templates.
 */
export async function cloneUsers(db: Kysely<Database>, map: Array<{ user: number; template: number }>): Promise<{ tasks: number[] }> {
  if (!map.length) return { tasks: [] };
  const m = sql`(VALUES ${sql.join(map.map((x) => sql`(${x.user}::bigint, ${x.template}::bigint)`))}) AS m(u, t)`;
  const suffix = (col: string, prefix: string, user: string) => sql.raw(`substr(${col}, length('${prefix}' || ${user}) + 1)`);
  await copyRows(
    db,
    'accounts',
    { user_id: sql`m.u`, label: sql`'u' || m.u || ${suffix('src.label', 'u', 'm.t')}` },
    sql`${m} JOIN accounts src ON src.user_id = m.t`,
  );
  await copyRows(
    db,
    'tasks',
    { user_id: sql`m.u`, name: sql`'bench u' || m.u || ${suffix('src.name', 'bench u', 'm.t')}` },
    sql`${m} JOIN tasks src ON src.user_id = m.t`,
  );
  await copyRows(
    db,
    'task_accounts',
    { task_id: sql`nt.id`, account_id: sql`na.id` },
    sql`${m} JOIN tasks tt ON tt.user_id = m.t JOIN task_accounts src ON src.task_id = tt.id JOIN accounts ta ON ta.id = src.account_id
        JOIN tasks nt ON nt.user_id = m.u AND nt.name = 'bench u' || m.u || ${suffix('tt.name', 'bench u', 'm.t')}
        JOIN accounts na ON na.user_id = m.u AND na.label = 'u' || m.u || ${suffix('ta.label', 'u', 'm.t')}`,
  );
  const tasks = await sql<{ id: number }>`SELECT id FROM tasks WHERE user_id IN (${sql.join(map.map((x) => x.user))}) ORDER BY id`.execute(db);
  return { tasks: tasks.rows.map((r) => r.id) };
}
