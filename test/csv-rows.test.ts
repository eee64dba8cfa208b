import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { csvRows } from '../src/import/parsers/csv-rows.js';
import type { SourceRow } from '../src/import/parsers/record-stream.js';
import { flatRows } from './helpers/row-batches.js';

/**
 * The CSV reader's rows as the import takes them: every row in order, however the bytes arrive; a failing source fails
 * the rows (also when it fails while the reader is busy elsewhere) instead of leaving them waiting; a reader that stops
 * early (too many rows, a failed chunk) stops the parser and lets go of its source — before, the table's records
 * never closed the rows under them, so the parser stayed piped to the upload.
 */
const head = Buffer.from('username,phone\n');

/** A source that hands out `lines` a few at a time, each push on its own turn, then fails if `failWith` is given. */
function source(lines: string[], failWith?: Error): Readable {
  let i = 0;
  return new Readable({
    read() {
      setImmediate(() => {
        if (i < lines.length) {
          this.push(lines.slice(i, i + 7).join(''));
          i += 7;
        } else if (failWith) this.destroy(failWith);
        else this.push(null);
      });
    },
  });
}

const lines = (n: number) => ['username,phone\n', ...Array.from({ length: n }, (_, k) => `person_${k}_x,\n`)];

const collect = flatRows;

describe('CSV rows', () => {
  it('gives every row once, in file order, with its row number, however the bytes arrive', async () => {
    const rows = await collect(csvRows(source(lines(5000)), head));
    expect(rows).toHaveLength(5000);
    expect(rows[0]).toEqual({ rowNumber: 2, record: { username: 'person_0_x', phone: '' } });
    expect(rows[4999]).toEqual({ rowNumber: 5001, record: { username: 'person_4999_x', phone: '' } });
    expect(rows.every((r, k) => r.rowNumber === k + 2)).toBe(true);
  });

  it('fails with the source’s error when it breaks half-way, after the rows before it', async () => {
    const seen: SourceRow[] = [];
    const reading = (async () => {
      for await (const batch of csvRows(source(lines(300), new Error('the upload broke')), head)) seen.push(...batch);
    })();
    await expect(reading).rejects.toThrow('the upload broke');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThanOrEqual(300);
  });

  it('fails, not waits, when the source breaks while the reader is busy between rows', async () => {
    const src = source(lines(100_000));
    const rows = csvRows(src, head)[Symbol.asyncIterator]();
    expect((await rows.next()).value[0]).toMatchObject({ rowNumber: 2 });
    // The reader is elsewhere (writing a chunk) when the upload breaks: the error must be there when it comes back.
    src.destroy(new Error('the upload broke meanwhile'));
    await new Promise((r) => setTimeout(r, 20));
    const rest = (async () => {
      for (let r = await rows.next(); !r.done; r = await rows.next());
    })();
    await expect(rest).rejects.toThrow('the upload broke meanwhile');
  }, 10_000);

  it('stops the parser when the reader stops early', async () => {
    const src = source(lines(10_000));
    let n = 0;
    for await (const _ of csvRows(src, head)) if (++n === 2) break;
    // The parser is destroyed, so the source is unpiped from it (nothing listens for its data) and never read to its end.
    await new Promise((r) => setTimeout(r, 50));
    expect(src.listenerCount('data')).toBe(0);
    expect(src.readableEnded).toBe(false);
  });
});
