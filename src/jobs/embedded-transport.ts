import { realMsFor, type Clock } from '../shared/clock.js';
import { abortableSleep } from '../shared/abortable-sleep.js';
import type { JobQueue } from '../shared/enums.js';
import type { JobStore } from './job-store.js';
import { LANES, type DispatchedJob, type JobTransport } from './job-transport.js';

const MAX_IDLE_MS = 2_000;
const POLL_BATCH = 50;

/**
 * No Redis: one poller per process reads due jobs from the background_jobs table and runs them in
 * their lanes, up to each lane's concurrency (several processes on one PostgreSQL share the table
 * safely, since claims are conditional updates). It polls only for lanes with a free slot, so a lane
 * full of long imports neither blocks a scheduled start nor makes the poller spin. A dispatch in this
 * process, or a job finishing, wakes it at once.
 */
export class EmbeddedTransport implements JobTransport {
  readonly name = 'embedded' as const;
  private wakers = new Set<() => void>();

  constructor(
    private readonly store: JobStore,
    private readonly clock: Clock,
  ) {}

  async dispatch(_job: DispatchedJob): Promise<void> {
    this.wake();
  }

  private wake() {
    for (const wake of this.wakers) wake();
  }

  async consume(run: (id: string) => Promise<void>, signal: AbortSignal): Promise<void> {
    const laneOf = new Map<JobQueue, (typeof LANES)[number]>(LANES.flatMap((l) => l.queues.map((q) => [q, l] as const)));
    const busy = new Map<(typeof LANES)[number], number>(LANES.map((l) => [l, 0]));
    const running = new Set<Promise<void>>();
    while (!signal.aborted) {
      const open = LANES.filter((l) => busy.get(l)! < l.concurrency).flatMap((l) => l.queues);
      let started = 0;
      if (open.length) {
        try {
          for (const job of await this.store.due(POLL_BATCH, open)) {
            const lane = laneOf.get(job.queue);
            if (!lane || busy.get(lane)! >= lane.concurrency) continue; // the rest waits for the next round
            busy.set(lane, busy.get(lane)! + 1);
            started++;
            const p: Promise<void> = run(job.id)
              .catch(() => undefined)
              .finally(() => {
                busy.set(lane, busy.get(lane)! - 1);
                running.delete(p);
                this.wake();
              });
            running.add(p);
          }
        } catch {
          // The database is briefly unreachable: the next poll tries again.
        }
      }
      if (started) continue;
      const next = open.length ? await this.store.nextRunAt(open).catch(() => null) : null;
      const ms = next ? realMsFor(this.clock, next.getTime() - this.clock.now().getTime()) : MAX_IDLE_MS;
      await this.sleep(Math.min(MAX_IDLE_MS, Math.max(20, ms)), signal);
    }
    await Promise.all(running);
  }

  /** Sleeps until `ms` pass, the consumer stops, or something in this process wakes it. */
  private async sleep(ms: number, signal: AbortSignal): Promise<void> {
    const wake = new AbortController();
    const onWake = () => wake.abort();
    signal.addEventListener('abort', onWake, { once: true });
    this.wakers.add(onWake);
    try {
      await abortableSleep(ms, wake.signal);
    } finally {
      signal.removeEventListener('abort', onWake);
      this.wakers.delete(onWake);
    }
  }

  async close(): Promise<void> {
    this.wake();
  }
}
