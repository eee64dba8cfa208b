import { joinTexts } from '../../shared/localised.js';
import { localised, type LocalisedText, type MessageParams } from '../../shared/messages.js';
import { type Field, IDENTIFIER_FIELDS, detectColumns, normaliseLoneValue } from '../row-normaliser.js';
import { ImportFormatError, type SourceRow } from './record-stream.js';

/**
 * Tables (CSV, a worksheet) as rows of cells: where their header row is, and the records under it.
 *
 * Exports from CRMs and Excel often open with a title («Выгрузка от 01.12.2026») and a blank line before the real
 * header row; read from the first row, every row was then a lone value and refused as «некорректный юзернейм», the
 * header itself included. The header is looked for among the first rows instead.
 */

/** How many rows from the top a header row may be found in. */
export const HEADER_SEARCH_ROWS = 10;

/** One row of a table as its parser read it; rowNumber is what the user sees (1-based). */
export interface CellRow {
  rowNumber: number;
  cells: string[];
}

/** Something the reader did with the file that the user should know (the preview says it), in both languages. */
export interface FileNote {
  code: string;
  text: LocalisedText;
}

export const fileNote = (code: string, params?: MessageParams): FileNote => ({ code, text: localised(code, params) });

const isBlank = (cells: string[]) => cells.every((c) => !c.trim());
/** A row read without a header is its first non-empty cell. */
const leadCell = (cells: string[]) => cells.find((c) => c.trim()) ?? '';
/** The row, read without a header, is somebody (a username, a phone, an id). */
export const holdsPerson = (cells: string[]) => normaliseLoneValue(leadCell(cells)).ok;
const filled = (cells: string[]) => cells.filter((c) => c.trim()).length;

/**
 * The index of the header row among a table's first rows, or -1 (the table has none: a list of usernames or phones).
 *
 * The first row is a header when it names any known column, as it always was. A row further down must name a column
 * people are found by (username, id, phone), and the rows above it must not be people: in a headerless list a row that
 * happens to read «telegram» is a username, and the people above it must not be dropped. A single filled cell above a
 * header of two or more known columns is a title even when it could be a username («Contacts»): a list's rows have the
 * width of its header.
 */
export function headerIndex(rows: string[][]): number {
  if (rows.length && detectColumns(rows[0]!)) return 0;
  for (let i = 1; i < rows.length && i < HEADER_SEARCH_ROWS; i++) {
    const mapping = detectColumns(rows[i]!);
    if (!mapping || ![...mapping.values()].some((f) => IDENTIFIER_FIELDS.has(f))) continue;
    const titleAbove = (cells: string[]) => !holdsPerson(cells) || (mapping.size >= 2 && filled(cells) === 1);
    if (rows.slice(0, i).every(titleAbove)) return i;
  }
  return -1;
}

/**
 * A table's first rows read ahead of its records: enough to find the header and, under a header, its first row of
 * data (or the end), so whether the table holds anyone is known before a record is given out.
 */
export interface TableStart {
  head: CellRow[];
  /** Index in `head` of the header row, or -1. */
  header: number;
  /** The table has a header and nothing under it but blank rows. */
  headerOnly: boolean;
  /** Somebody can be read from it: rows under a header, or a headerless row that is a person. */
  holdsPeople: boolean;
  /** The rest of the rows, after `head`, in batches. */
  rest: AsyncIterator<CellRow[]>;
}

/** The rows of `batches` one at a time, and what is left after them in batches again. */
class RowCursor {
  private held: CellRow[] = [];
  private at = 0;
  ended = false;

  constructor(private readonly batches: AsyncIterator<CellRow[]>) {}

  async next(): Promise<CellRow | null> {
    while (this.at >= this.held.length) {
      const r = await this.batches.next();
      if (r.done) {
        this.ended = true;
        return null;
      }
      this.held = r.value;
      this.at = 0;
    }
    return this.held[this.at++]!;
  }

