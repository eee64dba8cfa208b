/** Entry-point plumbing shared by `npm start` and `npm run worker`: clean shutdown on signals, readable fatal errors. */
export function shutdownOn(signals: NodeJS.Signals[], stop: () => Promise<void>): void {
  let stopping = false;
  const handler = async () => {
    if (stopping) return;
    stopping = true;
    await stop();
    process.exit(0);
  };
  for (const s of signals) process.on(s, handler);
}

export function runMain(main: () => Promise<void>): void {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
