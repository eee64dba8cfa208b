import type { FastifyInstance } from 'fastify';
import { langFromHeader, validTimeZone, type Lang } from '../shared/messages.js';

// Every request knows the language it asked for (Accept-Language: ru | en; the web UI always sends its own)
// and, when the UI says so (X-Time-Zone), the user's time zone.
declare module 'fastify' {
  interface FastifyRequest {
    lang: Lang;
    timeZone: string | null;
  }
}

export function installRequestLang(app: FastifyInstance): void {
  app.decorateRequest('lang', 'en' as Lang);
  app.decorateRequest('timeZone', null);
  // A callback hook over memoised answers: a polling UI sends the same two headers on every call, and checking a
  // time zone builds an Intl.DateTimeFormat (tens of microseconds).
  const langs = new BoundedMemo<string | string[] | undefined, Lang>(langFromHeader);
  const zones = new BoundedMemo<unknown, string | null>(validTimeZone);
  app.addHook('onRequest', (req, _reply, done) => {
    req.lang = langs.get(req.headers['accept-language']);
    req.timeZone = zones.get(req.headers['x-time-zone']);
    done();
  });
}

/** A pure function's answers for up to `size` inputs (short strings and undefined; anything else is not kept). */
class BoundedMemo<K, V> {
  private readonly answers = new Map<K, V>();
  constructor(
    private readonly fn: (key: K) => V,
    private readonly size = 500,
  ) {}

  get(key: K): V {
    if (key !== undefined && (typeof key !== 'string' || key.length > 256)) return this.fn(key);
    const hit = this.answers.get(key);
    if (hit !== undefined || this.answers.has(key)) return hit as V;
    const value = this.fn(key);
    // Headers are the client's: when full, start over rather than grow.
    if (this.answers.size >= this.size) this.answers.clear();
    this.answers.set(key, value);
    return value;
  }
}
