import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.js';

/**
 * Routes that cost far more than a read (file parsing, remote calls to Telegram or the Parsing Service): they
 * count against the stricter per-user budget as well as the general one. Matched on the route's pattern.
 */
export const EXPENSIVE_ROUTES: RegExp[] = [
  /\/import\/(file|parsing|validate)$/, // imports and validation of whole files/bases
  /\/import\/parsing\/bases/, // asks the Parsing Service
  /\/do-not-contact\/file$/, // a file read like an import
  /\/groups\/check$/, // the admin check asks Telegram about every account
  /\/tasks\/check-admin-rights$/, // the same admin check, as the platform's Mailing page calls it (src/compat/mailing-page)
  /\/parsing-tasks$/, // the Mailing page's list of Parsing Service bases
  /\/accounts\/:id\/check$/, // asks Telegram who the session is
  /\/tasks\/:id\/test-invite$/, // one real platform action
  /\/tasks\/:id\/report(\/jobs)?$/, // the whole audience as CSV
];

interface Window {
  start: number;
  count: number;
}

/**
 * A fixed one-minute window per (user, budget), kept in this process's memory: a user's budget is per API process
 * (several API processes behind a balancer each allow the full budget). Keyed by the authenticated user id, so it
 * runs after the auth hook.
 */
export class UserRateLimiter {
  private readonly windows = new Map<string, Window>();
  private lastSweep = 0;

  constructor(
    private readonly perMinute: number,
    private readonly expensivePerMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request; returns the seconds to wait when a budget is spent, else 0. */
  take(userId: number, expensive: boolean): { retryAfter: number; limit: number; budget: 'general' | 'expensive' } | null {
    const t = this.now();
    this.sweep(t);
    const general = this.hit(`g:${userId}`, t, this.perMinute);
    if (general) return { retryAfter: general, limit: this.perMinute, budget: 'general' };
    if (expensive) {
      const costly = this.hit(`e:${userId}`, t, this.expensivePerMinute);
      if (costly) return { retryAfter: costly, limit: this.expensivePerMinute, budget: 'expensive' };
    }
    return null;
  }

  private hit(key: string, t: number, max: number): number {
    let w = this.windows.get(key);
    if (!w || t - w.start >= 60_000) {
      w = { start: t, count: 0 };
      this.windows.set(key, w);
    }
    if (w.count >= max) return Math.max(1, Math.ceil((w.start + 60_000 - t) / 1000));
    w.count++;
    return 0;
  }

  private sweep(t: number) {
    if (t - this.lastSweep < 60_000) return;
    this.lastSweep = t;
    for (const [k, w] of this.windows) if (t - w.start >= 60_000) this.windows.delete(k);
  }

  /** An onRequest hook for the authenticated scope (registered after the auth hook). */
  hook() {
    return async (req: FastifyRequest, reply: FastifyReply) => {
      const route = req.routeOptions.url ?? '';
      const denied = this.take(
        req.user.userId,
        EXPENSIVE_ROUTES.some((r) => r.test(route)),
      );
      if (!denied) return;
      reply.header('retry-after', String(denied.retryAfter));
      throw new AppError(
        429,
        'RATE_LIMITED',
        denied.budget === 'expensive'
          ? `You have made ${denied.limit} imports, checks or reports in the last minute, the most allowed; try again in ${denied.retryAfter} s.`
          : `You have made ${denied.limit} requests in the last minute, the most allowed; try again in ${denied.retryAfter} s.`,
        { retry_after: denied.retryAfter },
        {
          key: denied.budget === 'expensive' ? 'RATE_LIMITED.expensive' : 'RATE_LIMITED.requests',
          params: { limit: denied.limit, retry_after: denied.retryAfter },
        },
      );
    };
  }
}
