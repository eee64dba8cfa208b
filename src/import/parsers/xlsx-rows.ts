import ExcelJS from 'exceljs';
import type { Readable } from 'node:stream';
import { detectColumns } from '../row-normaliser.js';
import { ImportFormatError, type SourceRow } from './record-stream.js';

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

/** Streams the first worksheet of an .xlsx file row by row (the workbook is never loaded whole). */
export async function* xlsxRows(stream: Readable): AsyncGenerator<SourceRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(stream, { worksheets: 'emit', sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'ignore' });
  let header: string[] | null = null;
  let first = true;
  try {
    for await (const sheet of reader) {
      for await (const row of sheet) {
        const values = (row.values as ExcelJS.CellValue[]).slice(1).map(cellText);
        if (first) {
          first = false;
          if (detectColumns(values)) {
            header = values;
            continue;
          }
        }
        if (header) {
          const record: Record<string, unknown> = {};
          header.forEach((h, i) => {
            record[h] = values[i];
          });
          yield { rowNumber: row.number, record };
        } else {
          yield { rowNumber: row.number, record: values.find((v) => v.trim()) ?? '' };
        }
      }
      break; // only the first sheet is the audience
    }
  } catch (err) {
    if (err instanceof ImportFormatError) throw err;
    throw new ImportFormatError(`The file is not a readable .xlsx workbook (${(err as Error).message}).`, {
      key: 'MALFORMED_FILE.xlsx_broken',
      params: { detail: (err as Error).message },
    });
  }
}
