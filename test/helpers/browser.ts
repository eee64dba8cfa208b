import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core (no browser download); .ci/run installs it and builds the UI. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether the browser suites can run here. They exercise the UI, not the database engine, so they run in the
 * PGlite pass only (not when TEST_DATABASE_URL is set).
 */
export function browserSuiteEnabled(name: string): boolean {
  const ready = existsSync(CHROMIUM) && existsSync(new URL('../../web/dist/index.html', import.meta.url));
  if (!ready) console.warn(`${name} skipped: install Debian chromium and run \`npm run build:web\` (.ci/run does both).`);
  return ready && !process.env.TEST_DATABASE_URL;
}

/** Headless, and without the background networking that this machine's closed network refuses. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
