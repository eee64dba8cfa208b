import { realMsFor, type Clock } from '../shared/clock.js';
import { abortableSleep } from '../shared/abortable-sleep.js';
import type { JobStore } from './job-store.js';
import { LANES, type DispatchedJob, type JobTransport } from './job-transport.js';

const MAX_IDLE_MS = 2_000;

/**
 * No Redis: consumers poll the background_jobs table (several processes on one PostgreSQL share it
 * safely, since claims are conditional updates). A dispatch in this process wakes its own pollers at once.
 */
export class EmbeddedTransport implements JobTransport {
  readonly name = 'embedded' as const;
  private wakers = new Set<() => void>();

  constructor(private readonly store: JobStore, private readonly clock: Clock) {}

  async dispatch(_job: DispatchedJob): Promise<void> {
    for (const wake of this.wakers) wake();
  }

  async consume(run: (id: string) => Promise<void>, signal: AbortSignal): Promise<void> {
    await Promise.all(LANES.flatMap((lane) => Array.from({ length: lane.concurrency }, () => this.lane(lane.queues, run, signal))));
  }

  private async lane(queues: readonly DispatchedJob['queue'][], run: (id: string) => Promise<void>, signal: AbortSignal) {
    while (!signal.aborted) {
      let ran = false;
      try {
        for (const id of await this.store.dueIds(1, queues)) {
          ran = true;
          await run(id);
        }
      } catch {
        // The database is briefly unreachable: the next poll tries again.
      }
      if (ran) continue;
      // Only this lane's queues: another lane's backlog must not make this one poll hot.
      const next = await this.store.nextRunAt(queues).catch(() => null);
      const ms = next ? realMsFor(this.clock, next.getTime() - this.clock.now().getTime()) : MAX_IDLE_MS;
      await this.sleep(Math.min(MAX_IDLE_MS, Math.max(20, ms)), signal);
    }
  }

  /** Sleeps until `ms` pass, the consumer stops, or a dispatch in this process wakes it. */
  private async sleep(ms: number, signal: AbortSignal): Promise<void> {
    const wake = new AbortController();
    const onStop = () => wake.abort();
    const onDispatch = () => wake.abort();
    signal.addEventListener('abort', onStop, { once: true });
    this.wakers.add(onDispatch);
    try {
      await abortableSleep(ms, wake.signal);
    } finally {
      signal.removeEventListener('abort', onStop);
      this.wakers.delete(onDispatch);
    }
  }

  async close(): Promise<void> {
    for (const wake of this.wakers) wake();
  }
}
