import type { BulkConnection, BulkSession } from '../db/bulk-session.js';
import { DNC_MESSAGE, ledgerMessageSql, scopeOfTask } from '../hygiene/audience-hygiene.js';
import { isUniqueViolation } from '../db/db-errors.js';
import { notFound } from '../shared/errors.js';
import { TARGET_STATUSES, type TargetSource } from '../shared/enums.js';
import type { TargetIdentity } from './identity.js';
import type { TaskRow } from '../db/schema.js';

/**
 * Set-based insertion of many targets into one task: the rows are streamed into a temporary staging table with COPY,
 * then ONE `INSERT … SELECT` de-duplicates them (within the chunk and against the task, by identity key), applies the
 * per-task cap and audience hygiene, and reports the counts. The same statement runs on PostgreSQL and PGlite (both
 * take COPY: from STDIN, from a blob), so imports, inline adds and the cap behave one way on either engine.
 */

export interface ChunkResult {
  inserted: number;
  duplicates: number;
  overLimit: number;
  /** Of `inserted`: added as SKIPPED because they are in the ledger of the task's group (audience hygiene). */
  alreadyInvited: number;
  /** Of `inserted`: added as SKIPPED because they are on the user's do-not-contact list. */
  doNotContact: number;
  /**
   * The chunk was written first without conflict handling (`expectPeople` matched) and a key turned out to be in the
   * task already — a repeat of an earlier chunk, or someone added meanwhile — so it was written again the careful way.
   * The caller stops expecting a clean task for the rest of its run.
   */
  plainInsertRefused?: true;
}

// COPY's text format: a backslash, tab, newline or carriage return inside a value must be escaped; null is \N.
// Identifiers are validated (letters, digits, _, +) and names have their whitespace collapsed, so the slow path
// is almost never taken.
const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const copyValue = (v: string | null | undefined): string => (v == null ? '\\N' : SPECIAL.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : v);

/**
 * The staging table's columns, in COPY order. `ord` is the row's place in the chunk (file order decides the cap); the
 * identity key compares bytewise, as targets' does (migration 12).
 */
const STAGE_COLUMNS =
  'ord integer NOT NULL, row_no integer, import_id text, identity_key text COLLATE "C" NOT NULL, username text, user_id_platform text, phone text, first_name text, last_name text';

/**
 * A chunk of normalised rows, held as COPY text in one growing byte buffer rather than as objects or a string built
 * row by row: each row's line is garbage at once (collected young, never promoted), and a chunk waiting for the
 * database is one buffer outside the JS heap, so a million-row import keeps a flat heap.
 */
export class TargetChunk {
  private buf = Buffer.allocUnsafe(256 * 1024);
  private used = 0;
  private rows = 0;
  // The chunk's keys: a repeat within the chunk is dropped here (the first occurrence wins, as in the statement), so
  // the rows sent can be inserted without conflict handling when the task holds none of them (see insertChunk).
  private readonly keys = new Set<string>();
  private dropped = 0;

  /** Rows held (repeats not counted). */
  get length(): number {
    return this.rows;
  }

  /** Rows dropped as repeats of an earlier row of this chunk. */
  get repeats(): number {
    return this.dropped;
  }

  /** `row`: the row number in the file (kept in `file_row`); `importId` only when it differs per row (else pass it to the insert). */
  add(key: string, t: TargetIdentity, row?: number | null, importId?: string | null): void {
    if (this.keys.has(key)) {
      this.dropped++;
      return;
    }
    this.keys.add(key);
    const line = `${this.rows++}\t${row == null ? '\\N' : row}\t${copyValue(importId)}\t${copyValue(key)}\t${copyValue(t.username)}\t${copyValue(
      t.user_id_platform,
    )}\t${copyValue(t.phone)}\t${copyValue(t.first_name)}\t${copyValue(t.last_name)}\n`;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.used + line.length * 3 > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + line.length * 3));
      this.buf.copy(grown, 0, 0, this.used);
      this.buf = grown;
    }
    this.used += this.buf.write(line, this.used, 'utf8');
  }

  /** The chunk as COPY input (a view of the buffer; valid until the next add). */
  copyData(): Buffer {
    return this.buf.subarray(0, this.used);
  }
}

type Counts = { total: number; fresh: number; accepted: number; inserted: number; already_invited: number; do_not_contact: number };

/**
 * Audience hygiene as three CTEs over `rows` (a relation with `ord`, unique per row, and the identity columns): the last,
 * `classified`, is every row of `rows` with `code` (DO_NOT_CONTACT, ALREADY_INVITED or null) and `message`. On the
 * owner's do-not-contact list by any identifier wins over the ledger of the task's group, as in `classify`. The three
 * parameters are given as the caller's placeholders (`$3`…): the owner, the group key (null: no ledger), DNC_MESSAGE.
 */
