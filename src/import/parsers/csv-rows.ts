import { parse } from 'csv-parse';
import type { Readable } from 'node:stream';
import { streamBatches, type RowBatches } from './record-stream.js';
import { HEADER_SEARCH_ROWS, startTable, tableRecords, type CellRow, type FileNote } from './table-rows.js';

const DELIMITERS = [',', ';', '\t', '|'];

/**
 * The delimiter: the one found on the most of the first lines (the header may be below a title line that has none,
 * «Выгрузка от 01.12.2026»), ties going to the one the first line has most of, then to the comma. Counting lines
 * rather than occurrences keeps a comma file whose notes hold semicolons («a;b;c») a comma file.
 */
export function guessDelimiter(head: string): string {
  const lines = head
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .slice(0, HEADER_SEARCH_ROWS);
  const first = lines[0] ?? '';
  const scored = DELIMITERS.map((d) => ({ d, lines: lines.filter((l) => l.includes(d)).length, first: first.split(d).length - 1 }));
  scored.sort((a, b) => b.lines - a.lines || b.first - a.first);
  return scored[0]!.lines > 0 ? scored[0]!.d : ',';
}

/**
 * Streams CSV rows (delimiter guessed from the first lines), a batch at a time. A row of known column names among the
 * first rows is the header (see table-rows.ts); otherwise every row is data and its first non-empty cell is the
 * identifier. `notes` collects what the preview should say (title rows skipped above the header).
 */
export async function* csvRows(stream: Readable, head: Buffer, notes: FileNote[] = []): RowBatches {
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
  async function* cellRows(): AsyncGenerator<CellRow[]> {
    let rowNumber = 0;
    for await (const records of streamBatches<string[]>(parser)) yield records.map((cells) => ({ rowNumber: ++rowNumber, cells }));
  }
  yield* tableRecords(await startTable(cellRows()), notes);
}
