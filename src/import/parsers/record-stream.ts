import type { Readable } from 'node:stream';

/** One row from an audience file: a record of named columns, or a lone value; rowNumber is 1-based as people count. */
export interface SourceRow {
  rowNumber: number;
  record: Record<string, unknown> | string;
}

export type FileFormat = 'csv' | 'xlsx' | 'json' | 'txt';

export class ImportFormatError extends Error {}

/** Format from the file name, then the declared type, then the first bytes (zip magic → xlsx; [ or { → json). */
export function detectFormat(filename: string | undefined, mimetype: string | undefined, head: Buffer): FileFormat {
  const ext = /\.([a-z0-9]+)$/i.exec(filename ?? '')?.[1]?.toLowerCase();
  if (ext === 'csv' || ext === 'tsv') return 'csv';
  if (ext === 'xlsx') return 'xlsx';
  if (ext === 'json') return 'json';
  if (ext === 'txt') return 'txt';
  if (ext === 'xls') throw new ImportFormatError('Old .xls files are not supported: save the sheet as .xlsx or .csv.');
  if (mimetype?.includes('spreadsheetml')) return 'xlsx';
  if (mimetype?.includes('json')) return 'json';
  if (mimetype?.includes('csv')) return 'csv';
  if (head[0] === 0x50 && head[1] === 0x4b) return 'xlsx';
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('[') || text.startsWith('{')) return 'json';
  return /[,;\t]/.test(text.split('\n')[0] ?? '') ? 'csv' : 'txt';
}

/** Reads the first bytes of a stream without consuming them. */
export async function peek(stream: Readable, bytes = 4096): Promise<{ head: Buffer; stream: Readable }> {
  const { PassThrough } = await import('node:stream');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= bytes) break;
  }
  const head = Buffer.concat(chunks);
  const out = new PassThrough();
  out.write(head);
  // The for-await above ended on a break or at the end; resume piping what is left.
  if (!stream.readableEnded) stream.pipe(out);
  else out.end();
  return { head, stream: out };
}
