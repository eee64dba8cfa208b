import { Writable } from 'node:stream';
import { createLogger } from '../../src/observability/logger.js';

/** The product's logger writing into memory, so a test can read every line it would have printed. */
export function captureLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: createLogger('debug', sink), lines };
}