export function hygieneCtes(rows: string, p: { owner: string; groupKey: string; dncMessage: string }): string {
  return `dnc AS (
  SELECT a.ord FROM ${rows} a JOIN do_not_contact d ON d.user_id = ${p.owner} AND d.username = lower(a.username)
  UNION SELECT a.ord FROM ${rows} a JOIN do_not_contact d ON d.user_id = ${p.owner} AND d.user_id_platform = a.user_id_platform
  UNION SELECT a.ord FROM ${rows} a JOIN do_not_contact d ON d.user_id = ${p.owner} AND d.phone = a.phone
), ledger AS (
  -- Empty without a group (direct messages, or a group not known yet): the join then costs nothing per row.
  SELECT identity_key, outcome, task_id FROM audience_ledger WHERE user_id = ${p.owner} AND group_key = ${p.groupKey}::text
), classified AS (
  SELECT a.*,
         CASE WHEN dnc.ord IS NOT NULL THEN 'DO_NOT_CONTACT' WHEN l.outcome IS NOT NULL THEN 'ALREADY_INVITED' END AS code,
         CASE WHEN dnc.ord IS NOT NULL THEN ${p.dncMessage}::text WHEN l.outcome IS NOT NULL THEN ${ledgerMessageSql('l.outcome', 'l.task_id')} END AS message
    FROM ${rows} a
    LEFT JOIN dnc ON dnc.ord = a.ord
    LEFT JOIN ledger l ON l.identity_key = a.identity_key
)`;
}

/**
 * The one statement. Semantics are those the import has always had, per chunk:
 *  - within the chunk, the first occurrence of a key wins; later ones are duplicates;
 *  - a key already in the task is a duplicate and uses no capacity;
 *  - of the rest, in file order, as many as the task has room for are added; the others are over the limit;
 *  - hygiene: on the owner's do-not-contact list (any identifier) → SKIPPED DO_NOT_CONTACT; else in the ledger of
 *    the task's group → SKIPPED ALREADY_INVITED (do-not-contact wins, as in `classify`).
 * When the task has room for every staged row (`capMayBind` false: the usual case) the cap cannot bite, so which rows
 * are new need not be known before inserting: rows go in in file order and ON CONFLICT DO NOTHING skips repeats (in
 * the chunk — the earlier row is already in — and in the task) without the anti-join and sorts the cap needs.
 * A row's `extra` is the one value `$7` (the import run, built once by the caller) unless the row brings an import id
 * of its own, and its file row goes into `file_row`: a jsonb built per row (`{row, import_id}`, as before migration
 * 17) took a tenth to a quarter of the import's database time (runs on one machine, 2026-12-07).
 * Parameters: $1 task, $2 room, $3 owner, $4 group key (null: no ledger), $5 source, $6 now, $7 the rows' `extra`,
 * $8 DNC text.
 */
export function insertChunkSql(capMayBind: boolean, onConflict = true): string {
  const capped = `firsts AS (
  SELECT DISTINCT ON (identity_key) * FROM target_import_stage ORDER BY identity_key, ord
), fresh AS (
  SELECT f.* FROM firsts f WHERE NOT EXISTS (SELECT 1 FROM targets t WHERE t.task_id = $1 AND t.identity_key = f.identity_key)
), accepted AS (
  SELECT * FROM fresh ORDER BY ord LIMIT $2
), `;
  const rows = capMayBind ? 'accepted' : 'target_import_stage';
  return `
WITH ${capMayBind ? capped : ''}${hygieneCtes(rows, { owner: '$3', groupKey: '$4', dncMessage: '$8' })}
, inserted AS (
  INSERT INTO targets (task_id, identity_key, username, user_id_platform, phone, first_name, last_name, source, extra, file_row,
                       status, error_code, error_message, processed_at, created_at, updated_at)
  SELECT $1::int, identity_key, username, user_id_platform, phone, first_name, last_name, $5::text,
         CASE WHEN import_id IS NULL THEN $7::jsonb ELSE jsonb_build_object('import_id', import_id) END, row_no,
         CASE WHEN code IS NULL THEN 'PENDING' ELSE 'SKIPPED' END, code, message,
         CASE WHEN code IS NULL THEN NULL ELSE $6::timestamptz END, $6::timestamptz, $6::timestamptz
    FROM classified ORDER BY ord${capMayBind ? '' : ' LIMIT $2 -- the room: never reached here, as the caller checked'}
  ${onConflict ? 'ON CONFLICT (task_id, identity_key) DO NOTHING' : ''}
  RETURNING error_code
)
SELECT (SELECT count(*) FROM target_import_stage)::int AS total,
       ${capMayBind ? '(SELECT count(*) FROM fresh)::int' : '0'} AS fresh,
       ${capMayBind ? '(SELECT count(*) FROM accepted)::int' : '0'} AS accepted,
       count(*)::int AS inserted,
       (count(*) FILTER (WHERE error_code = 'ALREADY_INVITED'))::int AS already_invited,
       (count(*) FILTER (WHERE error_code = 'DO_NOT_CONTACT'))::int AS do_not_contact
  FROM inserted`;
}
const INSERT_CAPPED = insertChunkSql(true);
const INSERT_ROOMY = insertChunkSql(false);
/**
 * INSERT_ROOMY without `ON CONFLICT`, for a chunk that cannot meet a key already in the task. Its speculative
 * insertion (look the key up, insert, confirm) took about a third of the insert's time: 200,000 rows into a table
 * shaped like `targets`, 3.6–4.2 s with `ON CONFLICT` against 2.7–2.9 s without (psql, one 2-core machine, 2026-12-07).
 * The unique index still refuses a repeat, so a wrong guess costs time, never a row.
 */
