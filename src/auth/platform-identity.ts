import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import { LOCAL_TENANT_BASE, type AuthUser, type TokenSubject } from './jwt.js';

/** The platform's numeric user id behind a tenant id; local tenants (email subjects, no gateway) have none. */
export function platformUserIdOf(tenantId: number): number | null {
  return tenantId < LOCAL_TENANT_BASE ? tenantId : null;
}

const GATEWAY_TIMEOUT_MS = 5_000;

function gatewayDown(detail: string): AppError {
  return new AppError(
    503,
    'PLATFORM_GATEWAY_UNAVAILABLE',
    `Your platform account could not be looked up right now (the API gateway ${detail}); try again in a minute.`,
    undefined,
    { params: { detail } },
  );
}

/**
 * Turns a verified token subject into the tenant every query is scoped to.
 * - Numeric subjects are the platform's user ids as they are.
 * - Email subjects (the frontend's tokens) are mapped to the platform's numeric id by the API gateway
 *   (`GET /internal/users/by-email?email=`), cached for `cacheSeconds`. When the gateway cannot answer,
 *   the request fails with 503: never a guess, never another user.
 * - Without a gateway (a standalone install), each email becomes its own local tenant, numbered from
 *   LOCAL_TENANT_BASE in the `local_tenants` table, so it is stable across restarts and processes and never
 *   collides with a platform id. Such a tenant is not linked to the platform (no Parsing Service bases).
 */
export class PlatformIdentity {
  private readonly cache = new Map<string, { id: number; until: number }>();
  private readonly inFlight = new Map<string, Promise<number>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly gatewayUrl: string | undefined,
    private readonly cacheSeconds: number,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async resolve(subject: TokenSubject): Promise<AuthUser> {
    if (subject.kind === 'user_id') return { userId: subject.id, platformUserId: subject.id };
    const id = await this.tenantForEmail(subject.email);
    return { userId: id, platformUserId: platformUserIdOf(id) };
  }

  private async tenantForEmail(email: string): Promise<number> {
    const now = this.clock.now().getTime();
    const hit = this.cache.get(email);
    if (hit && hit.until > now) return hit.id;
    // One lookup per email at a time: a page opening with ten parallel calls asks the gateway once.
    let pending = this.inFlight.get(email);
    if (!pending) {
      pending = (this.gatewayUrl ? this.askGateway(email) : this.localTenant(email)).finally(() => this.inFlight.delete(email));
      this.inFlight.set(email, pending);
    }
    const id = await pending;
    // Local tenants never change; platform ids are re-asked after the TTL (an account may be re-created).
    this.cache.set(email, { id, until: this.gatewayUrl ? now + this.cacheSeconds * 1000 : Number.POSITIVE_INFINITY });
    return id;
  }

  private async askGateway(email: string): Promise<number> {
    const url = new URL('/internal/users/by-email', this.gatewayUrl);
    url.searchParams.set('email', email);
    let res: Response;
    try {
      res = await this.fetchImpl(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(GATEWAY_TIMEOUT_MS) });
    } catch (err) {
      throw gatewayDown(`could not be reached: ${(err as Error).message}`);
    }
    if (res.status === 404) {
      await res.body?.cancel();
      throw new AppError(401, 'PLATFORM_USER_UNKNOWN', 'The platform does not know the account this token was issued for; sign in to the platform again.');
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw gatewayDown(`answered HTTP ${res.status}`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw gatewayDown('answered something that is not JSON');
    }
    const id = (body as { id?: unknown } | null)?.id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0 || id >= LOCAL_TENANT_BASE) throw gatewayDown('answered without a valid user id');
    return id;
  }

  private async localTenant(email: string): Promise<number> {
    // An upsert that returns the id whether this call or an earlier one (any process) created the row.
    const row = await sql<{ id: string | number }>`
      INSERT INTO local_tenants (subject) VALUES (${email})
      ON CONFLICT (subject) DO UPDATE SET subject = EXCLUDED.subject
      RETURNING id`.execute(this.db);
    return Number(row.rows[0]!.id);
  }
}

/** The platform user id for calls that act on the platform (Parsing Service); a local-only tenant is told why not. */
export function linkedPlatformUserId(tenantId: number): number {
  const id = platformUserIdOf(tenantId);
  if (id === null) {
    throw new AppError(
      409,
      'PLATFORM_ACCOUNT_NOT_LINKED',
      'This account is not linked to the content-factory platform, so it has no Parsing Service bases: sign in through the platform, or import a file instead.',
    );
  }
  return id;
}
