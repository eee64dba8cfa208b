/**
 * Waits `ms`, or less if `signal` aborts. The abort listener is removed when the wait ends, so a
 * loop that sleeps millions of times in a long-lived process does not pile listeners on its signal.
 */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
