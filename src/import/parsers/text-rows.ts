import type { Readable } from 'node:stream';
import { ImportFormatError, type SourceRow } from './record-stream.js';

/** One identifier per line; blank lines and # comments are ignored. */
export async function* txtRows(stream: Readable): AsyncGenerator<SourceRow> {
  let rowNumber = 0;
  // Lines are split here rather than by readline, so an error of the source (a decoding error) fails the rows.
  let rest = '';
  const decoder = new TextDecoder('utf-8');
  function* lines(text: string, final: boolean) {
    const parts = (rest + text).split(/\r?\n/);
    rest = final ? '' : parts.pop()!;
    yield* parts;
  }
  const take = function* (line: string) {
    rowNumber++;
    const value = line.replace(/^\uFEFF/, '').trim();
    if (value && !value.startsWith('#')) yield { rowNumber, record: value } as SourceRow;
  };
  for await (const chunk of stream) {
    for (const line of lines(decoder.decode(chunk as Buffer, { stream: true }), false)) yield* take(line);
  }
  for (const line of lines(decoder.decode(), true)) if (line) yield* take(line);
}

/**
 * JSON: an array of objects or strings, or an object wrapping one ({items|results|data|targets: [...]}),
 * which is how the Parsing Service exports. Bounded by the upload limit, so it is parsed whole.
 */
export async function* jsonRows(stream: Readable): AsyncGenerator<SourceRow> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  let doc: unknown;
  try {
    doc = JSON.parse(
      Buffer.concat(chunks)
        .toString('utf8')
        .replace(/^\uFEFF/, ''),
    );
  } catch (err) {
    throw new ImportFormatError(`The file is not valid JSON: ${(err as Error).message}.`, {
      key: 'MALFORMED_FILE.json',
      params: { detail: (err as Error).message },
    });
  }
  const wrapped =
    doc && typeof doc === 'object' && !Array.isArray(doc)
      ? ['items', 'results', 'data', 'targets', 'users'].map((k) => (doc as Record<string, unknown>)[k]).find(Array.isArray)
      : undefined;
  const list = Array.isArray(doc) ? doc : wrapped;
  if (!Array.isArray(list))
    throw new ImportFormatError('The JSON file must hold a list of people (an array, or an object with an "items" array).', {
      key: 'MALFORMED_FILE.json_list',
    });
  let rowNumber = 0;
  for (const item of list) {
    rowNumber++;
    yield { rowNumber, record: item as Record<string, unknown> | string };
  }
}
