import { Queue, Worker as BullWorker } from 'bullmq';
import type { Logger } from 'pino';
import { realMsFor, type Clock } from '../shared/clock.js';
import type { JobQueue } from '../shared/enums.js';
import { LANES, type DispatchedJob, type JobTransport } from './job-transport.js';

const ADD_TIMEOUT_MS = 3_000;
const CLOSE_GRACE_MS = 10_000;

/**
 * One BullMQ job per delivery of a background job: the same job, attempt and time give the same id, so
 * re-dispatching one that is still waiting is a no-op, while a retry, a recovery from a dead worker or a
 * new time is a new BullMQ job (the dead worker's stalled one may still sit in Redis; if it is ever
 * delivered, the claim in PostgreSQL turns it away).
 */
const bullJobId = (job: DispatchedJob) => `${job.id}-${job.attempts}-${job.runAt.getTime()}`;

/**
 * Redis configured: one BullMQ queue per spec queue (invite-high/normal/low, imports, reports).
 * Nothing is kept in Redis after delivery. Delayed jobs carry scheduled starts and retries.
 */
export class BullMqTransport implements JobTransport {
  readonly name = 'bullmq' as const;
  private readonly queues = new Map<JobQueue, Queue>();

  constructor(
    private readonly url: string,
    private readonly prefix: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  private queue(name: JobQueue): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, {
        connection: { url: this.url },
        prefix: this.prefix,
        defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 },
      });
      q.on('error', (err) => this.logger.warn({ err: err.message, queue: name }, 'BullMQ queue connection error'));
      this.queues.set(name, q);
    }
    return q;
  }

  async dispatch(job: DispatchedJob): Promise<void> {
    const delay = Math.max(0, Math.ceil(realMsFor(this.clock, job.runAt.getTime() - this.clock.now().getTime())));
    let timer: NodeJS.Timeout | undefined;
    try {
      // Redis down must not hang the request that queued the job: it is already safe in PostgreSQL.
      await Promise.race([
        this.queue(job.queue).add('job', { id: job.id }, { jobId: bullJobId(job), delay }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('Redis did not answer in time')), ADD_TIMEOUT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Counts BullMQ holds per queue (waiting, delayed, active), for tests and diagnostics. */
  async counts(name: JobQueue): Promise<Record<string, number>> {
    return this.queue(name).getJobCounts('waiting', 'delayed', 'active', 'prioritized');
  }

  async consume(run: (id: string) => Promise<void>, signal: AbortSignal): Promise<void> {
    const workers = LANES.flatMap((lane) =>
      lane.queues.map((name) => {
        const w = new BullWorker<{ id: string }>(
          name,
          async (job) => {
            await run(job.data.id);
          },
          {
            connection: { url: this.url, maxRetriesPerRequest: null },
            prefix: this.prefix,
            concurrency: lane.concurrency,
          },
        );
        w.on('error', (err) => this.logger.warn({ err: err.message, queue: name }, 'BullMQ worker error'));
        return w;
      }),
    );
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    // Let running jobs finish for a while; a job cut short keeps its PostgreSQL lock and is recovered when it lapses.
    await Promise.all(
      workers.map(async (w) => {
        let timer: NodeJS.Timeout | undefined;
        const graceful = w.close().then(() => true);
        const timedOut = new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), CLOSE_GRACE_MS);
        });
        if (!(await Promise.race([graceful, timedOut]))) await w.close(true);
        clearTimeout(timer);
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
