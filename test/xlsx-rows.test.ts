import ExcelJS from 'exceljs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { xlsxRows } from '../src/import/parsers/xlsx-rows.js';
import type { FileNote } from '../src/import/parsers/table-rows.js';
import { flatRows } from './helpers/row-batches.js';

/**
 * ExcelJS's streaming reader now and then fails a sound workbook before its first sheet (about 1 read in 300 of the
 * same bytes): a failure before any row is given out reads the workbook again. A reader that fails its first read
 * stands in for that failure here.
 */
describe('workbook rows', () => {
  it('reads a workbook again when the reader fails before its first row, without repeating a note', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Инструкция').addRow(['Заполните лист «Люди».']);
    const people = wb.addWorksheet('Люди');
    people.addRow(['username']);
    people.addRow(['@sheet_ivan']);
    const good = Buffer.from(await wb.xlsx.writeBuffer());
    let opened = 0;
    const flaky = () => Readable.from([++opened === 1 ? Buffer.from('PK\u0003\u0004 cut short') : good]);
    const notes: FileNote[] = [];
    const rows = await flatRows(xlsxRows(flaky, notes));
    expect(rows).toEqual([{ rowNumber: 2, record: { username: '@sheet_ivan' } }]);
    expect(opened).toBeGreaterThan(1);
    expect(notes.map((n) => n.code)).toEqual(['IMPORT_NOTE.other_sheet']);
  });

  it('still calls a workbook that never reads unreadable', async () => {
    let opened = 0;
    const broken = () => {
      opened++;
      return Readable.from([Buffer.from('PK\u0003\u0004 not a workbook')]);
    };
    await expect(flatRows(xlsxRows(broken))).rejects.toThrow(/not a readable \.xlsx workbook/);
    expect(opened).toBe(3);
  });
});
