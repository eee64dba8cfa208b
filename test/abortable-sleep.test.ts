import { describe, expect, it } from 'vitest';
import { getEventListeners } from 'node:events';
import { abortableSleep } from '../src/shared/abortable-sleep.js';

describe('abortableSleep', () => {
  it('leaves no listener behind on a long-lived signal, and returns early on abort', async () => {
    const stop = new AbortController();
    for (let i = 0; i < 200; i++) await abortableSleep(0, stop.signal);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
    const started = Date.now();
    const waiting = abortableSleep(60_000, stop.signal);
    stop.abort();
    await waiting;
    expect(Date.now() - started).toBeLessThan(5_000);
    await abortableSleep(60_000, stop.signal); // already aborted: returns at once
  });
});
