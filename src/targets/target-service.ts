import { sql, type Kysely } from 'kysely';
import type { Database, TargetRow } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import { conflict, notFound } from '../shared/errors.js';
import { TARGET_STATUSES, type TargetSource, type TargetStatus } from '../shared/enums.js';
import type { TargetIdentity } from './identity.js';
import { normaliseRecord } from '../import/row-normaliser.js';
import { classify, scopeOfTask, type Block, type HygieneScope } from '../hygiene/audience-hygiene.js';

export interface NewTarget {
  target: TargetIdentity;
  key: string;
  extra?: Record<string, unknown>;
}

export interface BatchCursor {
  count: number;
  maxId: number;
}

export interface BatchResult {
  inserted: number;
  duplicates: number;
  overLimit: number;
  /** Of `inserted`: added as SKIPPED because they are in the ledger of the task's group (audience hygiene). */
  alreadyInvited?: number;
  /** Of `inserted`: added as SKIPPED because they are on the user's do-not-contact list. */
  doNotContact?: number;
  cursor?: BatchCursor;
}

export interface TargetListQuery {
  status?: TargetStatus[];
  search?: string;
  page: number;
  page_size: number;
}

export function targetToJson(t: TargetRow) {
  return {
    id: t.id,
    task_id: t.task_id,
    username: t.username,
    user_id_platform: t.user_id_platform,
    phone: t.phone,
    first_name: t.first_name,
    last_name: t.last_name,
    source: t.source,
    extra: t.extra,
    status: t.status,
    attempts: t.attempts,
    error_code: t.error_code,
    error_message: t.error_message,
    account_id: t.account_id,
    processed_at: t.processed_at?.toISOString() ?? null,
    created_at: t.created_at.toISOString(),
  };
}

