import ExcelJS from 'exceljs';
import type { Readable } from 'node:stream';
import { ImportFormatError, inBatches, type RowBatches } from './record-stream.js';
import { fileNote, holdsPerson, startTable, tableRecords, type CellRow, type FileNote } from './table-rows.js';

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    if ('text' in value && value.text !== undefined) return String(value.text);
    if ('result' in value && value.result !== undefined) return String(value.result);
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if (value instanceof Date) return value.toISOString();
    return '';
  }
  return String(value);
}

type Sheet = ExcelJS.stream.xlsx.WorksheetReader;

const sheets = (stream: Readable): AsyncIterable<Sheet> =>
  new ExcelJS.stream.xlsx.WorkbookReader(stream, { worksheets: 'emit', sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'ignore' });

async function* cellRows(sheet: Sheet): AsyncGenerator<CellRow> {
  for await (const row of sheet) yield { rowNumber: row.number, cells: (row.values as ExcelJS.CellValue[]).slice(1).map(cellText) };
}

/** A sheet's rows in batches (its reader gives them one at a time). */
const cellBatches = (sheet: Sheet) => inBatches(cellRows(sheet));

/** The sheet's tab name (read from the workbook's index, which precedes the sheets in the files Excel writes). */
const sheetName = (sheet: Sheet, n: number) => (sheet as unknown as { name?: string }).name ?? `#${n}`;

/**
 * Reads on through a sheet (the workbook streams to the next sheet only once this one is consumed); with
 * `untilPerson`, stops at the first row that is a person and says whether there was one.
 */
async function readOn(rows: AsyncIterator<CellRow[]>, untilPerson = false): Promise<boolean> {
  for (;;) {
    const r = await rows.next();
    if (r.done) return false;
    if (untilPerson && r.value.some((row) => holdsPerson(row.cells))) return true;
  }
}

/**
 * Streams the audience's worksheet of an .xlsx file row by row (the workbook is never loaded whole). The audience is
 * the first sheet, unless it holds nobody — no header row and no person in it, or a header with nothing under it (an
 * «Инструкция» sheet, a template) — and a later sheet does: that one is read, and a note in `notes` names it. `open`
 * gives the file from its start again: when no later sheet holds anybody, the first sheet is read as it always was.
 */
async function* audienceSheet(open: () => Readable, notes: FileNote[]): RowBatches {
  let first: string | null = null;
  let n = 0;
  for await (const sheet of sheets(open())) {
    const table = await startTable(cellBatches(sheet));
    n++;
    if (first === null) {
      if (table.holdsPeople) {
        yield* tableRecords(table, notes);
        return;
      }
      first = sheetName(sheet, n);
      // A long preface with people after it (past the rows looked at): the first sheet stays the audience.
      if (await readOn(table.rest, true)) break;
      continue;
    }
    if (table.holdsPeople) {
      notes.push(fileNote('IMPORT_NOTE.other_sheet', { sheet: sheetName(sheet, n), first }));
      yield* tableRecords(table, notes);
      return;
    }
    await readOn(table.rest);
  }
  for await (const sheet of sheets(open())) {
    yield* tableRecords(await startTable(cellBatches(sheet)), notes);
    return;
  }
}

/** Reads of a workbook before it is called unreadable (see xlsxRows). */
const XLSX_READS = 3;

/**
 * The audience of a workbook (see audienceSheet), or a sentence saying it cannot be read. ExcelJS's streaming reader
 * now and then fails a sound workbook before its first sheet («Cannot read properties of undefined (reading
 * 'sheets')»: its index read as empty; about 1 read in 300 of the same bytes, seen in CI): a failure before any row
 * was given out reads the workbook again from memory, from scratch, notes included.
 */
export async function* xlsxRows(open: () => Readable, notes: FileNote[] = []): RowBatches {
  const notesBefore = notes.length;
  for (let read = 1; ; read++) {
    let gave = false;
    try {
      for await (const batch of audienceSheet(open, notes)) {
        gave = true;
        yield batch;
      }
      return;
    } catch (err) {
      if (err instanceof ImportFormatError) throw err;
      if (!gave && read < XLSX_READS) {
        notes.length = notesBefore;
        continue;
      }
      throw new ImportFormatError(`The file is not a readable .xlsx workbook (${(err as Error).message}).`, {
        key: 'MALFORMED_FILE.xlsx_broken',
        params: { detail: (err as Error).message },
      });
    }
  }
}
