import type { RowBatches, SourceRow } from '../../src/import/parsers/record-stream.js';

/**
 * Rows as a source gives them: in batches of `size`. `failAfter`: the source breaks after that many rows (the rows
 * before it are given first, as a parser gives what it read before the bad byte).
 */
export async function* rowBatches(rows: SourceRow[], size = 250, failAfter?: number): RowBatches {
  const end = failAfter ?? rows.length;
  for (let start = 0; start < end; start += size) yield rows.slice(start, Math.min(end, start + size));
  if (failAfter !== undefined) throw new Error('the file broke half-way');
}

/** Every row of a source, in order. */
export async function flatRows(batches: RowBatches): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const batch of batches) {
    if (!batch.length) throw new Error('a source gave an empty batch');
    out.push(...batch);
  }
  return out;
}
