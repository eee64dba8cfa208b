import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * The Account Manager's hot state: when each account is next due, and who holds it right now.
 * It is only ever an accelerator: PostgreSQL stays the source of truth, every answer from here is
 * re-checked there, and when Redis is absent, down or emptied by a restart, callers fall back to
 * PostgreSQL (null answers) and the state is rebuilt from it.
 */
export interface AccountHotState {
  /** Accounts due by `now` (candidates only), or null when the hot state cannot answer. */
  dueAccounts(now: Date, limit: number): Promise<number[] | null>;
  /** When the account is next due; null removes it (retired, disabled or deleted). */
  setDue(accountId: number, at: Date | null): Promise<void>;
  /** Replaces the whole due set from the source of truth. */
  rebuild(entries: Array<{ id: number; at: Date | null }>): Promise<void>;
  /** true: taken here; false: someone else holds it; null: unknown (decide in PostgreSQL). */
  tryLease(accountId: number, leaseId: string, now: Date, expiresAt: Date): Promise<boolean | null>;
  releaseLease(accountId: number, leaseId: string): Promise<void>;
  readonly enabled: boolean;
  close(): Promise<void>;
}

export const noHotState: AccountHotState = {
  enabled: false,
  dueAccounts: async () => null,
  setDue: async () => {},
  rebuild: async () => {},
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

  private get dueKey() {
    return `${this.prefix}accounts:due`;
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

  async dueAccounts(now: Date, limit: number): Promise<number[] | null> {
    try {
      if (!(await this.redis.exists(this.dueKey))) return null; // empty after a restart: let PostgreSQL answer until rebuilt
      const ids = await this.redis.zrangebyscore(this.dueKey, '-inf', now.getTime(), 'LIMIT', 0, limit);
      return ids.map(Number);
    } catch (err) {
      return this.degraded(err);
    }
  }

  async setDue(accountId: number, at: Date | null): Promise<void> {
    try {
      if (at === null) await this.redis.zrem(this.dueKey, String(accountId));
      else if (await this.redis.exists(this.dueKey)) await this.redis.zadd(this.dueKey, at.getTime(), String(accountId));
      // With no due set yet, a single entry would hide all the others: the next rebuild adds it.
    } catch (err) {
      this.degraded(err);
    }
  }

  async rebuild(entries: Array<{ id: number; at: Date | null }>): Promise<void> {
    try {
      const tmp = `${this.dueKey}:building`;
      const multi = this.redis.multi().del(tmp);
      const live = entries.filter((e) => e.at !== null);
      // A sentinel member keeps the key present even when no account is due-able.
      multi.zadd(tmp, Number.MAX_SAFE_INTEGER, '__sentinel__');
      for (const e of live) multi.zadd(tmp, e.at!.getTime(), String(e.id));
      multi.rename(tmp, this.dueKey);
      await multi.exec();
    } catch (err) {
      this.degraded(err);
    }
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
