import Fastify, { type FastifyInstance } from 'fastify';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';

export const HELMET_OPTIONS: FastifyHelmetOptions = {
  referrerPolicy: { policy: 'no-referrer' },
  // Self-hosters often serve plain HTTP on a LAN address; upgrading its asset requests to HTTPS would blank the UI.
  contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
};

/** Headers Fastify itself writes on any answer: not helmet's. */
const OWN_HEADERS = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

/**
 * The headers @fastify/helmet sets for `options`, found once by asking the plugin itself (a throw-away Fastify
 * instance answers one request with it registered).
 */
export async function helmetHeaders(options: FastifyHelmetOptions): Promise<Record<string, string>> {
  const probe = Fastify();
  await probe.register(helmet, options);
  probe.get('/', async () => 'ok');
  const res = await probe.inject({ method: 'GET', url: '/' });
  await probe.close();
  return Object.fromEntries(
    Object.entries(res.headers)
      .filter(([name]) => !OWN_HEADERS.has(name))
      .map(([name, value]) => [name, String(value)]),
  );
}

/**
 * Helmet's security headers on every answer, computed once at start-up. Why not @fastify/helmet directly: it builds
 * helmet's whole middleware chain (parsing the CSP directives again) on every request, through two hooks — about 5 %
 * of a status poll's CPU. Our options are static (no per-request nonces), so every answer gets the same headers; the
 * test compares them with the plugin's own answer.
 */
export async function installSecurityHeaders(app: FastifyInstance, options: FastifyHelmetOptions = HELMET_OPTIONS): Promise<void> {
  if (options.enableCSPNonces) throw new Error('per-request CSP nonces need @fastify/helmet registered itself');
  const headers = await helmetHeaders(options);
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(headers);
    done();
  });
}
