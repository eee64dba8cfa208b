import { AppError } from '../shared/errors.js';
import { localised } from '../shared/messages.js';
import type { Clock } from '../shared/clock.js';
import { normaliseFields, nulColumn, nulRow, rejected, type NormalisedRow } from './row-normaliser.js';
import type { RowBatches, SourceRow } from './parsers/record-stream.js';

/** One base as the Parsing Service lists it (`GET /api/v1/results/grouped` → `tasks[]`). */
export interface ParsingServiceBase {
  task_id: string | number;
  platform?: string;
  target_url?: string;
  title?: string;
  status?: string;
  total_results?: number;
  created_at?: string;
}

/** A base as our API shows it: what the create form lists, with why an empty one cannot be chosen. */
export interface ParsingBase {
  task_id: string;
  title: string;
  platform: string | null;
  target_url: string | null;
  status: string | null;
  total_results: number;
  created_at: string | null;
  importable: boolean;
  disabled_reason: string | null;
}

export interface ParsingItem {
  id?: unknown;
  platform_id?: unknown;
  username?: unknown;
  display_name?: unknown;
  author_phone?: unknown;
  platform_specific_data?: { username?: unknown; phone?: unknown; user_id?: unknown; first_name?: unknown; last_name?: unknown } | null;
}

/** The real service writes this literal into display_name for rows it has no name for. */
const NO_NAME = 'unknown';

/** The contract's field mapping: username ← username | psd.username; id ← platform_id | psd.user_id; phone ← psd.phone | author_phone; name ← first+last | display_name. */
export function normaliseParsingItem(record: SourceRow['record']): NormalisedRow {
  if (typeof record !== 'object' || record === null) return rejected(['ROW.not_object']);
  const nul = nulColumn(record);
  if (nul !== null) return nulRow(nul);
  const item = record as ParsingItem;
  const psd = item.platform_specific_data ?? {};
  const row = normaliseFields({
    username: item.username || psd.username,
    user_id: item.platform_id ?? psd.user_id,
    phone: psd.phone || item.author_phone,
    first_name: psd.first_name,
    last_name: psd.last_name,
  });
  const display = typeof item.display_name === 'string' ? item.display_name.trim() : '';
  if (row.ok && display && display.toLowerCase() !== NO_NAME && !psd.first_name && !psd.last_name) {
    const [first, ...rest] = display.split(/\s+/);
    row.target.first_name = first ?? null;
    row.target.last_name = rest.join(' ') || null;
  }
  return row;
}

interface ResultsPage {
  results?: unknown;
  total?: unknown;
  pagination?: { has_more?: unknown } | null;
}

export interface ParsingHealth {
  configured: boolean;
  /** The sandbox's demo bases, not a real Parsing Service. */
  sandbox?: boolean;
  reachable?: boolean;
  latency_ms?: number;
  error?: string;
  last_error: { at: string; message: string } | null;
}

const badResponse = (what: string) =>
  new AppError(
    502,
    'PARSING_SERVICE_BAD_RESPONSE',
    `The Parsing Service answered with ${what}; the import was not changed. Try again later or tell the platform's support.`,
    undefined,
    { params: { detail: what } },
  );

function asBase(raw: ParsingServiceBase): ParsingBase {
  const total = typeof raw.total_results === 'number' && Number.isFinite(raw.total_results) ? Math.max(0, Math.trunc(raw.total_results)) : 0;
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
  // The service's «Unknown» placeholder is no title, as it is no name: the base's address says more.
  const title = text(raw.title);
  return {
    task_id: String(raw.task_id),
    title: (title && title.toLowerCase() !== NO_NAME ? title : null) ?? text(raw.target_url) ?? `#${raw.task_id}`,
    platform: text(raw.platform),
    target_url: text(raw.target_url),
    status: text(raw.status),
    total_results: total,
    created_at: text(raw.created_at),
    importable: total > 0,
    disabled_reason: total > 0 ? null : 'This base has no results yet: nothing to import.',
  };
}

/**
 * Client of the Parsing Service (the audience source), as its code really answers. Every call carries
 * `user_id=<platform user id>` (the service filters by that parameter alone: without it, it returns
 * everyone's bases) and a fresh short-lived inter-service token. Failures surface as 502 sentences that
 * name the Parsing Service, never as an empty list that pretends there are no bases.
 */
export class ParsingServiceClient {
  private lastError: { at: Date; message: string } | null = null;

  constructor(
    private readonly baseUrl: string | undefined,
    private readonly serviceToken: (platformUserId: number) => Promise<string>,
    private readonly clock: Clock,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly opts: { sandbox?: boolean } = {},
  ) {}

  get configured(): boolean {
    return !!this.baseUrl;
  }

  private fail(err: AppError): AppError {
    this.lastError = { at: this.clock.now(), message: err.message };
    return err;
  }

