/**
 * `work`, or the error `onTimeout` makes once `ms` have passed. For libraries that never time a call out
 * themselves (GramJS waits for ever for a server that went away); the work itself is not cancelled.
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
