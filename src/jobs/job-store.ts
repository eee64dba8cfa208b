import { sql, type Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { BackgroundJobRow, BackgroundJobView, Database } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import type { JobKind, JobQueue, JobStatus } from '../shared/enums.js';
import type { LocalisedText } from '../shared/messages.js';

const jsonOrNull = (text: LocalisedText | null) => (text ? JSON.stringify(text) : null);

/** Every column but the payloads, which can be megabytes and are read only by whoever needs them. */
const VIEW_COLUMNS = [
  'id',
  'user_id',
  'kind',
  'queue',
  'task_id',
  'status',
  'params',
  'progress',
  'result',
  'error_code',
  'error_message',
  'error_text',
  'attempts',
  'max_attempts',
  'run_at',
  'locked_by',
  'locked_until',
  'created_at',
  'updated_at',
  'started_at',
  'finished_at',
] as const;

export interface NewJob {
  userId: number;
  kind: JobKind;
  queue: JobQueue;
  taskId?: number | null;
  params?: Record<string, unknown>;
  input?: Uint8Array | null;
  runAt?: Date;
  maxAttempts?: number;
}

/**
 * The background_jobs table: the source of truth for every queued piece of work. A job is claimed
 * with a conditional UPDATE, so whichever transport delivers it (BullMQ or the embedded poller,
 * or both after a Redis hiccup) it runs at most once at a time; a claim carries a lock that the
 * runner renews, and an expired lock means the runner died.
 */
export class JobStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async create(job: NewJob): Promise<BackgroundJobView> {
    const now = this.clock.now();
    return this.db
      .insertInto('background_jobs')
      .values({
        id: randomUUID(),
        user_id: job.userId,
        kind: job.kind,
        queue: job.queue,
        task_id: job.taskId ?? null,
        params: JSON.stringify(job.params ?? {}),
        input: job.input ?? null,
        run_at: job.runAt ?? now,
        max_attempts: job.maxAttempts,
        created_at: now,
        updated_at: now,
      })
      .returning(VIEW_COLUMNS)
      .executeTakeFirstOrThrow();
  }

  get(id: string): Promise<BackgroundJobView | undefined> {
    return this.db.selectFrom('background_jobs').select(VIEW_COLUMNS).where('id', '=', id).executeTakeFirst();
  }

  getOwned(userId: number, id: string): Promise<BackgroundJobView | undefined> {
    return this.db.selectFrom('background_jobs').select(VIEW_COLUMNS).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  }

  /** The file a finished job produced (a report), for its owner. */
  async output(userId: number, id: string): Promise<Uint8Array | null> {
    const row = await this.db.selectFrom('background_jobs').select('output').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return row?.output ?? null;
  }

  async list(userId: number, q: { status?: JobStatus[]; kind?: JobKind[]; taskId?: number; limit: number; offset: number }) {
    let base = this.db.selectFrom('background_jobs').where('user_id', '=', userId);
    if (q.status?.length) base = base.where('status', 'in', q.status);
    if (q.kind?.length) base = base.where('kind', 'in', q.kind);
    if (q.taskId !== undefined) base = base.where('task_id', '=', q.taskId);
    const [items, total] = await Promise.all([
      base.select(VIEW_COLUMNS).orderBy('created_at', 'desc').orderBy('id').limit(q.limit).offset(q.offset).execute(),
      base.select(({ fn }) => fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items, total: Number(total.n) };
  }

  /** Takes a due, queued job for `holder`; undefined if it is not due, already taken or finished. */
  async claim(id: string, holder: string, lockMs: number): Promise<BackgroundJobRow | undefined> {
    const now = this.clock.now();
    return this.db
      .updateTable('background_jobs')
      .set({
        status: 'RUNNING',
        locked_by: holder,
        locked_until: new Date(now.getTime() + lockMs),
        attempts: sql`attempts + 1`,
        started_at: sql`coalesce(started_at, ${now})`,
        updated_at: now,
      })
      .where('id', '=', id)
      .where('status', '=', 'QUEUED')
      .where('run_at', '<=', now)
      .returningAll()
      .executeTakeFirst();
  }

  /** Renews a claim; false means the job is no longer this holder's (cancelled, or taken over after a stall). */
  async renew(id: string, holder: string, lockMs: number, progress?: Record<string, unknown>): Promise<boolean> {
    const now = this.clock.now();
    const res = await this.db
      .updateTable('background_jobs')
      .set({ locked_until: new Date(now.getTime() + lockMs), updated_at: now, ...(progress ? { progress: JSON.stringify(progress) } : {}) })
      .where('id', '=', id)
      .where('status', '=', 'RUNNING')
      .where('locked_by', '=', holder)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async complete(id: string, holder: string, result: Record<string, unknown>, output?: Uint8Array): Promise<boolean> {
    return this.finish(id, holder, { status: 'COMPLETED', result: JSON.stringify(result), ...(output ? { output } : {}) });
  }

  /** `text`: the failure's sentence in both languages, when it has one (an AppError's). */
  async fail(id: string, holder: string, code: string, message: string, text: LocalisedText | null = null): Promise<boolean> {
    return this.finish(id, holder, { status: 'FAILED', error_code: code, error_message: message, error_text: jsonOrNull(text) });
  }

  /** Puts a failed attempt back in the queue to run again at `runAt`. */
  async retryLater(id: string, holder: string, runAt: Date, code: string, message: string, text: LocalisedText | null = null): Promise<boolean> {
    const res = await this.db
      .updateTable('background_jobs')
      .set({
        status: 'QUEUED',
        run_at: runAt,
        locked_by: null,
        locked_until: null,
        error_code: code,
        error_message: message,
        error_text: jsonOrNull(text),
        updated_at: this.clock.now(),
      })
      .where('id', '=', id)
      .where('status', '=', 'RUNNING')
      .where('locked_by', '=', holder)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  private async finish(
    id: string,
    holder: string,
    set: { status: JobStatus; result?: string; output?: Uint8Array; error_code?: string; error_message?: string; error_text?: string | null },
  ) {
    const now = this.clock.now();
    const res = await this.db
      .updateTable('background_jobs')
      // Inputs are only needed to run the job: drop them as soon as it is over.
      .set({ ...set, input: null, locked_by: null, locked_until: null, finished_at: now, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'RUNNING')
      .where('locked_by', '=', holder)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Cancels a job that has not finished; returns the row as it is afterwards. */
  async cancel(id: string, reason: string): Promise<BackgroundJobView | undefined> {
    const now = this.clock.now();
    return this.db
      .updateTable('background_jobs')
      .set({
        status: 'CANCELLED',
        error_message: reason,
        error_text: null,
        input: null,
        locked_by: null,
        locked_until: null,
        finished_at: now,
        updated_at: now,
      })
      .where('id', '=', id)
      .where('status', 'in', ['QUEUED', 'RUNNING'])
      .returning(VIEW_COLUMNS)
      .executeTakeFirst();
  }

  /** Cancels the queued jobs of one kind for a task (a paused scheduled task no longer needs its start). */
  async cancelQueuedForTask(taskId: number, kind: JobKind, reason: { code: string; message: string }): Promise<number> {
    const now = this.clock.now();
    const res = await this.db
      .updateTable('background_jobs')
      .set({ status: 'CANCELLED', error_code: reason.code, error_message: reason.message, error_text: null, finished_at: now, updated_at: now })
      .where('task_id', '=', taskId)
      .where('kind', '=', kind)
      .where('status', '=', 'QUEUED')
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /** Due queued jobs, high-priority queues first (the embedded transport's poll). */
  async due(limit: number, queues?: readonly JobQueue[]): Promise<Array<{ id: string; queue: JobQueue }>> {
    let q = this.db.selectFrom('background_jobs').select(['id', 'queue']).where('status', '=', 'QUEUED').where('run_at', '<=', this.clock.now());
    if (queues) q = q.where('queue', 'in', [...queues]);
    const rows = await q
      .orderBy(sql`CASE queue WHEN 'invite-high' THEN 0 WHEN 'invite-normal' THEN 1 WHEN 'invite-low' THEN 2 ELSE 3 END`)
      .orderBy('run_at')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, queue: r.queue }));
  }

  /** Queued jobs whose time passed a while ago: BullMQ should have delivered them, so Redis may have lost them. */
  overdue(graceMs: number, limit = 500, queues?: readonly JobQueue[]) {
    let q = this.db
      .selectFrom('background_jobs')
      .select(['id', 'queue', 'run_at', 'attempts'])
      .where('status', '=', 'QUEUED')
      .where('run_at', '<=', new Date(this.clock.now().getTime() - graceMs));
    if (queues) q = q.where('queue', 'in', [...queues]);
    return q.orderBy('run_at').limit(limit).execute();
  }

  /** When the next queued job (of these queues) falls due. */
  nextRunAt(queues?: readonly JobQueue[]): Promise<Date | null> {
    let q = this.db
      .selectFrom('background_jobs')
      .select(({ fn }) => fn.min('run_at').as('at'))
      .where('status', '=', 'QUEUED');
    if (queues) q = q.where('queue', 'in', [...queues]);
    return q.executeTakeFirst().then((r) => (r?.at ? new Date(r.at) : null));
  }

  /**
   * Jobs whose runner stopped renewing its lock (process killed): they go back to the queue, or fail
   * once they have used their attempts, so a job that kills its runner cannot loop for ever.
   */
  async recoverAbandoned(): Promise<Array<{ id: string; queue: string; status: string; run_at: Date; attempts: number }>> {
    const now = this.clock.now();
    return this.db
      .updateTable('background_jobs')
      .set({
        status: sql`CASE WHEN attempts >= max_attempts THEN 'FAILED' ELSE 'QUEUED' END`,
        error_code: sql`CASE WHEN attempts >= max_attempts THEN 'ABANDONED' ELSE error_code END`,
        error_message: sql`CASE WHEN attempts >= max_attempts THEN 'The job stopped ' || attempts || ' times without finishing (its worker died); it was given up.' ELSE error_message END`,
        error_text: sql`CASE WHEN attempts >= max_attempts THEN NULL ELSE error_text END`,
        finished_at: sql`CASE WHEN attempts >= max_attempts THEN ${now}::timestamptz ELSE NULL END`,
        input: sql`CASE WHEN attempts >= max_attempts THEN NULL ELSE input END`,
        run_at: now,
        locked_by: null,
        locked_until: null,
        updated_at: now,
      })
      .where('status', '=', 'RUNNING')
      .where('locked_until', '<', now)
      .returning(['id', 'queue', 'status', 'run_at', 'attempts'])
      .execute();
  }

  /**
   * A user's unfinished jobs, not counting scheduled starts (those are bounded by the active-task limit) nor
   * webhook deliveries (the system queues those, one per notification; they must never block a user's import).
   */
  async countUnfinished(userId: number): Promise<number> {
    const r = await this.db
      .selectFrom('background_jobs')
      .select(({ fn }) => fn.countAll<string>().as('n'))
      .where('user_id', '=', userId)
      .where('status', 'in', ['QUEUED', 'RUNNING'])
      .where('kind', 'not in', ['task_start', 'webhook_delivery'])
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * Due, waiting jobs per queue (the queue-depth metric). Scheduled starts count from their time on,
   * so tasks scheduled for next week are not a backlog.
   */
  async depthByQueue(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('background_jobs')
      .select(['queue', ({ fn }) => fn.countAll<string>().as('n')])
      .where('status', '=', 'QUEUED')
      .where('run_at', '<=', this.clock.now())
      .groupBy('queue')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.queue, Number(r.n)]));
  }

  /** Retention: finished jobs (and their report files) older than `days`. */
  async pruneFinished(days: number): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - days * 86400_000);
    const res = await this.db
      .deleteFrom('background_jobs')
      .where('status', 'in', ['COMPLETED', 'FAILED', 'CANCELLED'])
      .where('finished_at', '<', cutoff)
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
