import type { Readable } from 'node:stream';
import { AppError } from '../shared/errors.js';
import { ImportFormatError, detectFormat, peek, type RowBatches } from './parsers/record-stream.js';
import { csvRows } from './parsers/csv-rows.js';
import { xlsxRows } from './parsers/xlsx-rows.js';
import { jsonRows, txtRows } from './parsers/text-rows.js';
import { decodeToUtf8, detectEncoding, encodingLabel } from './parsers/text-decoding.js';
import { checkXlsxBounds } from './parsers/xlsx-guard.js';
import type { FileNote } from './parsers/table-rows.js';

export type { FileNote } from './parsers/table-rows.js';

export interface ImportLimits {
  /** Rows one workbook may hold (counted as they are read; the import stops with a 400 beyond). Text formats stream
   * with flat memory and are bounded by the upload size alone. */
  maxXlsxRows: number;
  /** What an .xlsx may unpack to, checked from its zip directory and by inflating it once before it is read. */
  maxXlsxUncompressedBytes: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = { maxXlsxRows: 200_000, maxXlsxUncompressedBytes: 100 * 1024 * 1024 };

/**
 * The shared strings of a workbook are held in memory while its sheet streams: at most this much unpacked (and at
 * most 4 texts per allowed row), which keeps the worst workbook under +100 MB of memory.
 */
export const XLSX_SHARED_STRINGS_BYTES = 24 * 1024 * 1024;

/**
 * Control characters (not tab, CR, LF) in the decoded head of a file: a text file has none or a stray one (a NUL in a
 * cell is that row's problem, said at its row), a picture or a program is full of them — read as text, it gave a screen
 * of «значение содержит байт NUL» and rows of garbage instead of saying what the file is.
 */
function looksBinary(head: string): boolean {
  let control = 0;
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) control++;
  }
  return control >= 8 && control > head.length / 50;
}

/** Bytes sniffed to choose the format and the text encoding. */
const SNIFF_BYTES = 64 * 1024;

/**
 * Picks the parser for an uploaded file (by name, type and its first bytes) and returns its rows. Text files are
 * decoded from the encoding they are in (UTF-8, UTF-8/UTF-16 with a byte-order mark, Windows-1251, …; named in
 * `encoding`); workbooks are checked against the size limits before they are read. `notes` fills as the rows are read
 * (title rows skipped above the header, the worksheet read when it is not the first): complete once they are.
 */
export async function fileRows(
  stream: Readable,
  filename: string | undefined,
  mimetype: string | undefined,
  limits: ImportLimits = DEFAULT_IMPORT_LIMITS,
): Promise<{ format: string; encoding: string | null; rows: RowBatches; notes: FileNote[] }> {
  const notes: FileNote[] = [];
  const peeked = await peek(stream, SNIFF_BYTES);
  if (peeked.head.length === 0) throw new ImportFormatError('The file is empty.', { key: 'MALFORMED_FILE.empty' });
  const isZip = peeked.head.length >= 4 && [0x04034b50, 0x06054b50].includes(peeked.head.readUInt32LE(0));
  const encoding = isZip ? null : detectEncoding(peeked.head, peeked.head.length < SNIFF_BYTES);
  // Formats are sniffed from the decoded text, so a UTF-16 file is recognised as what it holds. The head ends wherever
  // the upload's packets did, often inside a Cyrillic letter: it is decoded as the start of the file, not as all of it.
  let headText = '';
  if (encoding) for await (const chunk of decodeToUtf8([peeked.head], encoding, { prefix: true })) headText += chunk.toString('utf8');
  if (encoding && looksBinary(headText))
    throw new ImportFormatError('The file holds binary data, not text: save the list as CSV, TXT, JSON or an .xlsx workbook.', {
      key: 'MALFORMED_FILE.binary',
    });
  const format = detectFormat(filename, mimetype, isZip ? peeked.head : Buffer.from(headText, 'utf8'));
  if (format === 'xlsx') {
    const chunks: Buffer[] = [];
    for await (const c of peeked.stream) chunks.push(c as Buffer);
    const zip = Buffer.concat(chunks);
    await checkXlsxBounds(zip, {
      maxUncompressedBytes: limits.maxXlsxUncompressedBytes,
      // Every distinct text is a string in memory while the sheet is read; a real audience has a few per row.
      maxSharedStrings: limits.maxXlsxRows * 4,
      maxSharedStringsBytes: Math.min(XLSX_SHARED_STRINGS_BYTES, limits.maxXlsxUncompressedBytes),
    });
    const { Readable: ReadableCtor } = await import('node:stream');
    // The workbook is in memory: it can be read again from its start (see xlsxRows on which sheet is the audience).
    return {
      format,
      encoding: null,
      rows: atMostRows(
        xlsxRows(() => ReadableCtor.from([zip]), notes),
        limits.maxXlsxRows,
      ),
      notes,
    };
  }
  if (!encoding)
    throw new ImportFormatError('The file is a zip archive, not a CSV, JSON or text file: give .xlsx workbooks the .xlsx extension.', {
      key: 'MALFORMED_FILE.zip',
    });
  const { Readable: ReadableCtor } = await import('node:stream');
  const text = ReadableCtor.from(decodeToUtf8(peeked.stream as AsyncIterable<Buffer>, encoding), { objectMode: false });
  const rows = format === 'csv' ? csvRows(text, Buffer.from(headText, 'utf8'), notes) : format === 'json' ? jsonRows(text) : txtRows(text);
  return { format, encoding: encodingLabel(encoding), rows, notes };
}

