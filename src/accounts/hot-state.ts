import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * The Account Manager's hot state: who holds each account right now (a fast lease check in front of the
 * lease row). It is only ever an accelerator: PostgreSQL stays the source of truth, a "free" or unknown answer
 * is decided by the lease row, and when Redis is absent, down or emptied by a restart, callers fall back to
 * PostgreSQL (null answers). Nothing needs rebuilding: a lease key lives no longer than its lease.
 *
 * Why there is no "when is each account next due" set here any more (issue 13): it was strictly slower than
 * PostgreSQL on the decision path. Every candidate it named had to be confirmed in PostgreSQL anyway (leases,
 * running tasks and limits live there), and that confirming query costs what migration 8's `accounts_due` index
 * costs to answer the question outright (under a millisecond at 10,000 accounts); on top came the Redis round
 * trips to read it, to push back candidates PostgreSQL did not confirm, to copy every due-time change into it, and a
 * rebuild that read every account each housekeeping round. At 10,000 accounts that made the decision p99 about
 * twice PostgreSQL's (105 vs 38 ms). So PostgreSQL's index orders the candidates, and Redis keeps the lease fast
 * path, which answers "taken" for an account another worker just leased without a PostgreSQL write.
 */
export interface AccountHotState {
  /** true: taken here; false: someone else holds it; null: unknown (decide in PostgreSQL). */
  tryLease(accountId: number, leaseId: string, now: Date, expiresAt: Date): Promise<boolean | null>;
  releaseLease(accountId: number, leaseId: string): Promise<void>;
  readonly enabled: boolean;
  close(): Promise<void>;
}

export const noHotState: AccountHotState = {
  enabled: false,
  tryLease: async () => null,
  releaseLease: async () => {},
  close: async () => {},
};

// Lease values are "<leaseId>|<expiresAtMs>". Expiry is judged on the engine's clock (passed in), which may be
// virtual; the key's Redis TTL only collects garbage. If the TTL fires early, Redis says "free" and the
// PostgreSQL lease row still decides.
const TRY_LEASE = `
local v = redis.call('get', KEYS[1])
if v then
  local sep = string.find(v, '|', 1, true)
  local exp = sep and tonumber(string.sub(v, sep + 1))
  if exp and exp > tonumber(ARGV[2]) then return 0 end
end
redis.call('set', KEYS[1], ARGV[1] .. '|' .. ARGV[3], 'PX', ARGV[4])
return 1`;
const RELEASE_IF_OWNER = `
local v = redis.call('get', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '|' then return redis.call('del', KEYS[1]) end
return 0`;

export class RedisHotState implements AccountHotState {
  readonly enabled = true;
  private readonly redis: Redis;
  private warned = false;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly logger?: Logger,
  ) {
    // Fail fast instead of queueing while Redis is away: the caller then uses PostgreSQL.
    this.redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1000, lazyConnect: false });
    this.redis.on('error', (err) => this.degraded(err));
    this.redis.on('ready', () => {
      this.warned = false;
    });
  }

  private leaseKey(id: number) {
    return `${this.prefix}lease:${id}`;
  }

  private degraded(err: unknown): null {
    if (!this.warned) {
      this.warned = true;
      this.logger?.warn({ err: (err as Error)?.message }, 'Redis hot state unavailable; using PostgreSQL only until it is back');
    }
    return null;
  }

  async tryLease(accountId: number, leaseId: string, now: Date, expiresAt: Date): Promise<boolean | null> {
    try {
      const ttlMs = Math.max(1000, expiresAt.getTime() - now.getTime());
      return (await this.redis.eval(TRY_LEASE, 1, this.leaseKey(accountId), leaseId, now.getTime(), expiresAt.getTime(), ttlMs)) === 1;
    } catch (err) {
      return this.degraded(err);
    }
  }

  async releaseLease(accountId: number, leaseId: string): Promise<void> {
    try {
      await this.redis.eval(RELEASE_IF_OWNER, 1, this.leaseKey(accountId), leaseId);
    } catch (err) {
      this.degraded(err);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
