import type { Logger } from 'pino';
import type { BackgroundJobRow, BackgroundJobView } from '../db/schema.js';
import { realMsFor, virtualMsFor, type Clock } from '../shared/clock.js';
import { AppError, conflict, notFound } from '../shared/errors.js';
import { abortableSleep } from '../shared/abortable-sleep.js';
import type { JobKind } from '../shared/enums.js';
import { hasMessage, type MessageParams } from '../shared/messages.js';
import type { Metrics } from '../observability/metrics.js';
import type { JobStore, NewJob } from './job-store.js';
import type { JobTransport } from './job-transport.js';

export interface JobIO {
  /** Records progress and renews the claim; throws once the job has been cancelled, so the handler stops. */
  progress(p: Record<string, unknown>): Promise<void>;
}
export interface JobOutcome {
  result: Record<string, unknown>;
  /** A file the user downloads afterwards (reports). */
  output?: Uint8Array;
}
export type JobHandler = (job: BackgroundJobRow, io: JobIO) => Promise<JobOutcome>;
/**
 * Told once when a job fails for good (its attempts used up, or a failure that retrying cannot fix). `said`: the
 * failure's sentence as a catalogue key with its params, when it has one (to be said in any language).
 */
export type JobFailureListener = (
  job: BackgroundJobRow,
  failure: { code: string; message: string; said?: { key: string; params?: MessageParams } },
) => Promise<void>;

class JobCancelled extends Error {
  constructor() {
    super('The job was cancelled.');
  }
}

export interface JobServiceOptions {
  holder: string;
  /** How long a claim lasts without renewal (virtual ms): a runner that dies frees its job after this. */
  lockMs?: number;
  retentionDays?: number;
  /** Imports and reports a user may have waiting or running at once. */
  maxUnfinishedPerUser?: number;
}

const MIN_REAL_LOCK_MS = 15_000;
/** Sweeps at least this often, and twice per lock period, so a dead runner's job is picked up soon after its lock lapses. */
const SWEEP_EVERY_MS = 10_000;
/** A job delivered at most this early is held until its time rather than queued again. */
const EARLY_DELIVERY_WAIT_MS = 5_000;
/** A queued job this overdue was probably lost by the transport (Redis restarted): dispatch it again. */
const REDISPATCH_GRACE_MS = 30_000;

/**
 * Background work: imports of large files and Parsing Service bases, report files, scheduled starts.
 * PostgreSQL holds each job (status, progress, result); the transport only delivers ids; handlers are
 * registered by the domain that owns the work. Failures that may pass (network, upstream 5xx) are
 * retried with back-off; a person's mistake (malformed file, finished task) fails at once with its reason.
 */
export class JobService {
  private readonly handlers = new Map<JobKind, JobHandler>();
  private readonly failureListeners: JobFailureListener[] = [];
  private readonly lockMs: number;
  private lastPrune = 0;

  constructor(
    readonly store: JobStore,
    private readonly clock: Clock,
    readonly transport: JobTransport,
    private readonly logger: Logger,
    private readonly metrics: Metrics | undefined,
    private readonly options: JobServiceOptions,
  ) {
    // On an accelerated demo clock a minute passes in milliseconds: a claim must still last some real seconds,
    // or running jobs would look abandoned between two renewals.
    const configured = options.lockMs ?? 60_000;
    this.lockMs = Math.max(configured, virtualMsFor(clock, Math.min(configured, MIN_REAL_LOCK_MS)));
  }

