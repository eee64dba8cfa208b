import { randomUUID } from 'node:crypto';
import type { LocalisedText } from '../shared/messages.js';
import type { TargetSource } from '../shared/enums.js';
import type { NewTarget, TargetService } from '../targets/target-service.js';
import { TargetChunk } from '../targets/target-bulk-insert.js';
import { normaliseRecord, type NormalisedRow } from './row-normaliser.js';
import type { RowBatches, SourceRow } from './parsers/record-stream.js';
import type { Block, HygieneScope } from '../hygiene/audience-hygiene.js';

export interface ImportReport {
  task_id: number | null;
  dry_run: boolean;
  total_rows: number;
  imported: number;
  duplicates: number;
  invalid: number;
  /** Rows refused because the task reached its target cap (a dry run: rows that would be). */
  over_limit: number;
  /**
   * Dry runs: how many more people the task takes — MAX_TARGETS_PER_TASK less those already in it, or the whole cap for
   * a task not created yet; the rows past it, in file order, are `over_limit` as an import would make them. Null for an
   * import (its `over_limit` is what the cap refused).
   */
  room: number | null;
  /**
   * Audience hygiene: of `imported`, people already invited into (or found in) the task's group by this user's tasks,
   * and people on the user's do-not-contact list. An import adds them to the task as SKIPPED (code ALREADY_INVITED /
   * DO_NOT_CONTACT); a dry run counts them. No account attempt is ever spent on them.
   */
  already_invited: number;
  do_not_contact: number;
  /**
   * File imports: what reading the file did that the user should know — title rows skipped above the header row
   * (`IMPORT_NOTE.rows_above_header`), people read from a worksheet other than the first (`IMPORT_NOTE.other_sheet`) —
   * each said in the reader's language. Set by the file import's route (a background job's result keeps both languages
   * in `message_text`); other imports have none.
   */
  notes?: Array<{ code: string; message: string; message_text?: LocalisedText }>;
  /** `reason` in English, `reason_text` in both languages (the route answers the reader's: localiseRowErrors). */
  errors: Array<{ row: number; reason: string; reason_text?: LocalisedText }>;
  preview: Array<{
    row: number;
    username: string | null;
    user_id_platform: string | null;
    phone: string | null;
    first_name: string | null;
    last_name: string | null;
    /**
     * Dry runs: what the import will do with this person instead of adding them to be invited — repeated earlier in
     * the file, already in the task, past the task's room, or added as skipped by audience hygiene; null: added.
     */
    skip?: PreviewSkip | null;
  }>;
}

/** Why a previewed person will not be invited (see ImportReport.preview). */
export type PreviewSkip = 'REPEATED' | 'IN_TASK' | 'OVER_LIMIT' | Block['code'];

/** Dry runs: rows classified per round trip. */
const BATCH = 1000;
/**
 * Imports: rows per set-based insert (COPY into staging, one INSERT … SELECT). The first chunk is small so progress
 * (and the first rows) show at once, and a slow source (the Parsing Service pages) still writes what it has; chunks
 * then double up to the largest, which keeps memory flat (one chunk of COPY text, ~3 MB) and round trips few.
 */
const FIRST_CHUNK = 1000;
const MAX_CHUNK = 50_000;
/**
 * While a chunk is being written, the parse loop hands the event loop a turn every this many rows. Rows already
 * buffered by the parser reach the loop as promise callbacks only, so without a turn the database connection's replies
 * wait until the parser next needs input (tens of ms); a chunk's ten round trips then left PostgreSQL idle for about
 * a tenth of a second per chunk. 256 rows is ~2 ms of parsing.
 */
const YIELD_EVERY = 256;
const MAX_ERRORS = 50;
const PREVIEW_ROWS = 10;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Consumes any row source (file parser, Parsing Service pages) a batch at a time, so memory stays flat
 * however long the file is. A dry run validates and de-duplicates without writing anything.
 */
export class ImportService {
  constructor(private readonly targets: TargetService) {}

