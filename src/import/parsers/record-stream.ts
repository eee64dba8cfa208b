import type { MessageParams } from '../../shared/messages.js';
import type { Readable } from 'node:stream';

/** One row from an audience file: a record of named columns, or a lone value; rowNumber is 1-based as people count. */
export interface SourceRow {
  rowNumber: number;
  record: Record<string, unknown> | string;
}

/**
 * A source's rows, a batch at a time (in order; a batch is never empty). Row by row, each of the pipeline's steps
 * (parser, table, failure wrapper, size check, import loop) cost a promise per row: at 200,000 rows that was most of a
 * dry run's time. A batch is what a parser had at hand — a chunk of the upload, a page of the Parsing Service.
 */
export type RowBatches = AsyncIterable<SourceRow[]>;

/** Rows given one by one (a workbook's reader) in batches of up to `size`. */
export async function* inBatches<T>(items: AsyncIterable<T>, size = 1000): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/**
 * An object-mode stream's items, each batch everything it holds at that moment (a parser pushes every record of an
 * input chunk at once). Its error ends the batches with that error, after the items read before it.
 */
export async function* streamBatches<T>(stream: Readable): AsyncGenerator<T[]> {
  let failure: Error | null = null;
  let ended = false;
  let wake: (() => void) | null = null;
  const poke = () => {
    wake?.();
    wake = null;
  };
  const onError = (err: Error) => {
    failure = err;
    poke();
  };
  const onEnd = () => {
    ended = true;
    poke();
  };
  stream.on('readable', poke);
  stream.once('end', onEnd);
  stream.once('error', onError);
  try {
    for (;;) {
      const batch: T[] = [];
      for (let item = stream.read() as T | null; item !== null; item = stream.read() as T | null) batch.push(item);
      if (batch.length) yield batch;
      const err = failure ?? stream.errored;
      if (err) throw err;
      if (ended || stream.readableEnded) return;
      if (!stream.readableLength) await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stream.off('readable', poke);
    stream.off('end', onEnd);
    stream.off('error', onError);
    // A reader that stops early (too many rows, a failed chunk) stops the parser and its source too.
    if (!stream.readableEnded) stream.destroy();
  }
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