  register(kind: JobKind, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Listens for final failures (notifications tell the user an import failed). */
  onFinalFailure(listener: JobFailureListener): void {
    this.failureListeners.push(listener);
  }

  async enqueue(job: NewJob): Promise<BackgroundJobView> {
    // Each waiting import holds its file in the database: one user cannot pile up an unbounded backlog.
    const max = this.options.maxUnfinishedPerUser;
    if (max && job.kind !== 'task_start' && (await this.store.countUnfinished(job.userId)) >= max) {
      throw new AppError(
        429,
        'TOO_MANY_JOBS',
        `You already have ${max} background jobs waiting or running; wait for them to finish or cancel some.`,
        undefined,
        {
          params: { max },
        },
      );
    }
    const row = await this.store.create(job);
    await this.dispatch(row);
    return row;
  }

  private async dispatch(row: { id: string; queue: string; run_at: Date; attempts: number }): Promise<void> {
    try {
      await this.transport.dispatch({ id: row.id, queue: row.queue as NewJob['queue'], runAt: new Date(row.run_at), attempts: row.attempts });
    } catch (err) {
      // The job is safe in PostgreSQL; the sweeper dispatches it again once the transport is back.
      this.logger.warn({ err: (err as Error).message, job: row.id }, 'could not hand a job to the queue; it will be re-dispatched');
    }
  }

  async getOwned(userId: number, id: string): Promise<BackgroundJobView> {
    const job = /^[0-9a-f-]{36}$/i.test(id) ? await this.store.getOwned(userId, id) : undefined;
    if (!job) throw notFound(`Background job ${id}`);
    return job;
  }

  async cancel(userId: number, id: string): Promise<BackgroundJobView> {
    const job = await this.getOwned(userId, id);
    const cancelled = await this.store.cancel(job.id, 'Cancelled by the user.');
    if (!cancelled)
      throw conflict('JOB_FINISHED', `The job has already finished (${job.status}); there is nothing to cancel.`, { params: { job_status: job.status } });
    return cancelled;
  }

  /** Claims and runs one job; returns false if it was not this process's to run (taken, not due, finished). */
  async run(id: string): Promise<boolean> {
    const { holder } = this.options;
    const job = await this.store.claim(id, holder, this.lockMs);
    if (!job) return false;
    const handler = this.handlers.get(job.kind);
    if (!handler) {
      await this.store.fail(id, holder, 'NO_HANDLER', `This process cannot run "${job.kind}" jobs.`);
      return true;
    }
    // Set once a renewal finds the job is no longer ours (cancelled, or taken over after a stall).
    let lost = false;
    const renewed = async (progress?: Record<string, unknown>) => {
      const mine = await this.store.renew(id, holder, this.lockMs, progress);
      if (!mine) lost = true;
      return mine;
    };
    const beat = setInterval(
      () => {
        renewed().catch(() => undefined);
      },
      Math.max(50, realMsFor(this.clock, this.lockMs / 3)),
    );
    const started = Date.now();
    try {
      const outcome = await handler(job, {
        progress: async (p) => {
          if (!(await renewed(p))) throw new JobCancelled();
        },
      });
      if (lost || !(await this.store.complete(id, holder, outcome.result, outcome.output))) {
        this.logger.info({ job: id, kind: job.kind }, 'background job was cancelled (or taken over after a stall) while it ran; its result was discarded');
        return true;
      }
      this.metrics?.backgroundJobs.inc({ kind: job.kind, status: 'COMPLETED' });
      this.logger.info({ job: id, kind: job.kind, ms: Date.now() - started }, 'background job completed');
    } catch (err) {
      if (lost || err instanceof JobCancelled) {
        this.logger.info({ job: id, kind: job.kind }, 'background job stopped: cancelled');
        return true;
      }
      await this.recordFailure(job, err);
    } finally {
      clearInterval(beat);
    }
    return true;
  }

  private async recordFailure(job: BackgroundJobRow, err: unknown): Promise<void> {
    const { holder } = this.options;
    const app = err instanceof AppError ? err : null;
    const transient = !app || app.statusCode >= 500;
    const code = app?.code ?? 'INTERNAL_ERROR';
    const message = app?.message ?? `An internal error stopped the job (${(err as Error)?.message ?? String(err)}).`;
    // The sentence with its params, in both languages: the job's reader may read either (jobJson picks theirs).
    const text = app ? { ru: app.text('ru'), en: app.text('en') } : null;
    const said = app?.i18n?.key && hasMessage(app.i18n.key) ? { key: app.i18n.key, params: app.i18n.params } : undefined;
    if (transient && job.attempts < job.max_attempts) {
      // 30 s, 2 min, 8 min… of the job's clock: long enough for a restarted service to come back.
      const runAt = new Date(this.clock.now().getTime() + 30_000 * 4 ** (job.attempts - 1));
      if (await this.store.retryLater(job.id, holder, runAt, code, `${message} Retrying (attempt ${job.attempts + 1} of ${job.max_attempts}).`, text)) {
        this.logger.warn({ job: job.id, kind: job.kind, err: message, retry_at: runAt }, 'background job failed; will retry');
        await this.dispatch({ id: job.id, queue: job.queue, run_at: runAt, attempts: job.attempts });
      }
      return;
    }
    if (await this.store.fail(job.id, holder, code, message, text)) {
      this.metrics?.backgroundJobs.inc({ kind: job.kind, status: 'FAILED' });
      this.logger.warn({ job: job.id, kind: job.kind, err: message }, 'background job failed');
      // The conditional fail above succeeds once per job, so listeners hear of each failure once.
      for (const listener of this.failureListeners) {
        await listener(job, { code, message, said }).catch((err) =>
          this.logger.warn({ job: job.id, err: (err as Error).message }, 'a job failure listener failed; the job stays failed'),
        );
      }
    }
  }

  /**
   * Runs every due job in this process, one after another, until none is due. Tests use it to drive
   * jobs on virtual time; consumers use the transport instead.
   */
  async runDue(): Promise<number> {
    let ran = 0;
    for (;;) {
      const due = await this.store.due(50);
      if (!due.length) return ran;
      for (const { id } of due) if (await this.run(id)) ran++;
    }
  }

  /** Recovers jobs of dead runners, re-dispatches jobs the transport may have lost, and prunes old finished jobs. */
  async sweep(): Promise<void> {
    const recovered = await this.store.recoverAbandoned();
    for (const r of recovered) {
      if (r.status === 'QUEUED') await this.dispatch(r);
    }
    if (recovered.length) this.logger.warn({ jobs: recovered.length }, 'recovered background jobs whose worker stopped');
    if (this.transport.name === 'bullmq') {
      for (const r of await this.store.overdue(REDISPATCH_GRACE_MS)) await this.dispatch(r);
      // Webhook deliveries are queued inside the transaction of the transition that notified, where the transport is
      // out of reach: hand due ones over on every sweep rather than after the lost-job grace (a repeat is harmless).
      for (const r of await this.store.overdue(0, 500, ['webhooks'])) await this.dispatch(r);
    }
    const now = this.clock.now().getTime();
    if (this.options.retentionDays && now - this.lastPrune >= 3600_000) {
      this.lastPrune = now;
      await this.store.pruneFinished(this.options.retentionDays);
    }
  }

  /** Consumes jobs from the transport and sweeps periodically, until `signal` aborts. */
  async consume(signal: AbortSignal): Promise<void> {
    const sweeper = (async () => {
      while (!signal.aborted) {
        await this.sweep().catch((err) => this.logger.warn({ err: (err as Error).message }, 'background job sweep failed; retrying'));
        await abortableSleep(Math.min(SWEEP_EVERY_MS, Math.max(100, realMsFor(this.clock, this.lockMs / 2))), signal);
      }
    })();
    await Promise.all([sweeper, this.transport.consume((id) => this.deliver(id), signal)]);
  }

  /**
   * A transport delivered a job. If it is not due yet, either the queue's delay and this clock disagree
   * by a moment (wait, then run it) or its time was moved later (hand it back for the new time).
   */
  private async deliver(id: string): Promise<void> {
    if (await this.run(id)) return;
    const job = await this.store.get(id);
    if (job?.status !== 'QUEUED') return;
    const early = realMsFor(this.clock, new Date(job.run_at).getTime() - this.clock.now().getTime());
    if (early <= 0) return;
    if (early > EARLY_DELIVERY_WAIT_MS) return this.dispatch(job);
    await new Promise((r) => setTimeout(r, early));
    await this.run(id);
  }

  async depthByQueue() {
    return this.store.depthByQueue();
  }
}
