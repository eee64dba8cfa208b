/** Time source for everything that schedules. Tests swap in a ManualClock so days pass in milliseconds. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export class ManualClock implements Clock {
  private current: number;
  constructor(start: Date | string = '2026-01-05T00:00:00Z') {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  advanceSeconds(seconds: number): void {
    this.current += seconds * 1000;
  }
  set(to: Date): void {
    if (to.getTime() > this.current) this.current = to.getTime();
  }
}

/**
 * Sandbox demos only: time runs `speed` times faster than the wall clock from the moment of creation,
 * so a marketer (or a browser test) can watch a day of paced invites happen in minutes.
 */
export class ScaledClock implements Clock {
  /** `virtualStart` is the virtual time at the real moment `realStart` (both default to now). */
  constructor(
    readonly speed: number,
    private readonly virtualStart = Date.now(),
    private readonly realStart = Date.now(),
  ) {}
  now(): Date {
    return new Date(this.virtualStart + (Date.now() - this.realStart) * this.speed);
  }
  /** This clock's time at the real (epoch) moment `realMs`. */
  at(realMs: number): Date {
    return new Date(this.virtualStart + (realMs - this.realStart) * this.speed);
  }
  /** Real milliseconds to wait for `virtualMs` of this clock to pass. */
  realMs(virtualMs: number): number {
    return virtualMs / this.speed;
  }
}

/** Real milliseconds until `virtualMs` of `clock` have passed (differs from virtualMs only for a ScaledClock). */
export function realMsFor(clock: Clock, virtualMs: number): number {
  return clock instanceof ScaledClock ? clock.realMs(virtualMs) : virtualMs;
}

/** Virtual milliseconds of `clock` that pass during `realMs` of wall time (the inverse of realMsFor). */
export function virtualMsFor(clock: Clock, realMs: number): number {
  return clock instanceof ScaledClock ? realMs * clock.speed : realMs;
}
