import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
import { createInviteTask, ENGINE, makeTestApp, type TestApp } from './helpers/test-app.js';

/**
 * A target belongs to a task that exists (migration 11). The foreign key targets.task_id → tasks, checked row by row,
 * was replaced by statement-level triggers for the import's sake; these tests hold the triggers to what the key
 * guaranteed: no target for a missing task, none moved to another task, a task's targets deleted with it, and the same
 * under concurrent inserts and deletes on separate connections (PostgreSQL).
 */
const insertTarget = (t: TestApp, taskId: number, key: string) =>
  sql`INSERT INTO targets (task_id, identity_key, username, source) VALUES (${taskId}, ${`u:${key}`}, ${key}, 'MANUAL')`.execute(t.ctx.db);
const targetsOf = async (t: TestApp, taskId: number) =>
  Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM targets WHERE task_id = ${taskId}`.execute(t.ctx.db)).rows[0]!.n);

describe('targets belong to an existing task', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses a target for a missing task, the whole statement, with the foreign key error', async () => {
    const task = await createInviteTask(t, []);
    await expect(insertTarget(t, 987_654, 'orphan_one')).rejects.toMatchObject({ code: '23503' });
    // One good row and one orphan in one statement: neither is kept.
    await expect(
      sql`INSERT INTO targets (task_id, identity_key, username, source)
          VALUES (${task.id}, 'u:kept_not', 'kept_not', 'MANUAL'), (987655, 'u:orphan_two', 'orphan_two', 'MANUAL')`.execute(t.ctx.db),
    ).rejects.toMatchObject({ code: '23503' });
    expect(await targetsOf(t, task.id)).toBe(0);
    expect(Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM targets WHERE task_id >= 987654`.execute(t.ctx.db)).rows[0]!.n)).toBe(0);
    await insertTarget(t, task.id, 'fine_one');
    expect(await targetsOf(t, task.id)).toBe(1);
  });

  it('never moves a target to another task', async () => {
    const a = await createInviteTask(t, ['@mover_one']);
    const b = await createInviteTask(t, []);
    await expect(sql`UPDATE targets SET task_id = ${b.id} WHERE task_id = ${a.id}`.execute(t.ctx.db)).rejects.toMatchObject({ code: '23503' });
    expect(await targetsOf(t, a.id)).toBe(1);
    // Other columns change as before (the guard fires only for task_id).
    await sql`UPDATE targets SET first_name = 'Still', task_id = task_id WHERE task_id = ${a.id}`.execute(t.ctx.db);
    expect(await targetsOf(t, a.id)).toBe(1);
  });

  it('deletes the targets of deleted tasks, in one statement for several tasks, and no others', async () => {
    const a = await createInviteTask(t, ['@gone_a1', '@gone_a2']);
    const b = await createInviteTask(t, ['@gone_b1']);
    const c = await createInviteTask(t, ['@stays_c1', '@stays_c2']);
    const [targetOfA] = (await sql<{ id: number }>`SELECT id FROM targets WHERE task_id = ${a.id} LIMIT 1`.execute(t.ctx.db)).rows;
    await sql`INSERT INTO execution_logs (user_id, task_id, target_id, action, result, created_at)
              VALUES (1, ${a.id}, ${targetOfA!.id}, 'invite', 'success', now())`.execute(t.ctx.db);
    await sql`DELETE FROM tasks WHERE id IN (${a.id}, ${b.id})`.execute(t.ctx.db);
    expect(await targetsOf(t, a.id)).toBe(0);
    expect(await targetsOf(t, b.id)).toBe(0);
    expect(await targetsOf(t, c.id)).toBe(2);
    // What pointed at a deleted target lets go of it, as before.
    const [log] = (
      await sql<{ target_id: number | null; task_id: number | null }>`
      SELECT target_id, task_id FROM execution_logs WHERE user_id = 1 ORDER BY id DESC LIMIT 1`.execute(t.ctx.db)
    ).rows;
    expect(log).toEqual({ target_id: null, task_id: null });
    // Through the API too.
    expect((await t.api({ method: 'DELETE', url: `/api/v1/invite/tasks/${c.id}` })).statusCode).toBe(204);
    expect(await targetsOf(t, c.id)).toBe(0);
  });
});

describe.skipIf(ENGINE !== 'postgres')('targets and task deletion racing on separate connections (PostgreSQL)', () => {
  let t: TestApp;
  let one: pg.Client;
  let two: pg.Client;
  beforeAll(async () => {
    t = await makeTestApp();
    // The counter trigger's upsert into task_counters (whose own foreign key locks the task) would serialise these
    // races by itself; without it, what is left to guard them is the task check alone.
    await sql`ALTER TABLE targets DISABLE TRIGGER targets_counted_insert`.execute(t.ctx.db);
    one = new pg.Client({ connectionString: t.ctx.config.databaseUrl });
    two = new pg.Client({ connectionString: t.ctx.config.databaseUrl });
    await one.connect();
    await two.connect();
  });
  afterAll(async () => {
    await one?.end();
    await two?.end();
    await t?.close();
  });

  /** Whether `p` is still waiting after a moment (blocked on a lock). */
  const stillWaiting = async (p: Promise<unknown>) =>
    await Promise.race([
      p.then(
        () => false,
        () => false,
      ),
      new Promise<boolean>((r) => setTimeout(() => r(true), 300)),
    ]);

  it('a delete waits for an open insert, then deletes what it committed: no orphans', async () => {
    const task = await createInviteTask(t, []);
    await one.query('BEGIN');
    await one.query(`INSERT INTO targets (task_id, identity_key, username, source) VALUES ($1, 'u:racer_one', 'racer_one', 'MANUAL')`, [task.id]);
    const deleting = two.query('DELETE FROM tasks WHERE id = $1', [task.id]);
    expect(await stillWaiting(deleting)).toBe(true);
    await one.query('COMMIT');
    await deleting;
    expect(await targetsOf(t, task.id)).toBe(0);
  });

  it('an insert waits for an open delete, then is refused once the task is gone', async () => {
    const task = await createInviteTask(t, ['@racer_two']);
    await one.query('BEGIN');
    await one.query('DELETE FROM tasks WHERE id = $1', [task.id]);
    const inserting = two.query(`INSERT INTO targets (task_id, identity_key, username, source) VALUES ($1, 'u:racer_three', 'racer_three', 'MANUAL')`, [
      task.id,
    ]);
    const outcome = inserting.then(
      () => 'inserted',
      (e: { code?: string }) => e.code,
    );
    expect(await stillWaiting(inserting)).toBe(true);
    await one.query('COMMIT');
    expect(await outcome).toBe('23503');
    expect(await targetsOf(t, task.id)).toBe(0);
  });

  it('an insert whose task survives a rolled-back delete goes in', async () => {
    const task = await createInviteTask(t, []);
    await one.query('BEGIN');
    await one.query('DELETE FROM tasks WHERE id = $1', [task.id]);
    const inserting = two.query(`INSERT INTO targets (task_id, identity_key, username, source) VALUES ($1, 'u:racer_four', 'racer_four', 'MANUAL')`, [task.id]);
    expect(await stillWaiting(inserting)).toBe(true);
    await one.query('ROLLBACK');
    await inserting;
    expect(await targetsOf(t, task.id)).toBe(1);
  });
});