/** The audience of a task: insertion with de-duplication and the per-task cap, listing, edits and bulk actions. */
export class TargetService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly maxTargetsPerTask: number,
  ) {}

  /**
   * Inserts one batch. The task row is locked so two imports into one task cannot together pass the cap;
   * duplicates (in the file or already in the task) are skipped by the unique (task_id, identity_key).
   *
   * `cursor` carries the task's row count from this import's previous batch, so a long import does not
   * recount the task each time: under the lock, rows added since then by anyone have higher ids.
   * (Rows deleted meanwhile make the carried count an overestimate: the cap may bite early, never late.)
   */
  async addBatch(taskId: number, rows: NewTarget[], source: TargetSource, cursor?: BatchCursor): Promise<BatchResult> {
    if (!rows.length) return { inserted: 0, duplicates: 0, overLimit: 0, cursor };
    return this.db.transaction().execute(async (trx) => {
      const task = await trx
        .selectFrom('tasks')
        .select(['id', 'user_id', 'type', 'target_group_key'])
        .where('id', '=', taskId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const n = cursor
        ? cursor.count +
          (
            await trx
              .selectFrom('targets')
              .select(sql<number>`count(*)::int`.as('n'))
              .where('task_id', '=', taskId)
              .where('id', '>', cursor.maxId)
              .executeTakeFirstOrThrow()
          ).n
        : // Only "how much room is left" matters, so the first count stops at the cap.
          (
            await trx
              .selectFrom(trx.selectFrom('targets').select('id').where('task_id', '=', taskId).limit(this.maxTargetsPerTask).as('capped'))
              .select(sql<number>`count(*)::int`.as('n'))
              .executeTakeFirstOrThrow()
          ).n;
      const seen = new Set<string>();
      const unique = rows.filter((r) => !seen.has(r.key) && seen.add(r.key));
      let duplicates = rows.length - unique.length;
      // Rows already in the task don't use up capacity: find them before applying the cap.
      const existing = new Set(
        (
          await trx
            .selectFrom('targets')
            .select('identity_key')
            .where('task_id', '=', taskId)
            .where(
              'identity_key',
              'in',
              unique.map((r) => r.key),
            )
            .execute()
        ).map((r) => r.identity_key),
      );
      const fresh = unique.filter((r) => !existing.has(r.key));
      duplicates += unique.length - fresh.length;
      const room = Math.max(0, this.maxTargetsPerTask - n);
      const accepted = fresh.slice(0, room);
      const now = this.clock.now();
      // Audience hygiene: people on the do-not-contact list or already in this group's ledger are added as SKIPPED.
      const blocked = await classify(trx, scopeOfTask(task), accepted);
      const skippedAs = (b: Block | undefined) => (b ? { status: 'SKIPPED' as const, error_code: b.code, error_message: b.message, processed_at: now } : {});
      const inserted = accepted.length
        ? await trx
            .insertInto('targets')
            .values(
              accepted.map((r) => ({
                task_id: taskId,
                identity_key: r.key,
                ...r.target,
                source,
                extra: JSON.stringify(r.extra ?? {}),
                created_at: now,
                updated_at: now,
                ...skippedAs(blocked.get(r.key)),
              })),
            )
            .onConflict((oc) => oc.columns(['task_id', 'identity_key']).doNothing())
            .returning(['id', 'error_code'])
            .execute()
        : [];
      const insertedIds = inserted.map((r) => r.id);
      duplicates += accepted.length - insertedIds.length;
      if (insertedIds.length) await trx.updateTable('tasks').set({ updated_at: now }).where('id', '=', taskId).execute();
      const maxId =
        (
          await trx
            .selectFrom('targets')
            .select(sql<number | null>`max(id)`.as('m'))
            .where('task_id', '=', taskId)
            .where('id', '>=', Math.max(cursor?.maxId ?? 0, ...insertedIds))
            .executeTakeFirstOrThrow()
        ).m ??
        cursor?.maxId ??
        0;
      return {
        inserted: insertedIds.length,
        duplicates,
        overLimit: fresh.length - accepted.length,
        cursor: { count: n + insertedIds.length, maxId },
        alreadyInvited: inserted.filter((r) => r.error_code === 'ALREADY_INVITED').length,
        doNotContact: inserted.filter((r) => r.error_code === 'DO_NOT_CONTACT').length,
      };
    });
  }

  /** Normalises and adds targets given inline (API body, create form): returns the same counts as a file import. */
  async addInline(
    taskId: number,
    raw: unknown[],
  ): Promise<{
    imported: number;
    duplicates: number;
    over_limit: number;
    invalid: number;
    already_invited: number;
    do_not_contact: number;
    errors: Array<{ row: number; reason: string }>;
  }> {
    const rows: NewTarget[] = [];
    const errors: Array<{ row: number; reason: string }> = [];
    raw.forEach((r, i) => {
      const n = normaliseRecord(r);
      if (n.ok) rows.push({ target: n.target, key: n.key });
      else if (errors.length < 50) errors.push({ row: i + 1, reason: n.reason });
    });
    const res = await this.addBatch(taskId, rows, 'MANUAL');
    return {
      imported: res.inserted,
      duplicates: res.duplicates,
      over_limit: res.overLimit,
      invalid: raw.length - rows.length,
      already_invited: res.alreadyInvited ?? 0,
      do_not_contact: res.doNotContact ?? 0,
      errors,
    };
  }

  /** Audience hygiene for rows not written anywhere (dry runs, previews): who would be skipped, and why. */
  classify(scope: HygieneScope, rows: Array<Pick<NewTarget, 'key' | 'target'>>): Promise<Map<string, Block>> {
    return classify(this.db, scope, rows);
  }

  /** The audience in numbers: by status and source, the refusal reasons, and who is waiting for a retry. */
  async stats(taskId: number) {
    const now = this.clock.now();
    const [byStatus, bySource, errors, waiting] = await Promise.all([
      this.db
        .selectFrom('targets')
        .select(['status', sql<number>`count(*)::int`.as('n'), sql<number>`coalesce(sum(attempts), 0)::int`.as('attempts')])
        .where('task_id', '=', taskId)
        .groupBy('status')
        .execute(),
      this.db
        .selectFrom('targets')
        .select(['source', sql<number>`count(*)::int`.as('n')])
        .where('task_id', '=', taskId)
        .groupBy('source')
        .execute(),
      this.db
        .selectFrom('targets')
        .select(['status', 'error_code', sql<string>`min(error_message)`.as('message'), sql<number>`count(*)::int`.as('n')])
        .where('task_id', '=', taskId)
        .where('error_code', 'is not', null)
        .groupBy(['status', 'error_code'])
        .orderBy('n', 'desc')
        .execute(),
      this.db
        .selectFrom('targets')
        .select([sql<number>`count(*)::int`.as('n'), sql<Date | null>`min(next_attempt_at)`.as('next')])
        .where('task_id', '=', taskId)
        .where('status', '=', 'PENDING')
        .where('next_attempt_at', '>', now)
        .executeTakeFirstOrThrow(),
    ]);
    const by_status = Object.fromEntries(TARGET_STATUSES.map((s) => [s, 0])) as Record<TargetStatus, number>;
    for (const r of byStatus) by_status[r.status] = r.n;
    return {
      task_id: taskId,
      total: byStatus.reduce((sum, r) => sum + r.n, 0),
      attempts: byStatus.reduce((sum, r) => sum + r.attempts, 0),
      by_status,
      by_source: Object.fromEntries(bySource.map((r) => [r.source, r.n])),
      by_reason: errors.map((e) => ({ status: e.status, code: e.error_code, message: e.message, count: e.n })),
      waiting_for_retry: { count: waiting.n, next_attempt_at: waiting.next ? new Date(waiting.next).toISOString() : null },
    };
  }

  /** Removes the rows one import run added (its rows carry extra.import_id). */
  async deleteImport(taskId: number, importId: string): Promise<number> {
    const res = await this.db
      .deleteFrom('targets')
      .where('task_id', '=', taskId)
      .where(sql`extra->>'import_id'`, '=', importId)
      .where('status', '=', 'PENDING')
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async list(taskId: number, q: TargetListQuery) {
    let base = this.db.selectFrom('targets').where('task_id', '=', taskId);
    if (q.status?.length) base = base.where('status', 'in', q.status);
    if (q.search) {
      const like = `%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/^@/, '')}%`;
      base = base.where((eb) =>
        eb.or([
          eb('username', 'ilike', like),
          eb('phone', 'like', like),
          eb('user_id_platform', 'like', like),
          eb('first_name', 'ilike', like),
          eb('last_name', 'ilike', like),
        ]),
      );
    }
    const [{ total }] = [await base.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow()];
    const rows = await base
      .selectAll()
      .orderBy('id')
      .limit(q.page_size)
      .offset((q.page - 1) * q.page_size)
      .execute();
    return { items: rows.map(targetToJson), total, page: q.page, page_size: q.page_size, pages: Math.ceil(total / q.page_size) };
  }

  async get(taskId: number, targetId: number): Promise<TargetRow> {
    const row = await this.db.selectFrom('targets').selectAll().where('task_id', '=', taskId).where('id', '=', targetId).executeTakeFirst();
    if (!row) throw notFound('Target');
    return row;
  }

  /** Corrects a person's identifiers or names; not while an action on them is in flight. */
  async update(taskId: number, targetId: number, patch: Record<string, unknown>): Promise<TargetRow> {
    const current = await this.get(taskId, targetId);
    if (current.status === 'IN_FLIGHT') throw conflict('TARGET_IN_FLIGHT', 'This person is being processed right now; try again in a minute.');
    const merged = {
      username: patch.username !== undefined ? patch.username : current.username,
      user_id: patch.user_id !== undefined ? patch.user_id : current.user_id_platform,
      phone: patch.phone !== undefined ? patch.phone : current.phone,
      first_name: patch.first_name !== undefined ? patch.first_name : current.first_name,
      last_name: patch.last_name !== undefined ? patch.last_name : current.last_name,
    };
    const norm = normaliseRecord(merged);
    if (!norm.ok) throw conflict('INVALID_TARGET', `The target would have no usable identifier: ${norm.reason}.`);
    const clash = await this.db
      .selectFrom('targets')
      .select('id')
      .where('task_id', '=', taskId)
      .where('identity_key', '=', norm.key)
      .where('id', '!=', targetId)
      .executeTakeFirst();
    if (clash) throw conflict('DUPLICATE_TARGET', `Another target in this task (#${clash.id}) already has this identifier.`);
    return this.db
      .updateTable('targets')
      .set({ ...norm.target, identity_key: norm.key, updated_at: this.clock.now() })
      .where('id', '=', targetId)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async delete(taskId: number, targetId: number): Promise<void> {
    const current = await this.get(taskId, targetId);
    if (current.status === 'IN_FLIGHT') throw conflict('TARGET_IN_FLIGHT', 'This person is being processed right now; try again in a minute.');
    await this.db.deleteFrom('targets').where('id', '=', targetId).execute();
  }

  /** delete / reset (back to pending) / skip, for chosen ids or for every target of given statuses. */
  async bulkAction(taskId: number, action: 'delete' | 'reset' | 'skip', sel: { ids?: number[]; statuses?: TargetStatus[] }): Promise<number> {
    const now = this.clock.now();
    // biome-ignore lint/suspicious/noExplicitAny: one filter for Kysely's update, delete and select builders, whose where() signatures differ
    const scope = <T extends { where: (...a: any[]) => T }>(q: T): T => {
      let out = q.where('task_id', '=', taskId).where('status', '!=', 'IN_FLIGHT');
      if (sel.ids?.length) out = out.where('id', 'in', sel.ids);
      if (sel.statuses?.length) out = out.where('status', 'in', sel.statuses);
      return out;
    };
    if (action === 'delete') return Number((await scope(this.db.deleteFrom('targets')).executeTakeFirst()).numDeletedRows);
    const set =
      action === 'reset'
        ? {
            status: 'PENDING' as const,
            attempts: 0,
            error_code: null,
            error_message: null,
            processed_at: null,
            next_attempt_at: null,
            account_id: null,
            updated_at: now,
          }
        : { status: 'SKIPPED' as const, error_code: 'SKIPPED_BY_USER', error_message: 'skipped by the task owner', processed_at: now, updated_at: now };
    let q = scope(this.db.updateTable('targets').set(set));
    if (action === 'skip') q = q.where('status', '=', 'PENDING');
    return Number((await q.executeTakeFirst()).numUpdatedRows);
  }
}
