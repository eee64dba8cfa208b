import { parse } from 'csv-parse';
import type { Readable } from 'node:stream';
import { detectColumns } from '../row-normaliser.js';
import type { SourceRow } from './record-stream.js';

function guessDelimiter(head: string): string {
  const line = head.replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '';
  const counts = [',', ';', '\t', '|'].map((d) => [d, line.split(d).length - 1] as const);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0]![1] > 0 ? counts[0]![0] : ',';
}

/**
 * Streams CSV rows (delimiter guessed from the first line). A first row made of known column names is a
 * header; otherwise every row is data and its first non-empty cell is the identifier.
 */
export async function* csvRows(stream: Readable, head: Buffer): AsyncGenerator<SourceRow> {
  const parser = stream.pipe(
    parse({
      delimiter: guessDelimiter(head.toString('utf8')),
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      trim: true,
    }),
  );
  // pipe() does not forward errors: a source that fails (a decoding error) must fail the rows, not leave them waiting.
  stream.once('error', (err) => parser.destroy(err));
  let header: string[] | null = null;
  let first = true;
  let rowNumber = 0;
  for await (const cells of parser as AsyncIterable<string[]>) {
    rowNumber++;
    if (first) {
      first = false;
      if (detectColumns(cells)) {
        header = cells;
        continue;
      }
    }
    if (header) {
      const record: Record<string, unknown> = {};
      header.forEach((h, i) => {
        record[h] = cells[i];
      });
      yield { rowNumber, record };
    } else {
      yield { rowNumber, record: cells.find((c) => c.trim()) ?? '' };
    }
  }
}