  async run(
    rows: RowBatches,
    opts: {
      taskId: number | null;
      source: TargetSource;
      dryRun: boolean;
      normalise?: (r: SourceRow['record']) => NormalisedRow;
      /** Tags the rows; a background job passes its own id so a retried run can first remove what a dead run wrote. */
      importId?: string;
      /** Called after every batch (a background job reports progress and learns it was cancelled). */
      onProgress?: (report: ImportReport) => Promise<void>;
      /** Dry runs: whose ledger and do-not-contact list to count against (an import into a task uses the task's). */
      hygiene?: HygieneScope;
      /** Dry runs: the room the task has (see ImportReport.room); without it a dry run applies no cap. */
      room?: number;
    },
  ): Promise<ImportReport> {
    const dryRun = opts.dryRun || opts.taskId === null;
    const report: ImportReport = {
      task_id: opts.taskId,
      dry_run: opts.dryRun,
      total_rows: 0,
      imported: 0,
      duplicates: 0,
      invalid: 0,
      over_limit: 0,
      room: dryRun ? (opts.room ?? null) : null,
      already_invited: 0,
      do_not_contact: 0,
      errors: [],
      preview: [],
    };
    const normalise = opts.normalise ?? normaliseRecord;
    // Tags this run's rows so a file that breaks half-way (malformed, too large) is rolled back whole.
    const importId = opts.importId ?? randomUUID();
    const seenInDryRun = new Set<string>();
    // Asked once: with no do-not-contact list and no ledger for the group, a dry run has nobody to look up per batch.
    const hygiene = dryRun && opts.hygiene && (await this.targets.hygieneMayBlock(opts.hygiene)) ? opts.hygiene : undefined;
    let batch: Array<NewTarget & { row: number }> = [];
    // Dry runs: the previewed rows by row number, each marked with what the import will do with it as its batch is classified.
    const previewed = new Map<number, ImportReport['preview'][number]>();
    const flushDry = async () => {
      if (!batch.length) return;
      const fresh: NewTarget[] = [];
      const mark = (row: number, skip: PreviewSkip | null) => {
        const p = previewed.get(row);
        if (p) p.skip = skip;
      };
      // Into a task: people it already holds are duplicates using no room, as the import will find them.
      const keys = batch.map((r) => r.key);
      const held = opts.taskId === null ? null : await this.targets.heldBy(opts.taskId, keys);
      for (const r of batch) {
        if (seenInDryRun.has(r.key) || held?.has(r.key)) {
          report.duplicates++;
          mark(r.row, seenInDryRun.has(r.key) ? 'REPEATED' : 'IN_TASK');
        } else {
          seenInDryRun.add(r.key);
          // Past the room, as the import's cap would: counted, not classified.
          if (report.room !== null && report.imported >= report.room) {
            report.over_limit++;
            mark(r.row, 'OVER_LIMIT');
          } else {
            report.imported++;
            fresh.push(r);
            mark(r.row, null);
          }
        }
      }
      if (hygiene) {
        const blocked = await this.targets.classify(hygiene, fresh);
        for (const b of blocked.values()) {
          if (b.code === 'ALREADY_INVITED') report.already_invited++;
          else report.do_not_contact++;
        }
        for (const r of batch) if (previewed.get(r.row)?.skip === null && blocked.has(r.key)) mark(r.row, blocked.get(r.key)!.code);
      }
      batch = [];
      previewed.clear();
      await opts.onProgress?.(report);
    };
    // Imports: one chunk is in the database while the next is parsed (the two run on different cores); chunks are
    // written one after another, so file order, the cap and the counts stay exactly per chunk.
    let chunk = new TargetChunk();
    let chunkSize = FIRST_CHUNK;
    let inflight: Promise<void> | null = null;
    // The people this run has put into the task, while no chunk of it has met a key already there: a task holding just
    // those (a new task, the usual import) takes each further chunk without conflict handling (see insertChunk).
    let putByRun: number | undefined = 0;
    const flushChunk = async () => {
      if (inflight) await inflight;
      inflight = null;
      if (!chunk.length) return;
      const sending = chunk;
      chunk = new TargetChunk();
      chunkSize = Math.min(MAX_CHUNK, chunkSize * 2);
      const writing = this.targets.addChunk(opts.taskId!, sending, opts.source, importId, putByRun).then(async (res) => {
        putByRun = res.plainInsertRefused || putByRun === undefined ? undefined : putByRun + res.inserted;
        report.imported += res.inserted;
        report.duplicates += res.duplicates;
        report.over_limit += res.overLimit;
        report.already_invited += res.alreadyInvited;
        report.do_not_contact += res.doNotContact;
        await opts.onProgress?.(report);
      });
      // Observed by the next flush (or the catch below); until then a failure must not count as unhandled.
      writing.catch(() => {});
      inflight = writing;
    };
    try {
      for await (const rowBatch of rows) {
        for (const row of rowBatch) {
          report.total_rows++;
          const norm = normalise(row.record);
          if (!norm.ok) {
            report.invalid++;
            if (report.errors.length < MAX_ERRORS) report.errors.push({ row: row.rowNumber, reason: norm.reason, reason_text: norm.text });
            continue;
          }
          if (report.preview.length < PREVIEW_ROWS) {
            const shown = { row: row.rowNumber, ...norm.target };
            report.preview.push(shown);
            if (dryRun) previewed.set(row.rowNumber, shown);
          }
          if (dryRun) {
            batch.push({ target: norm.target, key: norm.key, row: row.rowNumber });
            if (batch.length >= BATCH) await flushDry();
          } else {
            chunk.add(norm.key, norm.target, row.rowNumber);
            if (chunk.length >= chunkSize) await flushChunk();
            else if (inflight && chunk.length % YIELD_EVERY === 0) await yieldToEventLoop();
          }
        }
      }
      if (dryRun) await flushDry();
      else {
        await flushChunk();
        await flushChunk(); // waits for the last chunk
      }
      return report;
    } catch (err) {
      if (!dryRun) {
        // A chunk still being written must land (or fail) before its rows can be removed.
        await (inflight as Promise<void> | null)?.catch(() => {});
        await this.targets.deleteImport(opts.taskId!, importId);
      }
      throw err;
    }
  }
}
