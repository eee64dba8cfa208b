import { createDeflateRaw, crc32, deflateRawSync } from 'node:zlib';

/** Deflates `head` + `unit` × `times` + `tail` without ever holding the whole text (for bombs of a gigabyte). */
export function deflateRepeated(head: string, unit: string, times: number, tail: string): Promise<{ packed: Buffer; size: number; crc: number }> {
  return new Promise((resolve, reject) => {
    const z = createDeflateRaw({ level: 9 });
    const out: Buffer[] = [];
    z.on('data', (c: Buffer) => out.push(c));
    z.on('error', reject);
    z.on('end', () => resolve({ packed: Buffer.concat(out), size, crc }));
    const block = Buffer.from(unit.repeat(Math.min(times, 65_536)));
    const perBlock = Math.min(times, 65_536);
    let size = 0;
    let crc = 0;
    const put = (b: Buffer) => {
      size += b.length;
      crc = crc32(b, crc);
      return z.write(b);
    };
    put(Buffer.from(head));
    let left = times;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, perBlock);
        left -= n;
        if (!put(n === perBlock ? block : Buffer.from(unit.repeat(n)))) {
          z.once('drain', pump);
          return;
        }
      }
      put(Buffer.from(tail));
      z.end();
    };
    pump();
  });
}

/** A minimal zip writer for hostile workbooks: deflated parts, optionally declaring false sizes. */
export function makeZip(
  entries: Array<{ name: string; data: Buffer; declaredSize?: number; prepacked?: { packed: Buffer; size: number; crc: number } }>,
): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const packed = e.prepacked?.packed ?? deflateRawSync(e.data, { level: 9 });
    const size = e.declaredSize ?? e.prepacked?.size ?? e.data.length;
    const crc = e.prepacked?.crc ?? crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0, 8);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(packed.length, 20);
    cd.writeUInt32LE(size, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    central.push(cd, name);
    offset += 30 + name.length + packed.length;
  }
  const cdBuf = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cdBuf.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cdBuf, eocd]);
}

/** A one-sheet workbook whose cells are shared strings; `sharedStrings` is the raw XML of that part. */
export async function workbook(
  sheetRows: string,
  sharedStrings: string,
  opts: { declaredStringsSize?: number; repeatString?: { unit: string; times: number } } = {},
): Promise<Buffer> {
  const x = (s: string) => Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${s}`, 'utf8');
  const sstHead = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">';
  const prepacked = opts.repeatString ? await deflateRepeated(sstHead + sharedStrings, opts.repeatString.unit, opts.repeatString.times, '</sst>') : undefined;
  return makeZip([
    {
      name: '[Content_Types].xml',
      data: x(
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
      ),
    },
    {
      name: '_rels/.rels',
      data: x(
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
      ),
    },
    {
      name: 'xl/workbook.xml',
      data: x(
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
      ),
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: x(
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
      ),
    },
    {
      name: 'xl/sharedStrings.xml',
      data: prepacked ? Buffer.alloc(0) : x(`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">${sharedStrings}</sst>`),
      declaredSize: opts.declaredStringsSize,
      prepacked,
    },
    {
      name: 'xl/worksheets/sheet1.xml',
      data: x(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${sheetRows}</sheetData></worksheet>`),
    },
  ]);
}

/** Rows of shared-string cells: row i has column A = string index i. */
export function sheetRowsOf(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += `<row r="${i + 1}"><c r="A${i + 1}" t="s"><v>${i}</v></c></row>`;
  return out;
}