  private async get<T>(path: string, platformUserId: number, query: Record<string, string | number> = {}): Promise<T> {
    if (!this.baseUrl)
      throw new AppError(503, 'PARSING_SERVICE_NOT_CONFIGURED', 'The Parsing Service is not configured on this server (set PARSING_SERVICE_URL).');
    if (!Number.isSafeInteger(platformUserId) || platformUserId <= 0)
      throw new Error(`refusing a Parsing Service call without a platform user id (${platformUserId})`);
    const url = new URL(path, this.baseUrl);
    url.searchParams.set('user_id', String(platformUserId));
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        headers: { authorization: `Bearer ${await this.serviceToken(platformUserId)}`, accept: 'application/json' },
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw this.fail(
        new AppError(
          502,
          'PARSING_SERVICE_UNREACHABLE',
          `The Parsing Service could not be reached (${(err as Error).message}); try again in a minute.`,
          undefined,
          {
            params: { detail: (err as Error).message },
          },
        ),
      );
    }
    const text = await res.text();
    if (!res.ok) {
      let reason = text.slice(0, 300).trim();
      try {
        const body = JSON.parse(text) as { detail?: unknown; message?: unknown; error?: unknown };
        const d = body.detail ?? body.message ?? body.error;
        if (d) reason = typeof d === 'string' ? d : JSON.stringify(d);
      } catch {
        /* plain-text body */
      }
      throw this.fail(
        new AppError(502, 'PARSING_SERVICE_ERROR', `The Parsing Service answered HTTP ${res.status}${reason ? `: ${reason}` : ''}.`, undefined, {
          params: { status: res.status, detail: reason ? `: ${reason}` : '' },
        }),
      );
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw this.fail(badResponse('something that is not JSON'));
    }
  }

  /** The user's bases, newest first as the service orders them; empty ones are listed but not importable. */
  async listBases(platformUserId: number): Promise<ParsingBase[]> {
    const body = await this.get<{ tasks?: unknown }>('/api/v1/results/grouped', platformUserId);
    if (!body || typeof body !== 'object' || !Array.isArray(body.tasks)) throw this.fail(badResponse('an unexpected list of bases (no "tasks")'));
    return body.tasks
      .filter((b): b is ParsingServiceBase => !!b && typeof b === 'object' && (typeof b.task_id === 'string' || typeof b.task_id === 'number'))
      .map(asBase);
  }

  private async page(
    platformUserId: number,
    base: string,
    limit: number,
    offset: number,
  ): Promise<{ items: unknown[]; total: number | null; hasMore: boolean }> {
    const page = await this.get<ResultsPage>(`/api/v1/results/${encodeURIComponent(base)}`, platformUserId, { limit, offset });
    if (!page || typeof page !== 'object' || !Array.isArray(page.results)) throw this.fail(badResponse('a results page without "results"'));
    return {
      items: page.results,
      total: typeof page.total === 'number' ? page.total : null,
      hasMore: page.pagination?.has_more === true,
    };
  }

  /**
   * An empty first page is how the service answers an unknown base too (200, `results: []`): a base the user's list does
   * not have is then a 404 at `parsing_task_id`, not «0 imported» (a typo or a deleted base looked like an empty one).
   * Asked only when the page is empty, so a base with people costs no extra call.
   */
  private async knownOrNotFound(platformUserId: number, base: string): Promise<void> {
    if ((await this.listBases(platformUserId)).some((b) => b.task_id === base)) return;
    throw new AppError(404, 'PARSING_BASE_NOT_FOUND', `There is no base "${base}" among your Parsing Service bases.`, [
      { field: 'parsing_task_id', message: localised('FIELD.parsing_base_unknown', { base }) },
    ]);
  }

  /** Pages through one base's results, following pagination.has_more and stopping on an empty page. */
  async *results(platformUserId: number, base: string, pageSize = 500, max = Infinity): RowBatches {
    let offset = 0;
    let rowNumber = 0;
    for (;;) {
      const page = await this.page(platformUserId, base, pageSize, offset);
      if (offset === 0 && page.items.length === 0) await this.knownOrNotFound(platformUserId, base);
      // A page is a batch, cut at `max`.
      const batch = page.items.slice(0, Math.max(0, max - rowNumber)).map((item) => ({ rowNumber: ++rowNumber, record: item as Record<string, unknown> }));
      if (batch.length) yield batch;
      offset += page.items.length;
      if (!page.hasMore || page.items.length === 0 || rowNumber >= max) return;
    }
  }

  /** The first `limit` contacts of a base (one page) and the base's total, for the create form's preview. */
  async preview(platformUserId: number, base: string, limit: number) {
    const page = await this.page(platformUserId, base, limit, 0);
    if (page.items.length === 0) await this.knownOrNotFound(platformUserId, base);
    return { total: page.total ?? page.items.length, items: page.items.slice(0, limit) };
  }

  /** `GET /health` of the service, for /health/detailed: reachable, latency and the last error any call met. */
  async health(): Promise<ParsingHealth> {
    const last = this.lastError ? { at: this.lastError.at.toISOString(), message: this.lastError.message } : null;
    if (!this.baseUrl) return { configured: false, last_error: last };
    const started = performance.now();
    try {
      const res = await this.fetchImpl(new URL('/health', this.baseUrl), { signal: AbortSignal.timeout(5_000) });
      await res.body?.cancel();
      const latency = Math.round(performance.now() - started);
      const sandbox = this.opts.sandbox ? { sandbox: true } : {};
      return res.ok
        ? { configured: true, ...sandbox, reachable: true, latency_ms: latency, last_error: last }
        : { configured: true, reachable: false, latency_ms: latency, error: `HTTP ${res.status}`, last_error: last };
    } catch (err) {
      return { configured: true, reachable: false, error: (err as Error).message, last_error: last };
    }
  }
}
