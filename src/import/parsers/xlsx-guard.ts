import { createInflateRaw } from 'node:zlib';
import { ImportFormatError } from './record-stream.js';

export interface XlsxLimits {
  /** What all parts together may inflate to. */
  maxUncompressedBytes: number;
  /** Shared strings (xl/sharedStrings.xml entries) the workbook may hold: each becomes a string in memory. */
  maxSharedStrings: number;
  /** What the shared strings part may unpack to: it is held in memory while the sheet is read (the sheet streams). */
  maxSharedStringsBytes: number;
  /** Zip entries the workbook may hold. */
  maxEntries?: number;
}

interface Entry {
  name: string;
  method: number;
  flags: number;
  compressed: number;
  uncompressed: number;
  offset: number;
}

const tooBig = (what: string) =>
  new ImportFormatError(`The workbook is too large to import (${what}); save the sheet as CSV or split it into smaller files.`, {
    key: 'MALFORMED_FILE.xlsx_too_big',
    params: { detail: what },
  });
const broken = (what: string) =>
  new ImportFormatError(`The file is not a readable .xlsx workbook (${what}).`, { key: 'MALFORMED_FILE.xlsx_broken', params: { detail: what } });

/** Reads the zip's central directory (the table of contents at its end): every entry with its declared sizes. */
function centralDirectory(zip: Buffer, maxEntries: number): { entries: Entry[]; cdOffset: number } {
  const minEocd = 22;
  if (zip.length < minEocd) throw broken('it is too short to be a zip archive');
  let eocd = -1;
  for (let i = zip.length - minEocd; i >= Math.max(0, zip.length - minEocd - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw broken('no zip directory at its end');
  const count = zip.readUInt16LE(eocd + 10);
  const cdSize = zip.readUInt32LE(eocd + 12);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw tooBig('a ZIP64 archive');
  if (count > maxEntries) throw tooBig(`${count} parts, at most ${maxEntries}`);
  if (cdOffset + cdSize > eocd) throw broken('its zip directory points outside the file');
  const entries: Entry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > eocd || zip.readUInt32LE(p) !== 0x02014b50) throw broken('a damaged zip directory');
    const nameLen = zip.readUInt16LE(p + 28);
    const entry: Entry = {
      flags: zip.readUInt16LE(p + 8),
      method: zip.readUInt16LE(p + 10),
      compressed: zip.readUInt32LE(p + 20),
      uncompressed: zip.readUInt32LE(p + 24),
      offset: zip.readUInt32LE(p + 42),
      name: zip.subarray(p + 46, p + 46 + nameLen).toString('utf8'),
    };
    if (entry.compressed === 0xffffffff || entry.uncompressed === 0xffffffff || entry.offset === 0xffffffff) throw tooBig('ZIP64 parts');
    entries.push(entry);
    p += 46 + nameLen + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
  }
  return { entries, cdOffset };
}

/** Inflates one part without keeping it, counting its bytes (and shared strings); stops past `cap`. */
function measure(data: Buffer, cap: number, countStrings: boolean): Promise<{ bytes: number; strings: number; over: boolean }> {
  return new Promise((resolve, reject) => {
    const inflate = createInflateRaw();
    let bytes = 0;
    let strings = 0;
    let tail = '';
    let settled = false;
    const done = (over: boolean) => {
      if (settled) return;
      settled = true;
      inflate.destroy();
      resolve({ bytes, strings, over });
    };
    inflate.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (countStrings) {
        const text = tail + chunk.toString('latin1');
        strings += text.split('<si>').length - 1 + text.split('<si ').length - 1;
        tail = text.slice(-3);
        // A match fully inside the kept tail was already counted; a tail of 3 cannot hold all 4 characters.
      }
      if (bytes > cap) done(true);
    });
    inflate.on('end', () => done(false));
    inflate.on('error', (err) => {
      if (!settled) {
        settled = true;
        reject(broken(`a damaged part: ${err.message}`));
      }
    });
    inflate.end(data);
  });
}

/**
 * Checks an .xlsx before any of it is parsed, so a small file cannot inflate into gigabytes in memory (a "zip bomb"):
 * the parts must follow one another with nothing hidden between them (a streaming reader would read a part the
 * directory does not list), the declared sizes must stay under the limits, and each part is inflated once, counted
 * and thrown away, because declared sizes can lie.
 */
export async function checkXlsxBounds(zip: Buffer, limits: XlsxLimits): Promise<void> {
  const { entries, cdOffset } = centralDirectory(zip, limits.maxEntries ?? 10_000);
  const declared = entries.reduce((sum, e) => sum + e.uncompressed, 0);
  if (declared > limits.maxUncompressedBytes) throw tooBig(`${mb(declared)} when unpacked, at most ${mb(limits.maxUncompressedBytes)}`);
  let expectedOffset = 0;
  let total = 0;
  for (const e of [...entries].sort((a, b) => a.offset - b.offset)) {
    if (e.offset !== expectedOffset) throw broken('unlisted data between its parts');
    if (e.offset + 30 > cdOffset || zip.readUInt32LE(e.offset) !== 0x04034b50) throw broken('a damaged part header');
    const start = e.offset + 30 + zip.readUInt16LE(e.offset + 26) + zip.readUInt16LE(e.offset + 28);
    let end = start + e.compressed;
    if (end > cdOffset) throw broken('a part running past the end');
    if (e.flags & 0x08) {
      // A data descriptor follows the data: CRC, sizes, with or without its signature.
      end += end + 4 <= cdOffset && zip.readUInt32LE(end) === 0x08074b50 ? 16 : 12;
    }
    expectedOffset = end;
    const data = zip.subarray(start, start + e.compressed);
    const isStrings = /(^|\/)sharedStrings\.xml$/i.test(e.name);
    let bytes: number;
    if (e.method === 0) {
      bytes = e.compressed;
      if (e.compressed !== e.uncompressed) throw broken(`the stored part ${e.name} declares another size`);
      if (isStrings && bytes > limits.maxSharedStringsBytes) throw tooBig(`${mb(bytes)} of texts, at most ${mb(limits.maxSharedStringsBytes)}`);
      if (isStrings) {
        const text = data.toString('latin1');
        const strings = text.split('<si>').length - 1 + text.split('<si ').length - 1;
        if (strings > limits.maxSharedStrings) throw tooBig(`more than ${limits.maxSharedStrings} distinct texts`);
      }
    } else if (e.method === 8) {
      if (isStrings && e.uncompressed > limits.maxSharedStringsBytes)
        throw tooBig(`${mb(e.uncompressed)} of texts, at most ${mb(limits.maxSharedStringsBytes)}`);
      const r = await measure(data, Math.min(e.uncompressed, limits.maxUncompressedBytes - total), isStrings);
      if (r.bytes > e.uncompressed) throw broken(`the part ${e.name} unpacks to more than it declares`);
      if (r.over) throw tooBig(`more than ${mb(limits.maxUncompressedBytes)} when unpacked`);
      if (r.bytes !== e.uncompressed) throw broken(`the part ${e.name} is shorter than it declares`);
      if (isStrings && r.strings > limits.maxSharedStrings) throw tooBig(`more than ${limits.maxSharedStrings} distinct texts`);
      bytes = r.bytes;
    } else {
      throw broken(`a part packed with an unsupported method (${e.method})`);
    }
    total += bytes;
    if (total > limits.maxUncompressedBytes) throw tooBig(`more than ${mb(limits.maxUncompressedBytes)} when unpacked`);
  }
  if (expectedOffset !== cdOffset) throw broken('unlisted data after its parts');
}

function mb(bytes: number) {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
}
