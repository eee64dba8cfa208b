import type { MessageParams } from '../../shared/messages.js';
import type { Readable } from 'node:stream';

/** One row from an audience file: a record of named columns, or a lone value; rowNumber is 1-based as people count. */
export interface SourceRow {
  rowNumber: number;
  record: Record<string, unknown> | string;
}

export type FileFormat = 'csv' | 'xlsx' | 'json' | 'txt';

/** A file that cannot be read as an audience; `i18n` names its sentence in the catalogue (MALFORMED_FILE.*). */
export class ImportFormatError extends Error {
  constructor(
    message: string,
    readonly i18n?: { key: string; params?: MessageParams },
  ) {
    super(message);
  }
}

/** Format from the file name, then the declared type, then the first bytes (zip magic → xlsx; [ or { → json). */
export function detectFormat(filename: string | undefined, mimetype: string | undefined, head: Buffer): FileFormat {
  const ext = /\.([a-z0-9]+)$/i.exec(filename ?? '')?.[1]?.toLowerCase();
  if (ext === 'csv' || ext === 'tsv') return 'csv';
  if (ext === 'xlsx') return 'xlsx';
  if (ext === 'json') return 'json';
  if (ext === 'txt') return 'txt';
  if (ext === 'xls') throw new ImportFormatError('Old .xls files are not supported: save the sheet as .xlsx or .csv.', { key: 'MALFORMED_FILE.xls' });
  if (mimetype?.includes('spreadsheetml')) return 'xlsx';
  if (mimetype?.includes('json')) return 'json';
  if (mimetype?.includes('csv')) return 'csv';
  if (head[0] === 0x50 && head[1] === 0x4b) return 'xlsx';
  const text = head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (text.startsWith('[') || text.startsWith('{')) return 'json';
  return /[,;\t]/.test(text.split('\n')[0] ?? '') ? 'csv' : 'txt';
}

/**
 * Reads the first bytes of a stream (to sniff the format) and returns a stream that still yields
 * everything. It pulls through one iterator rather than breaking out of a for-await loop, which
 * would destroy the upload mid-way.
 */
export async function peek(stream: Readable, bytes = 4096): Promise<{ head: Buffer; stream: Readable }> {
  const { Readable: ReadableCtor } = await import('node:stream');
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < bytes) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    chunks.push(r.value);
    size += r.value.length;
  }
  async function* all() {
    yield* chunks;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head: Buffer.concat(chunks), stream: ReadableCtor.from(all(), { objectMode: false }) };
}
