import type { Readable } from 'node:stream';
import { AppError } from '../shared/errors.js';
import { ImportFormatError, detectFormat, peek, type SourceRow } from './parsers/record-stream.js';
import { csvRows } from './parsers/csv-rows.js';
import { xlsxRows } from './parsers/xlsx-rows.js';
import { jsonRows, txtRows } from './parsers/text-rows.js';

/** Picks the parser for an uploaded file (by name, type and its first bytes) and returns its rows. */
export async function fileRows(stream: Readable, filename: string | undefined, mimetype: string | undefined): Promise<{ format: string; rows: AsyncIterable<SourceRow> }> {
  const peeked = await peek(stream);
  if (peeked.head.length === 0) throw new ImportFormatError('The file is empty.');
  const format = detectFormat(filename, mimetype, peeked.head);
  const rows = format === 'csv' ? csvRows(peeked.stream, peeked.head)
    : format === 'xlsx' ? xlsxRows(peeked.stream)
      : format === 'json' ? jsonRows(peeked.stream)
        : txtRows(peeked.stream);
  return { format, rows };
}

/** Wraps a row source so parser failures become readable 400s. */
export async function* readableFailures(rows: AsyncIterable<SourceRow>): AsyncGenerator<SourceRow> {
  try {
    yield* rows;
  } catch (err) {
    if (err instanceof AppError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw err;
    throw asMalformed(err);
  }
}

export function asMalformed(err: unknown): AppError {
  if (err instanceof ImportFormatError) return new AppError(400, 'MALFORMED_FILE', err.message);
  const code = (err as { code?: string }).code;
  if (typeof code === 'string' && code.startsWith('CSV_')) return new AppError(400, 'MALFORMED_FILE', `The CSV file could not be read: ${(err as Error).message}`);
  return new AppError(400, 'MALFORMED_FILE', `The file could not be read: ${(err as Error).message}`);
}
