import type { Logger } from 'pino';
import { realMsFor, type Clock } from '../shared/clock.js';
import { abortableSleep } from '../shared/abortable-sleep.js';
import type { Worker } from './worker.js';

const MAX_IDLE_MS = 5_000;

/** Runs a worker on real time: act while there is work, otherwise sleep until the next due moment (at most 5 s). */
export async function runWorkerLoop(worker: Worker, clock: Clock, signal: AbortSignal, logger?: Logger): Promise<void> {
  while (!signal.aborted) {
    let acted = false;
    try {
      acted = await worker.tick();
    } catch (err) {
      logger?.error({ err }, 'worker tick failed; retrying shortly');
    }
    if (acted) continue;
    const wake = await worker.nextWakeAt().catch(() => null);
    const virtualMs = wake ? wake.getTime() - clock.now().getTime() : Infinity;
    const realMs = realMsFor(clock, virtualMs);
    const ms = Math.min(MAX_IDLE_MS, Math.max(50, realMs));
    await abortableSleep(ms, signal);
  }
}

/** Drives a worker on virtual time (tests, benchmarks): acts, then jumps the clock to the next due moment. */
export async function runVirtual(
  worker: Worker,
  clock: Clock & { set(d: Date): void },
  untilMs: number,
  opts: { maxActions?: number; stop?: () => Promise<boolean> | boolean } = {},
): Promise<number> {
  let actions = 0;
  while (clock.now().getTime() < untilMs) {
    if (opts.stop && (await opts.stop())) break;
    if (await worker.tick()) {
      actions++;
      if (opts.maxActions && actions >= opts.maxActions) break;
      continue;
    }
    const wake = await worker.nextWakeAt();
    // Housekeeping runs on its own cadence, so never jump further than 30 s past "now" when nothing is due sooner.
    const next = wake ? Math.max(wake.getTime(), clock.now().getTime() + 1000) : untilMs;
    clock.set(new Date(Math.min(next, untilMs)));
  }
  return actions;
}
