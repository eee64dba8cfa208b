import { Readable } from 'node:stream';
import type { BackgroundJobRow, TaskRow } from '../db/schema.js';
import type { JobIO, JobService } from '../jobs/job-service.js';
import type { TaskService } from '../tasks/task-service.js';
import type { TargetService } from '../targets/target-service.js';
import type { AccountManager } from '../accounts/account-manager.js';
import type { AuditLog } from '../observability/audit.js';
import type { TaskLifecycle } from '../tasks/task-lifecycle.js';
import { AppError } from '../shared/errors.js';
import type { LocalisedText } from '../shared/messages.js';
import { FINISHED_TASK_STATUSES } from '../shared/enums.js';
import type { ImportReport, ImportService } from './import-service.js';
import { normaliseParsingItem, type ParsingServiceClient } from './parsing-service-client.js';
import { DEFAULT_IMPORT_LIMITS, asMalformed, fileRows, readableFailures, type ImportLimits } from './file-rows.js';
import { linkedPlatformUserId } from '../auth/platform-identity.js';

/** The task an import writes into: the caller's own, and not finished (a finished task's audience is history). */
export async function importableTask(tasks: TaskService, userId: number, taskId: number): Promise<TaskRow> {
  const task = await tasks.getOwned(userId, taskId);
  if (FINISHED_TASK_STATUSES.includes(task.status)) {
    throw new AppError(409, 'TASK_FINISHED', `Task "${task.name}" is ${task.status}; import into a new task or a duplicate.`, undefined, {
      key: 'TASK_FINISHED.import',
      params: { name: task.name, status: task.status },
    });
  }
  return task;
}

const progressOf = (r: ImportReport) => ({ rows: r.total_rows, imported: r.imported, duplicates: r.duplicates, invalid: r.invalid, over_limit: r.over_limit });

/**
 * Imports run as background jobs: a large file (kept with the job until it has run) or a whole
 * Parsing Service base. Each run tags its rows with the job id, so a retry after a crash first
 * removes what the dead run wrote and the audience never holds a row twice.
 */
export class ImportJobs {
  constructor(
    private readonly jobs: JobService,
    private readonly tasks: TaskService,
    private readonly targets: TargetService,
    private readonly importer: ImportService,
    private readonly parsing: ParsingServiceClient,
    private readonly accounts: AccountManager,
    private readonly audit: AuditLog,
    private readonly lifecycle: TaskLifecycle,
    private readonly importLimits: ImportLimits = DEFAULT_IMPORT_LIMITS,
  ) {
    jobs.register('import_file', (job, io) => this.runFile(job, io));
    jobs.register('import_parsing', (job, io) => this.runParsing(job, io));
  }

  /** `startWhenDone`: start the task once its audience is in (a start now would find no targets yet). */
  enqueueFile(task: TaskRow, file: { bytes: Uint8Array; filename?: string; mimetype?: string }, startWhenDone = false) {
    return this.jobs.enqueue({
      userId: task.user_id,
      kind: 'import_file',
      queue: 'imports',
      taskId: task.id,
      input: file.bytes,
      params: { filename: file.filename ?? null, mimetype: file.mimetype ?? null, bytes: file.bytes.byteLength, start_when_done: startWhenDone },
    });
  }

  /**
   * The job keeps no credential: when it runs, the Parsing Service is asked with a fresh inter-service token
   * for the task owner's platform user id, as the platform's services ask each other.
   */
  enqueueParsing(task: TaskRow, base: string, limit?: number, startWhenDone = false) {
    linkedPlatformUserId(task.user_id);
    return this.jobs.enqueue({
      userId: task.user_id,
      kind: 'import_parsing',
      queue: 'imports',
      taskId: task.id,
      params: { parsing_task_id: base, limit: limit ?? null, start_when_done: startWhenDone },
    });
  }

  private async runFile(job: BackgroundJobRow, io: JobIO) {
    const params = job.params as { filename?: string | null; mimetype?: string | null };
    const task = await importableTask(this.tasks, job.user_id, job.task_id!);
    if (!job.input) throw new AppError(410, 'INPUT_GONE', 'The uploaded file is no longer stored with this job; upload it again.');
    const source = await fileRows(Readable.from([Buffer.from(job.input)]), params.filename ?? undefined, params.mimetype ?? undefined, this.importLimits).catch(
      (err) => {
        throw asMalformed(err);
      },
    );
    const { report, current } = await this.importInto(task, job, io, readableFailures(source.rows), 'FILE_UPLOAD');
    await this.audit.record(job.user_id, 'import.file', 'task', task.id, { format: source.format, imported: report.imported, job: job.id });
    return {
      result: {
        format: source.format,
        encoding: source.encoding,
        filename: params.filename ?? null,
        ...report,
        // Read later by readers of either language: English in `message` (as row errors keep theirs), both in `message_text`.
        notes: source.notes.map((n) => ({ code: n.code, message: n.text.en, message_text: n.text })),
        ...(await this.startIfAsked(job, current)),
      },
    };
  }

  private async runParsing(job: BackgroundJobRow, io: JobIO) {
    const params = job.params as { parsing_task_id: string; limit: number | null };
    const task = await importableTask(this.tasks, job.user_id, job.task_id!);
    const rows = this.parsing.results(linkedPlatformUserId(job.user_id), params.parsing_task_id, 500, params.limit ?? Infinity);
    const { report, current } = await this.importInto(task, job, io, rows, 'PARSING_IMPORT', normaliseParsingItem);
    await this.audit.record(job.user_id, 'import.parsing', 'task', task.id, { base: params.parsing_task_id, imported: report.imported, job: job.id });
    return { result: { parsing_task_id: params.parsing_task_id, ...report, ...(await this.startIfAsked(job, current)) } };
  }

  /** The import is done; a start the user asked for may still be refused (no admin account…): that is reported, not a job failure. */
  private async startIfAsked(
    job: BackgroundJobRow,
    current: TaskRow,
  ): Promise<{ start?: { status: string } | { error: string; message: string; message_text: LocalisedText } }> {
    if (!(job.params as { start_when_done?: boolean }).start_when_done) return {};
    // Started by hand while the import ran: nothing to do, and not an error.
    if (current.status === 'IN_PROGRESS' || current.status === 'SCHEDULED') return { start: { status: current.status } };
    try {
      const task = await this.lifecycle.start(job.user_id, job.task_id!);
      return { start: { status: task.status } };
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      // Kept in both languages: the job is read later, by a reader of either (jobJson picks theirs).
      return { start: { error: err.code, message: err.message, message_text: { ru: err.text('ru'), en: err.text('en') } } };
    }
  }

  private async importInto(
    task: TaskRow,
    job: BackgroundJobRow,
    io: JobIO,
    rows: Parameters<ImportService['run']>[0],
    source: 'FILE_UPLOAD' | 'PARSING_IMPORT',
    normalise?: typeof normaliseParsingItem,
  ) {
    // A previous attempt of this job may have died half-way: start from a clean slate.
    await this.targets.deleteImport(task.id, job.id);
    const report = await this.importer.run(rows, {
      taskId: task.id,
      source,
      dryRun: false,
      normalise,
      importId: job.id,
      onProgress: (r) => io.progress(progressOf(r)),
    });
    // The task as it is now: it may have been started or paused while the import ran.
    const current = await this.tasks.getOwned(job.user_id, task.id);
    if (report.imported && current.status === 'IN_PROGRESS') await this.accounts.wake(job.user_id);
    return { report, current };
  }
}
