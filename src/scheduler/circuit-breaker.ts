import type { Logger } from 'pino';
import type { Clock } from '../shared/clock.js';
import type { Metrics } from '../observability/metrics.js';
import type { PlatformError } from '../platform/platform-error.js';

export interface CircuitBreakerOptions {
  /** Sliding window (virtual seconds) over which calls are counted. */
  windowSeconds: number;
  /** The circuit opens only with at least this many failed calls in the window… */
  minFailures: number;
  /** …that are at least this share (0..1) of the calls in the window. */
  failureRatio: number;
  /** First pause (seconds); doubled after each failed probe… */
  baseBackoffSeconds: number;
  /** …up to this. */
  maxBackoffSeconds: number;
}

export const DEFAULT_CIRCUIT_OPTIONS: CircuitBreakerOptions = {
  windowSeconds: 60,
  minFailures: 10,
  failureRatio: 0.5,
  baseBackoffSeconds: 30,
  maxBackoffSeconds: 600,
};

export type CircuitState = 'closed' | 'open' | 'half_open';
/** What the worker may do now: dispatch normally, dispatch one probe call, or not dispatch. */
export type CircuitAdmission = 'dispatch' | 'probe' | 'blocked';

export interface CircuitSnapshot {
  platform: string;
  state: CircuitState;
  opened_at: string | null;
  retry_at: string | null;
  /** Calls and platform-wide failures in the current window. */
  calls: number;
  failures: number;
  /** How many times in a row the circuit has opened (the back-off step). */
  consecutive_opens: number;
}

/** What processes share about a circuit: whether it is open and until when (the window's counts stay local). */
export interface SharedCircuit {
  platform: string;
  state: 'open' | 'closed';
  opened_at: Date | null;
  retry_at: Date | null;
  consecutive_opens: number;
  updated_at: Date;
}

/** Where processes publish and read circuit state (PostgreSQL in the app: `platform_circuits`). */
export interface CircuitStore {
  load(): Promise<SharedCircuit[]>;
  save(c: SharedCircuit): Promise<void>;
}

/** How often (virtual seconds) a process reads what the others published. */
const SYNC_EVERY_SECONDS = 5;

interface Circuit {
  state: CircuitState;
  /** When this process last changed or adopted the state (virtual ms). */
  changedAt: number;
  events: Array<{ at: number; failed: boolean }>;
  openedAt: number | null;
  retryAt: number | null;
  opens: number;
  probing: boolean;
}

/**
 * Circuit breaker per platform (keyed by platform mode: the adapter that is failing). When platform calls fail
 * en masse — network errors and unclassified (5xx-like) errors, across accounts — within the window, dispatch for
 * that platform stops: no account burns its targets' attempts against a platform that is down. After the back-off
 * (30 s, 1 min, 2 min … capped) one probe call is let through (half-open): success closes the circuit, failure
 * opens it again with the next back-off. Only transport-level failures count: a FloodWait, a privacy refusal or a
 * ban is a platform that answers.
 *
 * Counting is per process; with a store, an opened (or closed) circuit is published, and every process adopts what
 * another published within SYNC_EVERY_SECONDS (sync()), so one process seeing an outage pauses them all.
 */
export class CircuitBreaker {
  private readonly circuits = new Map<string, Circuit>();
  readonly options: CircuitBreakerOptions;
  private dirty = new Set<string>();
  private lastSync = -Infinity;

  constructor(
    private readonly clock: Clock,
    options: Partial<CircuitBreakerOptions> = {},
    private readonly metrics?: Metrics,
    private readonly logger?: Logger,
    private readonly store?: CircuitStore,
  ) {
    this.options = { ...DEFAULT_CIRCUIT_OPTIONS, ...options };
  }

  /**
   * Publishes this process's state changes and, every few seconds, adopts the others': an open circuit published
   * by another process (still before its retry time) opens ours; a close published after our opening closes ours.
   * Never throws: without the store the breaker simply works per process.
   */
  async sync(force = false): Promise<void> {
    if (!this.store) return;
    const now = this.clock.now().getTime();
    try {
      for (const platform of [...this.dirty]) {
        this.dirty.delete(platform);
        const c = this.circuits.get(platform)!;
        await this.store.save({
          platform,
          state: c.state === 'closed' ? 'closed' : 'open',
          opened_at: c.openedAt ? new Date(c.openedAt) : null,
          retry_at: c.retryAt ? new Date(c.retryAt) : null,
          consecutive_opens: c.opens,
          updated_at: new Date(c.changedAt),
        });
      }
      if (!force && now - this.lastSync < SYNC_EVERY_SECONDS * 1000) return;
      this.lastSync = now;
      for (const row of await this.store.load()) {
        const c = this.circuit(row.platform);
        const at = row.updated_at.getTime();
        if (at <= c.changedAt) continue;
        if (row.state === 'open' && c.state === 'closed' && row.retry_at && row.retry_at.getTime() > now) {
          Object.assign(c, {
            openedAt: row.opened_at?.getTime() ?? at,
            retryAt: row.retry_at.getTime(),
            opens: row.consecutive_opens,
            events: [],
            changedAt: at,
          });
          this.transition(row.platform, c, 'open');
        } else if (row.state === 'closed' && c.state !== 'closed') {
          Object.assign(c, { openedAt: null, retryAt: null, opens: 0, events: [], probing: false, changedAt: at });
          this.transition(row.platform, c, 'closed');
        }
      }
    } catch (err) {
      this.logger?.warn({ err: (err as Error).message }, 'could not share the circuit breaker state; continuing per process');
    }
  }