/** Stops a workbook with more rows than the limit with a sentence (no more than a batch past the limit is read). */
async function* atMostRows(rows: RowBatches, maxRows: number): RowBatches {
  let n = 0;
  for await (const batch of rows) {
    n += batch.length;
    if (n > maxRows)
      throw new ImportFormatError(
        `The workbook has more than ${maxRows.toLocaleString('en-US')} rows, the most one .xlsx import takes; split it, or save it as CSV.`,
        { key: 'MALFORMED_FILE.xlsx_rows', params: { max: maxRows } },
      );
    yield batch;
  }
}

/** Wraps a row source so parser failures become readable 400s. */
export async function* readableFailures(rows: RowBatches): RowBatches {
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
  if (err instanceof ImportFormatError) return new AppError(400, 'MALFORMED_FILE', err.message, undefined, err.i18n);
  const code = (err as { code?: string }).code;
  const detail = (err as Error).message;
  if (typeof code === 'string' && code.startsWith('CSV_')) return csvRefusal(code, (err as { lines?: number }).lines, detail);
  return new AppError(400, 'MALFORMED_FILE', `The file could not be read: ${detail}`, undefined, { key: 'MALFORMED_FILE.detail', params: { detail } });
}

/**
 * The CSV parser's refusals a person can act on, said with the line they are on (in either language: the parser's own
 * sentence is English and names its internals, «found non trimable byte after quote»); any other keeps its words.
 */
function csvRefusal(code: string, line: number | undefined, detail: string): AppError {
  if (line && code === 'CSV_QUOTE_NOT_CLOSED')
    return new AppError(
      400,
      'MALFORMED_FILE',
      `The CSV file could not be read: a quoted value is never closed (the file ends inside it, at line ${line}).`,
      undefined,
      {
        key: 'MALFORMED_FILE.csv_quote_not_closed',
        params: { line },
      },
    );
  if (line && (code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE' || code === 'CSV_INVALID_CLOSING_QUOTE'))
    return new AppError(
      400,
      'MALFORMED_FILE',
      `The CSV file could not be read: line ${line} has text right after a closing quote (a quote inside a quoted value is written twice: "").`,
      undefined,
      { key: 'MALFORMED_FILE.csv_text_after_quote', params: { line } },
    );
  return new AppError(400, 'MALFORMED_FILE', `The CSV file could not be read: ${detail}`, undefined, { key: 'MALFORMED_FILE.csv', params: { detail } });
}