  /**
   * The rows not taken by next(): the rest of the batch at hand, then the batches after it. Closing it closes the
   * batches (and so the parser), whether or not it was read.
   */
  rest(): AsyncIterator<CellRow[]> {
    let left: CellRow[] | null = this.held.slice(this.at);
    const { batches } = this;
    return {
      next: async () => {
        const value = left;
        left = null;
        return value?.length ? { done: false, value } : batches.next();
      },
      return: async () => {
        left = null;
        await batches.return?.();
        return { done: true, value: undefined };
      },
    };
  }
}

export async function startTable(rows: AsyncIterable<CellRow[]>): Promise<TableStart> {
  const cursor = new RowCursor(rows[Symbol.asyncIterator]());
  const head: CellRow[] = [];
  const next = async () => {
    const row = await cursor.next();
    if (row) head.push(row);
    return row !== null;
  };
  while (head.length < HEADER_SEARCH_ROWS && (await next()));
  const header = headerIndex(head.map((r) => r.cells));
  if (header < 0) return { head, header, headerOnly: false, holdsPeople: head.some((r) => holdsPerson(r.cells)), rest: cursor.rest() };
  // Under a header: read on to its first filled row, or to the end (the blank rows between are kept: they are rows).
  let filledUnder = head.slice(header + 1).some((r) => !isBlank(r.cells));
  while (!filledUnder && !cursor.ended && (await next())) filledUnder = !isBlank(head[head.length - 1]!.cells);
  return { head, header, headerOnly: !filledUnder, holdsPeople: filledUnder, rest: cursor.rest() };
}

/**
 * What each column of the header was read as, and which columns are not read at all (an «Email» or «Город» column:
 * nobody is lost, but the user should see that the file's column was not taken for a name or a phone). The preview
 * showed one identifier per person, so a phone column read beside the usernames could not be seen.
 */
function columnNotes(names: string[]): FileNote[] {
  const mapping = detectColumns(names);
  const quoted = (i: number): LocalisedText => ({ ru: `«${names[i]!.trim()}»`, en: `"${names[i]!.trim()}"` });
  const used = [...(mapping ?? new Map<number, Field>())].map(([i, field]) => {
    const meaning = localised(`IMPORT_FIELD.${field}`);
    const q = quoted(i);
    return { ru: `${q.ru} — ${meaning.ru}`, en: `${q.en} — ${meaning.en}` };
  });
  const unused = names.flatMap((n, i) => (n.trim() && !mapping?.has(i) ? [quoted(i)] : []));
  // A lone «username» column needs no saying.
  return [
    ...(used.length && used.length + unused.length > 1 ? [fileNote('IMPORT_NOTE.columns', { columns: joinTexts(used, ', ') })] : []),
    ...(unused.length ? [fileNote('IMPORT_NOTE.columns_unused', { columns: joinTexts(unused, ', ') })] : []),
  ];
}

export const headerOnlyError = () =>
  new ImportFormatError('The file has only a header row — there are no people in it.', { key: 'MALFORMED_FILE.header_only' });

/**
 * The records of a table, in batches: under its header, each row as {header cell: value}; without one, each row's
 * first non-empty cell. Rows above the header are not records (a note says how many were skipped); a header with
 * nobody under it is refused, as an empty file is, rather than answering «0 people» and leaving the task empty.
 */
export async function* tableRecords(table: TableStart, notes: FileNote[]): AsyncGenerator<SourceRow[]> {
  if (table.headerOnly) throw headerOnlyError();
  const { head, header } = table;
  if (header > 0) notes.push(fileNote('IMPORT_NOTE.rows_above_header', { n: header }));
  const names = header >= 0 ? head[header]!.cells : null;
  if (names) notes.push(...columnNotes(names));
  const record = (row: CellRow): SourceRow => {
    if (!names) return { rowNumber: row.rowNumber, record: leadCell(row.cells) };
    const rec: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) rec[names[i]!] = row.cells[i];
    return { rowNumber: row.rowNumber, record: rec };
  };
  try {
    const first = head.slice(header + 1);
    if (first.length) yield first.map(record);
    for (;;) {
      const r = await table.rest.next();
      if (r.done) return;
      yield r.value.map(record);
    }
  } finally {
    // A reader that stops early (too many rows, a failed chunk) closes the rows too, so the parser and its source stop.
    await table.rest.return?.();
  }
}
