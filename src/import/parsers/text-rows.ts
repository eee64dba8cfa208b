import type { Readable } from 'node:stream';
import { ImportFormatError, type RowBatches, type SourceRow } from './record-stream.js';

/** One identifier per line; blank lines and # comments are ignored. A batch is the lines of one chunk of the file. */
export async function* txtRows(stream: Readable): RowBatches {
  let rowNumber = 0;
  // Lines are split here rather than by readline, so an error of the source (a decoding error) fails the rows.
  let rest = '';
  const decoder = new TextDecoder('utf-8');
  const take = (text: string, final: boolean): SourceRow[] => {
    const lines = (rest + text).split(/\r?\n/);
    rest = final ? '' : lines.pop()!;
    const rows: SourceRow[] = [];
    for (const line of lines) {
      rowNumber++;
      const value = line.replace(/^\uFEFF/, '').trim();
      if (value && !value.startsWith('#')) rows.push({ rowNumber, record: value });
    }
    return rows;
  };
  for await (const chunk of stream) {
    const rows = take(decoder.decode(chunk as Buffer, { stream: true }), false);
    if (rows.length) yield rows;
  }
  const last = take(decoder.decode(), true);
  if (last.length) yield last;
}

/**
 * Where a JSON file breaks, said so a person can find it: the parser's own message is English and counts characters
 * («… in JSON at position 5121»), which tells a marketer nothing in either language. A file that ends too soon (an
 * export cut off) is said as that; a break elsewhere by its line and column (the parser's words in the English only).
 */
function jsonError(text: string, parserSaid: string): ImportFormatError {
  const at = /at position (\d+)/.exec(parserSaid);
  const position = at ? Math.min(Number(at[1]), text.length) : null;
  // The parser says either: «Unexpected end of JSON input», or the position of the end.
  if (/unexpected end of json input/i.test(parserSaid) || (position !== null && position >= text.trimEnd().length))
    return new ImportFormatError('The file is not valid JSON: it ends before its list or object is closed (was it saved only in part?).', {
      key: 'MALFORMED_FILE.json_cut',
    });
  if (position === null)
    return new ImportFormatError(`The file is not valid JSON: ${parserSaid}.`, { key: 'MALFORMED_FILE.json', params: { detail: parserSaid } });
  const before = text.slice(0, position);
  const line = (before.match(/\n/g)?.length ?? 0) + 1;
  const column = position - before.lastIndexOf('\n');
  const detail = parserSaid.replace(/\s*in JSON at position \d+.*$/, '');
  return new ImportFormatError(`The file is not valid JSON at line ${line}, column ${column}: ${detail}.`, {
    key: 'MALFORMED_FILE.json_at',
    params: { line, column, detail },
  });
}

/** People given out per batch from a JSON list (parsed whole). */
const JSON_BATCH = 1000;

/**
 * JSON: an array of objects or strings, or an object wrapping one ({items|results|data|targets: [...]}),
 * which is how the Parsing Service exports. Bounded by the upload limit, so it is parsed whole.
 */
export async function* jsonRows(stream: Readable): RowBatches {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw jsonError(text, (err as Error).message);
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
  for (let start = 0; start < list.length; start += JSON_BATCH) {
    yield list.slice(start, start + JSON_BATCH).map((item, i) => ({ rowNumber: start + i + 1, record: item as Record<string, unknown> | string }));
  }
}
