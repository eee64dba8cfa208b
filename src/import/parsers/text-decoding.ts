import chardet from 'chardet';
import iconv from 'iconv-lite';
import { ImportFormatError } from './record-stream.js';

/**
 * Which character encoding a text file (CSV, TXT, JSON) is in, from its first bytes:
 * 1. a byte-order mark: UTF-8, UTF-16 LE, UTF-16 BE;
 * 2. valid UTF-8 → UTF-8 (the rest is decoded strictly: a later invalid byte is a 400, never a silent U+FFFD);
 * 3. UTF-16 without a mark, recognised by its zero bytes (ASCII letters are "x\0" or "\0x");
 * 4. otherwise a single-byte code page: text whose non-ASCII bytes form whole words is Cyrillic, and the Cyrillic
 *    code page (Windows-1251, KOI8-R, CP866) whose reading gives the most lower-case Russian letters wins (names are
 *    mostly lower-case letters); anything else is what chardet (ICU's detector) ranks first.
 */
export type TextEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | string;

const CYRILLIC_PAGES = ['windows-1251', 'koi8-r', 'cp866'] as const;

function isValidUtf8(bytes: Buffer, complete: boolean): boolean {
  // A sample may end inside a multi-byte sequence: cut it at the last sequence start when more follows.
  let end = bytes.length;
  if (!complete) {
    let i = end - 1;
    while (i >= 0 && end - i <= 4 && (bytes[i]! & 0xc0) === 0x80) i--;
    if (i >= 0 && bytes[i]! >= 0xc0) end = i;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

function utf16WithoutBom(bytes: Buffer): 'utf-16le' | 'utf-16be' | null {
  const n = Math.min(bytes.length & ~1, 8192);
  if (n < 4) return null;
  // The high byte of Latin (0x00) and Cyrillic (0x04) characters: most of one column, almost none of the other.
  const high = (b: number | undefined) => b === 0x00 || b === 0x04;
  let even = 0;
  let odd = 0;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (high(bytes[i])) even++;
    if (high(bytes[i + 1])) odd++;
    if (bytes[i] === 0) evenZero++;
    if (bytes[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  // Zero bytes are what tell UTF-16 from 8-bit text (0x04 alone is a control character nobody types).
  if (odd / pairs > 0.6 && even / pairs < 0.05 && oddZero > 0) return 'utf-16le';
  if (even / pairs > 0.6 && odd / pairs < 0.05 && evenZero > 0) return 'utf-16be';
  return null;
}

/** Share of non-ASCII bytes that sit in runs of 3 or more: whole words (Cyrillic) rather than accents (Latin). */
function wordRunShare(bytes: Buffer): number {
  let high = 0;
  let inRuns = 0;
  let run = 0;
  const close = () => {
    if (run >= 3) inRuns += run;
    run = 0;
  };
  for (const b of bytes) {
    if (b >= 0x80) {
      high++;
      run++;
    } else close();
  }
  close();
  return high ? inRuns / high : 0;
}

// Russian letter frequencies (per cent): a reading in the wrong code page gives letters of another frequency.
const RU_FREQ: Record<string, number> = {
  о: 10.97,
  е: 8.45,
  а: 8.01,
  и: 7.35,
  н: 6.7,
  т: 6.26,
  с: 5.47,
  р: 4.73,
  в: 4.54,
  л: 4.4,
  к: 3.49,
  м: 3.21,
  д: 2.98,
  п: 2.81,
  у: 2.62,
  я: 2.01,
  ы: 1.9,
  ь: 1.74,
  г: 1.7,
  з: 1.65,
  б: 1.59,
  ч: 1.44,
  й: 1.21,
  х: 0.97,
  ж: 0.94,
  ш: 0.73,
  ю: 0.64,
  ц: 0.48,
  щ: 0.36,
  э: 0.32,
  ф: 0.26,
  ъ: 0.04,
  ё: 0.04,
};

/** How Russian a reading looks: letter frequencies, and capitals only where a word starts. */
function cyrillicScore(text: string): number {
  let score = 0;
  let prevLetter = false;
  for (const ch of text) {
    const lower = ch.toLowerCase();
    const freq = RU_FREQ[lower];
    if (freq !== undefined) {
      score += Math.log(freq);
      if (ch !== lower && prevLetter) score -= 1; // a capital inside a word
      prevLetter = true;
    } else {
      if (ch.charCodeAt(0) >= 0x80) score -= 8; // box drawing, symbols, Latin letters: not a Russian reading
      prevLetter = false;
    }
  }
  return score;
}

export function detectEncoding(head: Buffer, complete: boolean): TextEncoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8-bom';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  const utf16 = utf16WithoutBom(head);
  if (utf16) return utf16;
  if (isValidUtf8(head, complete)) return 'utf-8';
  if (wordRunShare(head) >= 0.5) {
    const sample = head.subarray(0, 16 * 1024);
    // chardet's n-gram confidence breaks ties (all-capital text reads as lower-case in the other page).
    const confidence = new Map(chardet.analyse(sample).map((m) => [m.name.toLowerCase(), m.confidence]));
    let best: string = CYRILLIC_PAGES[0];
    let bestScore = -Infinity;
    for (const page of CYRILLIC_PAGES) {
      const s = cyrillicScore(iconv.decode(sample, page)) + (confidence.get(page) ?? 0) / 10;
      if (s > bestScore) {
        best = page;
        bestScore = s;
      }
    }
    return best;
  }
  const ranked = chardet
    .analyse(head)
    .map((m) => m.name.toLowerCase())
    .filter((name) => !name.startsWith('utf') && name !== 'ascii' && iconv.encodingExists(name));
  return ranked[0] ?? 'windows-1252';
}

/**
 * Decodes a byte stream to UTF-8 chunks (what the CSV and line parsers read), without the byte-order mark.
 * UTF-8 is decoded strictly: an invalid byte later in the file is a readable error, never U+FFFD.
 * `prefix`: the bytes are the first part of a longer file (the sniffed head), so they may end inside a character:
 * that character's first bytes are left for the rest of the file rather than read as a truncated, invalid end.
 */
export async function* decodeToUtf8(
  source: AsyncIterable<Buffer> | Iterable<Buffer>,
  encoding: TextEncoding,
  opts: { prefix?: boolean } = {},
): AsyncGenerator<Buffer> {
  if (encoding === 'utf-8' || encoding === 'utf-8-bom') {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let offset = 0;
    try {
      for await (const chunk of source) {
        const text = decoder.decode(chunk, { stream: true });
        offset += chunk.length;
        if (text) yield Buffer.from(text, 'utf8');
      }
      if (opts.prefix) return;
      const rest = decoder.decode();
      if (rest) yield Buffer.from(rest, 'utf8');
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
      throw new ImportFormatError(`The file is not valid UTF-8 (an invalid byte near byte ${offset}): save it as UTF-8, or as Windows-1251 throughout.`, {
        key: 'MALFORMED_FILE.utf8',
        params: { offset },
      });
    }
    return;
  }
  const decoder = iconv.getDecoder(encoding, { stripBOM: true });
  for await (const chunk of source) {
    const text = decoder.write(chunk);
    if (text) yield Buffer.from(text, 'utf8');
  }
  if (opts.prefix) return;
  const rest = decoder.end();
  if (rest) yield Buffer.from(rest, 'utf8');
}

/** The encoding's name as the import report gives it. */
export function encodingLabel(encoding: TextEncoding): string {
  switch (encoding) {
    case 'utf-8':
      return 'UTF-8';
    case 'utf-8-bom':
      return 'UTF-8 (BOM)';
    case 'utf-16le':
      return 'UTF-16LE';
    case 'utf-16be':
      return 'UTF-16BE';
    case 'windows-1251':
      return 'Windows-1251';
    case 'koi8-r':
      return 'KOI8-R';
    case 'cp866':
      return 'CP866';
    default:
      return encoding.toUpperCase();
  }
}
