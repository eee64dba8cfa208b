import { sql, type Kysely } from 'kysely';
import { personSearch } from '../shared/person-search.js';
import { DEFAULT_API_LANG, renderTargetReason, type Lang, type LocalisedText } from '../shared/messages.js';
import type { Database, TargetRow } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import { conflict, notFound } from '../shared/errors.js';
import { TARGET_STATUSES, type TargetSource, type TargetStatus } from '../shared/enums.js';
import type { TargetIdentity } from './identity.js';
import { normaliseRecord } from '../import/row-normaliser.js';
import { HYGIENE_CODES, classify, hygieneMayBlock, type Block, type HygieneScope } from '../hygiene/audience-hygiene.js';
import type { BulkSession } from '../db/bulk-session.js';
import { PEOPLE_IN_TASK, TargetChunk, insertChunk, type ChunkResult } from './target-bulk-insert.js';

export interface NewTarget {
  target: TargetIdentity;
  key: string;
  /** Where the row came from: its row number in the file (stored in `file_row`) and the import run that wrote it (in `extra`). */
  extra?: { row?: number; import_id?: string };
}

export interface BatchResult {
  inserted: number;
  duplicates: number;
  overLimit: number;
  /** Of `inserted`: added as SKIPPED because they are in the ledger of the task's group (audience hygiene). */
  alreadyInvited?: number;
  /** Of `inserted`: added as SKIPPED because they are on the user's do-not-contact list. */
  doNotContact?: number;
}

export interface TargetListQuery {
  status?: TargetStatus[];
  search?: string;
  page: number;
  page_size: number;
}

/**
 * A target's `extra` as the API has always shown it: an imported person's file row is `extra.row`, though it is kept in
 * `file_row` since migration 17 (rows imported before it hold it in `extra` itself).
 */
function extraOf(t: Pick<TargetRow, 'extra' | 'file_row'>): unknown {
  return t.file_row == null ? t.extra : { ...(t.extra as Record<string, unknown>), row: t.file_row };
}

/** A target as the API answers it; its reason is said from its code in `lang`. */