  /** Whether a platform error counts as the platform failing (not an answer about an account or a person). */
  static isPlatformFailure(error: PlatformError | null): boolean {
    return !!error && (error.kind === 'NETWORK' || error.kind === 'UNKNOWN');
  }

  private circuit(platform: string): Circuit {
    let c = this.circuits.get(platform);
    if (!c) {
      c = { state: 'closed', changedAt: -Infinity, events: [], openedAt: null, retryAt: null, opens: 0, probing: false };
      this.circuits.set(platform, c);
      this.metrics?.circuitOpen.set({ platform }, 0);
    }
    return c;
  }

  /** Asked before leasing an account of `platform` for an action. A 'probe' must be followed by record() or abandonProbe(). */
  admit(platform: string): CircuitAdmission {
    const c = this.circuits.get(platform);
    if (!c || c.state === 'closed') return 'dispatch';
    if (c.state === 'half_open') {
      if (c.probing) return 'blocked';
      c.probing = true;
      return 'probe';
    }
    if (this.clock.now().getTime() < c.retryAt!) return 'blocked';
    this.transition(platform, c, 'half_open');
    c.probing = true;
    return 'probe';
  }

  /** The probe found nothing to do (no lease, no target): let the next candidate probe instead. */
  abandonProbe(platform: string): void {
    const c = this.circuits.get(platform);
    if (c) c.probing = false;
  }

  /** The outcome of one platform call. */
  record(platform: string, error: PlatformError | null): void {
    const failed = CircuitBreaker.isPlatformFailure(error);
    const c = this.circuit(platform);
    const now = this.clock.now().getTime();
    if (c.state === 'half_open' || c.state === 'open') {
      // The probe's answer (or a call that was already under way when the circuit opened).
      if (c.state === 'half_open') {
        c.probing = false;
        if (failed) this.open(platform, c, now);
        else this.close(platform, c);
      }
      return;
    }
    c.events.push({ at: now, failed });
    this.prune(c, now);
    if (!failed) return;
    const failures = c.events.filter((e) => e.failed).length;
    if (failures >= this.options.minFailures && failures / c.events.length >= this.options.failureRatio) this.open(platform, c, now);
  }

  /** The earliest moment a blocked platform may be probed; null unless every known circuit is open (nothing else can run). */
  pausedUntil(): Date | null {
    if (!this.circuits.size) return null;
    let min = Infinity;
    for (const c of this.circuits.values()) {
      if (c.state !== 'open') return null;
      min = Math.min(min, c.retryAt!);
    }
    return new Date(min);
  }

  /** Every circuit this process knows (`always`: platforms to list even before their first call). */
  snapshot(always: string[] = []): CircuitSnapshot[] {
    for (const p of always) this.circuit(p);
    const now = this.clock.now().getTime();
    return [...this.circuits.entries()].map(([platform, c]) => {
      this.prune(c, now);
      return {
        platform,
        state: c.state,
        opened_at: c.openedAt ? new Date(c.openedAt).toISOString() : null,
        retry_at: c.retryAt && c.state !== 'closed' ? new Date(c.retryAt).toISOString() : null,
        calls: c.events.length,
        failures: c.events.filter((e) => e.failed).length,
        consecutive_opens: c.opens,
      };
    });
  }

  private prune(c: Circuit, now: number): void {
    const from = now - this.options.windowSeconds * 1000;
    while (c.events.length && c.events[0]!.at <= from) c.events.shift();
  }

  private open(platform: string, c: Circuit, now: number): void {
    const backoff = Math.min(this.options.maxBackoffSeconds, this.options.baseBackoffSeconds * 2 ** c.opens);
    c.opens += 1;
    c.openedAt = now;
    c.retryAt = now + backoff * 1000;
    c.events = [];
    c.changedAt = now;
    this.dirty.add(platform);
    this.transition(platform, c, 'open');
    this.logger?.warn(
      { platform, retry_at: new Date(c.retryAt).toISOString(), backoff_seconds: backoff },
      'platform calls are failing en masse: dispatch paused (circuit open)',
    );
  }

  private close(platform: string, c: Circuit): void {
    c.opens = 0;
    c.openedAt = null;
    c.retryAt = null;
    c.events = [];
    c.changedAt = this.clock.now().getTime();
    this.dirty.add(platform);
    this.transition(platform, c, 'closed');
    this.logger?.info({ platform }, 'platform answers again: dispatch resumed (circuit closed)');
  }

  private transition(platform: string, c: Circuit, to: CircuitState): void {
    c.state = to;
    this.metrics?.circuitOpen.set({ platform }, to === 'closed' ? 0 : 1);
    this.metrics?.circuitTransitions.inc({ platform, to });
  }
}
