import { AppError } from '../shared/errors.js';
import { normaliseFields, type NormalisedRow } from './row-normaliser.js';
import type { SourceRow } from './parsers/record-stream.js';

export interface ParsingBase {
  task_id: string | number;
  platform: string;
  target_url: string;
  title: string;
  status: string;
  total_results: number;
  created_at: string;
}

export interface ParsingItem {
  id?: unknown;
  platform_id?: unknown;
  username?: unknown;
  display_name?: unknown;
  author_phone?: unknown;
  platform_specific_data?: { username?: unknown; phone?: unknown; user_id?: unknown; first_name?: unknown; last_name?: unknown } | null;
}

/** The contract's field mapping: username ← username | psd.username; id ← platform_id | psd.user_id; phone ← psd.phone | author_phone; name ← display_name | first+last. */
export function normaliseParsingItem(record: SourceRow['record']): NormalisedRow {
  if (typeof record !== 'object' || record === null) return { ok: false, reason: 'result item is not an object' };
  const item = record as ParsingItem;
  const psd = item.platform_specific_data ?? {};
  const row = normaliseFields({
    username: item.username || psd.username,
    user_id: item.platform_id ?? psd.user_id,
    phone: psd.phone || item.author_phone,
    first_name: psd.first_name,
    last_name: psd.last_name,
  });
  if (row.ok && typeof item.display_name === 'string' && item.display_name.trim() && !psd.first_name && !psd.last_name) {
    const [first, ...rest] = item.display_name.trim().split(/\s+/);
    row.target.first_name = first ?? null;
    row.target.last_name = rest.join(' ') || null;
  }
  return row;
}

/**
 * Client of the Parsing Service (the audience source). It forwards the caller's own JWT, so the
 * service only ever returns that user's bases. Failures surface as 502 with the upstream reason,
 * never as made-up data.
 */
export class ParsingServiceClient {
  constructor(private readonly baseUrl: string | undefined, private readonly fetchImpl: typeof fetch = fetch) {}

  private async get<T>(path: string, token: string): Promise<T> {
    if (!this.baseUrl) throw new AppError(503, 'PARSING_SERVICE_NOT_CONFIGURED', 'The Parsing Service is not configured on this server (set PARSING_SERVICE_URL).');
    let res: Response;
    try {
      res = await this.fetchImpl(new URL(path, this.baseUrl), { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      throw new AppError(502, 'PARSING_SERVICE_UNREACHABLE', `The Parsing Service could not be reached: ${(err as Error).message}.`);
    }
    const text = await res.text();
    if (!res.ok) {
      let reason = text.slice(0, 300);
      try {
        const body = JSON.parse(text) as { detail?: unknown; message?: unknown; error?: unknown };
        const d = body.detail ?? body.message ?? body.error;
        if (d) reason = typeof d === 'string' ? d : JSON.stringify(d);
      } catch { /* plain-text body */ }
      throw new AppError(502, 'PARSING_SERVICE_ERROR', `The Parsing Service answered HTTP ${res.status}${reason ? `: ${reason}` : ''}.`);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new AppError(502, 'PARSING_SERVICE_BAD_RESPONSE', 'The Parsing Service returned something that is not JSON.');
    }
  }

  async listBases(token: string): Promise<ParsingBase[]> {
    const body = await this.get<unknown>('/api/v1/results/grouped', token);
    if (!Array.isArray(body)) throw new AppError(502, 'PARSING_SERVICE_BAD_RESPONSE', 'The Parsing Service returned an unexpected list of bases.');
    return body as ParsingBase[];
  }

  /** Pages through one base's results. */
  async *results(token: string, parsingTaskId: string, pageSize = 500, max = Infinity): AsyncGenerator<SourceRow> {
    let offset = 0;
    let rowNumber = 0;
    for (;;) {
      const page = await this.get<{ items?: unknown; total?: number; has_more?: boolean }>(
        `/api/v1/results/${encodeURIComponent(parsingTaskId)}?limit=${pageSize}&offset=${offset}`, token);
      if (!Array.isArray(page.items)) throw new AppError(502, 'PARSING_SERVICE_BAD_RESPONSE', 'The Parsing Service returned a results page without items.');
      for (const item of page.items) {
        if (rowNumber >= max) return;
        yield { rowNumber: ++rowNumber, record: item as Record<string, unknown> };
      }
      offset += page.items.length;
      if (!page.has_more || page.items.length === 0) return;
    }
  }
}
