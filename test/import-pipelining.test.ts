import { describe, expect, it } from 'vitest';
import { ImportService } from '../src/import/import-service.js';
import type { SourceRow } from '../src/import/parsers/record-stream.js';
import { normaliseRecord } from '../src/import/row-normaliser.js';
import { rowBatches } from './helpers/row-batches.js';
import type { TargetService } from '../src/targets/target-service.js';
import type { TargetChunk } from '../src/targets/target-bulk-insert.js';

/**
 * The import parses the next rows while the database works on the last ones. Rows a parser has buffered reach the
 * import loop as promise callbacks only, so unless the loop hands the event loop a turn, a database reply (an I/O
 * callback, a macrotask) waits for the whole next chunk to be parsed and the database sits idle meanwhile. The
 * database is stood in for by a service whose answers arrive as macrotasks, like a socket's.
 */

/**
 * Rows as a parser with everything buffered gives them: batches of 4,000 (what one upload chunk parses into), no I/O
 * between them. `taken` counts the rows the import has worked on (normalised).
 */
function bufferedSource(n: number) {
  const state = { taken: 0 };
  const rows = Array.from({ length: n }, (_, i): SourceRow => ({ rowNumber: i + 2, record: { username: `person_${i}` } }));
  const normalise = (record: SourceRow['record']) => {
    state.taken++;
    return normaliseRecord(record);
  };
  return { state, rows: rowBatches(rows, 4000), normalise };
}

const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('import pipelining', () => {
  it('handles a chunk write’s answer within a few hundred rows of parsing, not after the next chunk', async () => {
    const src = bufferedSource(10_000);
    const lag: number[] = [];
    const targets = {
      addChunk: async (_task: number, chunk: TargetChunk) => {
        const at = src.state.taken;
        await nextMacrotask();
        lag.push(src.state.taken - at);
        return { inserted: chunk.length, duplicates: 0, overLimit: 0, alreadyInvited: 0, doNotContact: 0 };
      },
      deleteImport: async () => {},
    } as unknown as TargetService;
    const report = await new ImportService(targets).run(src.rows, { taskId: 1, source: 'FILE_UPLOAD', dryRun: false, normalise: src.normalise });
    expect(report.imported).toBe(10_000);
    // Chunks of 1,000, 2,000, 4,000 and the rest: every answer but the last (nothing is parsed after it) is seen
    // while the next chunk is being parsed, within 256 rows.
    expect(lag).toHaveLength(4);
    for (const rows of lag.slice(0, -1)) expect(rows).toBeLessThanOrEqual(256);
  });
});
