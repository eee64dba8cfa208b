import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';

/**
 * HTTP fakes of the content-factory platform's services, answering exactly as their real code does
 * (../shared/SPEC-NOTES.md), over real sockets on 127.0.0.1.
 */

export interface FakeResult {
  id: string;
  task_id: string;
  platform: string;
  platform_id: string;
  username: string | null;
  display_name: string;
  author_phone: string | null;
  created_at: string;
  platform_specific_data: Record<string, unknown>;
}

export interface FakeBase {
  task_id: string;
  /** The service's numeric id for the same base (results are addressable by either). */
  id: number;
  owner: number;
  platform: string;
  target_url: string;
  title: string;
  status: string;
  created_at: string;
  results: FakeResult[];
}

/** A person as the real service stores one; every fifth has no name, which the service writes as "Unknown". */
export function fakePerson(i: number, baseId = '5'): FakeResult {
  const named = i % 5 !== 0;
  return {
    id: String(10_000 + i),
    task_id: baseId,
    platform: 'telegram',
    platform_id: String(700_000 + i),
    username: i % 7 === 0 ? null : `member_${i}`,
    // Operator precedence in the real service yields the literal "Unknown" for rows without a name.
    display_name: named ? `Иван${i} Петров` : 'Unknown',
    author_phone: i % 11 === 0 ? `+7900${String(1_000_000 + i).slice(-7)}` : null,
    created_at: '2026-11-01T10:00:00Z',
    platform_specific_data: {
      username: i % 7 === 0 ? null : `member_${i}`,
      user_id: 700_000 + i,
      phone: null,
      ...(i % 3 === 0 && named ? { first_name: `Мария${i}`, last_name: 'Соколова' } : {}),
      chat_title: 'Source chat',
    },
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export interface RecordedRequest {
  path: string;
  userIdParam: string | null;
  /** The verified token's claims, or why it was refused. */
  claims: Record<string, unknown> | null;
  tokenError: string | null;
}

/**
 * The Parsing Service. Like the real one it filters by the `user_id` query parameter only, and without
 * it returns every user's bases: each such request is recorded in `missingUserId`, which tests assert
 * stays empty. It also checks what the platform's own services check: a Bearer token signed with the
 * shared secret.
 */
export class ParsingServiceFake {
  readonly bases: FakeBase[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly missingUserId: string[] = [];
  /** Hooks tests use to break the service: answered before the contract (return true when handled). */
  readonly interceptors: Handler[] = [];
  url = '';
  private server?: Server;
  private nextId = 1;

  constructor(readonly secret: string) {}

  addBase(owner: number, base: Partial<Omit<FakeBase, 'owner' | 'id'>> & { results: FakeResult[] }): FakeBase {
    const id = this.nextId++;
    const full: FakeBase = {
      task_id: base.task_id ?? `task-${id}`,
      id,
      owner,
      platform: base.platform ?? 'telegram',
      target_url: base.target_url ?? `https://t.me/source_${id}`,
      title: base.title ?? `Base ${id}`,
      status: base.status ?? 'completed',
      created_at: base.created_at ?? '2026-11-20T09:00:00Z',
      results: base.results,
    };
    this.bases.push(full);
    return full;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    this.url = await listen(this.server);
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    try {
      for (const hook of this.interceptors) if (await hook(req, res, url)) return;
      if (url.pathname === '/health') return send(res, 200, { status: 'healthy', service: 'parsing-service' });
      const record: RecordedRequest = { path: url.pathname, userIdParam: url.searchParams.get('user_id'), claims: null, tokenError: null };
      this.requests.push(record);
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      try {
        if (!token) throw new Error('no bearer token');
        record.claims = (await jwtVerify(token, new TextEncoder().encode(this.secret), { algorithms: ['HS256'] })).payload;
      } catch (err) {
        record.tokenError = (err as Error).message;
        return send(res, 401, { detail: 'Could not validate credentials' });
      }
      if (record.userIdParam === null) this.missingUserId.push(`${req.method} ${req.url}`);
      const mine = (b: FakeBase) => record.userIdParam === null || String(b.owner) === record.userIdParam;

      if (url.pathname === '/api/v1/results/grouped') {
        const tasks = this.bases.filter(mine).map((b) => ({
          task_id: b.task_id,
          platform: b.platform,
          target_url: b.target_url,
          title: b.title,
          status: b.status,
          total_results: b.results.length,
          created_at: b.created_at,
        }));
        return send(res, 200, { tasks, total_tasks: tasks.length });
      }
      const m = /^\/api\/v1\/results\/([^/]+)$/.exec(url.pathname);
      if (m) {
        const key = decodeURIComponent(m[1]!);
        const limit = Math.min(Number(url.searchParams.get('limit') ?? 100), 1000);
        const offset = Number(url.searchParams.get('offset') ?? 0);
        const base = this.bases.find((b) => mine(b) && (b.task_id === key || String(b.id) === key));
        if (!base || base.results.length === 0) {
          return send(res, 200, {
            task_id: key,
            total: 0,
            format: 'json',
            results: [],
            pagination: { offset, limit, has_more: false },
            message: 'No results found for this task',
          });
        }
        const page = base.results.slice(offset, offset + limit);
        return send(res, 200, {
          task_id: base.task_id,
          total: base.results.length,
          format: 'json',
          results: page,
          pagination: { offset, limit, has_more: offset + page.length < base.results.length },
        });
      }
      return send(res, 404, { detail: 'Not Found' });
    } catch (err) {
      if (!res.headersSent) send(res, 500, { detail: (err as Error).message });
    }
  }
}

/** The platform's API gateway: `GET /internal/users/by-email?email=` → `{"id": N}`, 404 for an unknown email. */
export class ApiGatewayFake {
  readonly users = new Map<string, number>();
  readonly lookups: string[] = [];
  /** When set, every lookup answers this HTTP status (a gateway in trouble). */
  failWith: number | null = null;
  url = '';
  private server?: Server;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      if (url.pathname !== '/internal/users/by-email') return send(res, 404, { detail: 'Not Found' });
      const email = url.searchParams.get('email') ?? '';
      this.lookups.push(email);
      if (this.failWith) return send(res, this.failWith, { detail: 'upstream error' });
      const id = this.users.get(email.toLowerCase());
      return id === undefined ? send(res, 404, { detail: 'User not found' }) : send(res, 200, { id, email });
    });
    this.url = await listen(this.server);
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
