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
  app.addHook('onRequest', async (req) => {
    req.lang = langFromHeader(req.headers['accept-language']);
    req.timeZone = validTimeZone(req.headers['x-time-zone']);
  });
}