const INSERT_FRESH = insertChunkSql(false, false);
/** The unique key `targets (task_id, identity_key)`: a plain insert that meets a person already in the task. */
const TARGET_KEY = 'targets_task_id_identity_key_key';

/**
 * The people a task holds, as its row of task_counters says (what the cap counts): an expression over that row, whose
 * columns are the target statuses (migration 7).
 */
export const PEOPLE_IN_TASK = TARGET_STATUSES.map((s) => s.toLowerCase()).join(' + ');

/** How a chunk goes in: where it comes from, the service's time, the cap, its import run, and (see insertChunk) `expectPeople`. */
type ChunkOptions = { source: TargetSource; now: Date; maxTargetsPerTask: number; importId?: string; expectPeople?: number };

/**
 * Inserts one chunk into a task in one transaction; the task row is locked so two imports cannot together pass the cap.
 * `expectPeople`: how many people the caller's own earlier chunks put into the task. When the task holds exactly that
 * many and the caller's chunks never repeat a key (an import whose run has not yet met a repeat across chunks), the
 * chunk is inserted without conflict handling; should a key be in the task after all, the transaction is rolled back
 * and the chunk written again with it (`plainInsertRefused`).
 */
export async function insertChunk(bulk: BulkSession, taskId: number, chunk: TargetChunk, opts: ChunkOptions): Promise<ChunkResult> {
  if (!chunk.length) return { inserted: 0, duplicates: chunk.repeats, overLimit: 0, alreadyInvited: 0, doNotContact: 0 };
  try {
    return await insertChunkOnce(bulk, taskId, chunk, opts);
  } catch (err) {
    if (opts.expectPeople === undefined || !isUniqueViolation(err, TARGET_KEY)) throw err;
    return { ...(await insertChunkOnce(bulk, taskId, chunk, { ...opts, expectPeople: undefined })), plainInsertRefused: true };
  }
}

async function insertChunkOnce(bulk: BulkSession, taskId: number, chunk: TargetChunk, opts: ChunkOptions): Promise<ChunkResult> {
  return bulk((conn) =>
    inTransaction(conn, async () => {
      const [task] = await conn.query<Pick<TaskRow, 'user_id' | 'type' | 'target_group_key'>>(
        'SELECT user_id, type, target_group_key FROM tasks WHERE id = $1 FOR UPDATE',
        [taskId],
      );
      if (!task) throw notFound('Task');
      // The task's rows as the counter triggers keep them (same transaction discipline, exact under the lock above):
      // one row to read instead of counting an audience that may hold a million people.
      const [{ n }] = (await conn.query<{ n: number }>(`SELECT coalesce(sum(${PEOPLE_IN_TASK}), 0)::int AS n FROM task_counters WHERE task_id = $1`, [
        taskId,
      ])) as [{ n: number }];
      // Room for the chunk's sorts and hashes in memory (the default 4 MB spills a 50,000-row chunk to disk).
      await conn.query("SET LOCAL work_mem = '64MB'");
      await conn.query(`CREATE TEMP TABLE target_import_stage (${STAGE_COLUMNS}) ON COMMIT DROP`);
      await conn.copyIn('target_import_stage', chunk.copyData());
      const room = Math.max(0, opts.maxTargetsPerTask - n);
      const scope = scopeOfTask(task);
      // Every person in the task was put there by the caller's earlier chunks: unless the file repeats someone across
      // chunks (then the unique key refuses the insert and insertChunk writes the chunk again), none has this chunk's keys.
      const fresh = n === opts.expectPeople;
      const [c] = (await conn.query<Counts>(room < chunk.length ? INSERT_CAPPED : fresh ? INSERT_FRESH : INSERT_ROOMY, [
        taskId,
        room,
        scope.userId,
        scope.groupKey,
        opts.source,
        opts.now,
        JSON.stringify(opts.importId ? { import_id: opts.importId } : {}),
        DNC_MESSAGE,
      ])) as [Counts];
      if (c.inserted) await conn.query('UPDATE tasks SET updated_at = $2 WHERE id = $1', [taskId, opts.now]);
      return {
        inserted: c.inserted,
        overLimit: c.fresh - c.accepted,
        // Repeated in the chunk (dropped as it was built, or by the statement), or already in the task.
        duplicates: chunk.repeats + c.total - c.inserted - (c.fresh - c.accepted),
        alreadyInvited: c.already_invited,
        doNotContact: c.do_not_contact,
      };
    }),
  );
}

async function inTransaction<T>(conn: BulkConnection, work: () => Promise<T>): Promise<T> {
  await conn.query('BEGIN');
  try {
    const out = await work();
    await conn.query('COMMIT');
    return out;
  } catch (err) {
    await conn.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
