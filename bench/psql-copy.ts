import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Runs one `\copy` through psql against `url` and answers the seconds the COPY itself took, as psql's `\timing` reports
 * it (from sending the command to its answer, the file read included), not psql's start-up and connection (≈ 70 ms
 * here: as long as the COPY of 200,000 short rows itself, so timing the whole process would flatter every ratio).
 */
export async function timedCopy(url: string, copyCommand: string): Promise<number> {
  const { stdout } = await promisify(execFile)('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', '\\timing on', '-c', copyCommand]);
  const ms = /Time: ([\d.]+) ms/.exec(stdout);
  if (!ms) throw new Error(`psql printed no timing for ${copyCommand}: ${stdout}`);
  return Number(ms[1]) / 1000;
}