export function targetToJson(t: TargetRow, lang: Lang = DEFAULT_API_LANG) {
  return {
    id: t.id,
    task_id: t.task_id,
    username: t.username,
    user_id_platform: t.user_id_platform,
    phone: t.phone,
    first_name: t.first_name,
    last_name: t.last_name,
    source: t.source,
    extra: extraOf(t),
    status: t.status,
    attempts: t.attempts,
    error_code: t.error_code,
    error_message: renderTargetReason(t.error_code, t.error_message, lang),
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
    private readonly bulk: BulkSession,
  ) {}

  /**
   * Inserts a batch of rows given as objects (inline adds, tools): the set-based path of `addChunk`, so every way
   * into a task de-duplicates, caps and applies hygiene with the same statement.
   */
  async addBatch(taskId: number, rows: NewTarget[], source: TargetSource): Promise<BatchResult> {
    const chunk = new TargetChunk();
    for (const r of rows) chunk.add(r.key, r.target, r.extra?.row, r.extra?.import_id);
    return this.addChunk(taskId, chunk, source);
  }

  /**
   * Inserts one chunk (see target-bulk-insert.ts). The task row is locked so two imports into one task cannot together
   * pass the cap; duplicates (in the chunk or already in the task) are skipped by the unique (task_id, identity_key);
   * people on the do-not-contact list or in the group's ledger are added as SKIPPED. `importId` tags rows that carry none;
   * `expectPeople`: what the caller's earlier chunks put into the task (see insertChunk).
   */
  addChunk(taskId: number, chunk: TargetChunk, source: TargetSource, importId?: string, expectPeople?: number): Promise<ChunkResult> {
    return insertChunk(this.bulk, taskId, chunk, { source, now: this.clock.now(), maxTargetsPerTask: this.maxTargetsPerTask, importId, expectPeople });
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
    errors: Array<{ row: number; reason: string; reason_text?: LocalisedText }>;
  }> {
    const rows: NewTarget[] = [];
    const errors: Array<{ row: number; reason: string; reason_text?: LocalisedText }> = [];
    raw.forEach((r, i) => {
      const n = normaliseRecord(r);
      if (n.ok) rows.push({ target: n.target, key: n.key });
      else if (errors.length < 50) errors.push({ row: i + 1, reason: n.reason, reason_text: n.text });
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

  /** How many more people a task takes (the cap less those in it, as the import's cap counts them); a new task: the cap. */
  async room(taskId: number | null): Promise<number> {
    if (taskId === null) return this.maxTargetsPerTask;
    const row = await this.db
      .selectFrom('task_counters')
      .select(sql<number>`(${sql.raw(PEOPLE_IN_TASK)})::int`.as('n'))
      .where('task_id', '=', taskId)
      .executeTakeFirst();
    return Math.max(0, this.maxTargetsPerTask - Number(row?.n ?? 0));
  }

  /**
   * Which of these identity keys the task already holds. A dry run into a task counts them as its import does: as
   * duplicates that use no room (one look-up per batch through the task's unique key).
   */
  async heldBy(taskId: number, keys: readonly string[]): Promise<Set<string>> {
    if (!keys.length) return new Set();
    const rows = await this.db
      .selectFrom('targets')
      .select('identity_key')
      .where('task_id', '=', taskId)
      .where('identity_key', '=', sql<string>`any(${[...keys]}::text[])`)
      .execute();
    return new Set(rows.map((r) => r.identity_key));
  }

  /** Audience hygiene for rows not written anywhere (dry runs, previews): who would be skipped, and why. */
  classify(scope: HygieneScope, rows: Array<Pick<NewTarget, 'key' | 'target'>>): Promise<Map<string, Block>> {
    return classify(this.db, scope, rows);
  }

  /** Whether `classify` can find anyone in this scope (see hygieneMayBlock). */
  hygieneMayBlock(scope: HygieneScope): Promise<boolean> {
    return hygieneMayBlock(this.db, scope);
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

  /**
   * Removes the rows one import run added (its rows carry extra.import_id): those still waiting, and those the import
   * itself added as SKIPPED by audience hygiene. Rows a worker has already acted on meanwhile stay (they are history).
   */
  async deleteImport(taskId: number, importId: string): Promise<number> {
    const res = await this.db
      .deleteFrom('targets')
      .where('task_id', '=', taskId)
      .where(sql`extra->>'import_id'`, '=', importId)
      .where((eb) =>
        eb.or([eb('status', '=', 'PENDING'), eb.and([eb('status', '=', 'SKIPPED'), eb('error_code', 'in', [...HYGIENE_CODES]), eb('attempts', '=', 0)])]),
      )
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async list(taskId: number, q: TargetListQuery, lang: Lang = DEFAULT_API_LANG) {
    let base = this.db.selectFrom('targets').where('task_id', '=', taskId);
    if (q.status?.length) base = base.where('status', 'in', q.status);
    if (q.search) {
      const s = personSearch(q.search);
      base = base.where((eb) =>
        eb.or([
          eb('username', 'ilike', s.like),
          eb('phone', 'like', s.like),
          ...s.phones.map((p) => eb('phone', 'like', p)),
          eb('user_id_platform', 'like', s.like),
          // «Анна Соколова» as well as «Анна» or «Соколова».
          eb(sql<string>`concat_ws(' ', first_name, last_name)`, 'ilike', s.like),
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
    return { items: rows.map((r) => targetToJson(r, lang)), total, page: q.page, page_size: q.page_size, pages: Math.ceil(total / q.page_size) };
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
    if (!norm.ok) throw conflict('INVALID_TARGET', `The target would have no usable identifier: ${norm.reason}.`, { params: { why: norm.text } });
    const clash = await this.db
      .selectFrom('targets')
      .select('id')
      .where('task_id', '=', taskId)
      .where('identity_key', '=', norm.key)
      .where('id', '!=', targetId)
      .executeTakeFirst();
    if (clash) throw conflict('DUPLICATE_TARGET', `Another target in this task (#${clash.id}) already has this identifier.`, { params: { id: clash.id } });
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
