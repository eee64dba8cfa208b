import type { JobQueue } from '../shared/enums.js';

/** A job as a transport sees it: only its id travels; everything else stays in PostgreSQL. */
export interface DispatchedJob {
  id: string;
  queue: JobQueue;
  runAt: Date;
  /** Attempts so far: with runAt, it tells a new delivery (retry, recovery, new time) from a repeat of one already queued. */
  attempts: number;
}

/**
 * How a queued job reaches a consumer. Dispatch must be idempotent (the sweeper re-dispatches
 * jobs a transport may have lost), and delivering a job twice is harmless: the runner's claim
 * in PostgreSQL decides who runs it.
 */
export interface JobTransport {
  readonly name: 'bullmq' | 'embedded';
  dispatch(job: DispatchedJob): Promise<void>;
  /** Delivers jobs to `run` until `signal` aborts; resolves once consumption has stopped. */
  consume(run: (id: string) => Promise<void>, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/**
 * Consumer lanes: each lane is served independently so a long import never holds up a scheduled
 * start. The numbers are how many jobs of the lane one process runs at once; the high-priority
 * invite queue gets the most.
 */
export const LANES: ReadonlyArray<{ queues: readonly JobQueue[]; concurrency: number }> = [
  { queues: ['invite-high'], concurrency: 4 },
  { queues: ['invite-normal'], concurrency: 2 },
  { queues: ['invite-low'], concurrency: 1 },
  { queues: ['imports'], concurrency: 2 },
  { queues: ['reports'], concurrency: 2 },
  // Webhook deliveries are short HTTP calls with a timeout; their own lane keeps a slow receiver from delaying imports.
  { queues: ['webhooks'], concurrency: 2 },
];
