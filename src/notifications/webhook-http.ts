import { createHmac } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * The webhook's HTTP side: the SSRF guard (only http(s), never a private, loopback or otherwise internal address
 * unless the deployment allows it), the signature, and one POST with a timeout that follows no redirect.
 *
 * The guard resolves the host once and the request connects to exactly the address that was checked (a custom
 * `lookup`), so a DNS answer that changes between the check and the connection cannot slip an internal address in.
 */

/** Addresses a webhook may not reach: this host, private networks, link-local (cloud metadata), CGNAT, multicast, reserved. */
const INTERNAL = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  INTERNAL.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  INTERNAL.addSubnet(net, prefix, 'ipv6');

/** Is `ip` an address a webhook must not reach? IPv4-mapped IPv6 (::ffff:127.0.0.1) is judged as the IPv4 it maps. */
export function isInternalAddress(ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped) return INTERNAL.check(mapped, 'ipv4');
  const family = isIP(ip);
  if (family === 4) return INTERNAL.check(ip, 'ipv4');
  if (family === 6) return INTERNAL.check(ip, 'ipv6');
  return true;
}

/** Why a URL may not be used, as a message code with params (src/shared/messages.ts, WEBHOOK.*). */
export interface UrlRefusal {
  code: 'WEBHOOK.invalid_url' | 'WEBHOOK.private_address' | 'WEBHOOK.unresolvable';
  params: Record<string, string>;
}

/** The parsed URL, or why it is refused before any network is used (scheme, credentials, shape). */
export function parseWebhookUrl(raw: string): URL | UrlRefusal {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { code: 'WEBHOOK.invalid_url', params: {} };
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || url.username || url.password) {
    return { code: 'WEBHOOK.invalid_url', params: {} };
  }
  return url;
}

/** The address to connect to for `url`, or why it is refused (an internal address without `allowInternal`, no DNS answer). */
export async function resolveWebhookTarget(url: URL, allowInternal: boolean): Promise<{ address: string; family: 4 | 6 } | UrlRefusal> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      return { code: 'WEBHOOK.unresolvable', params: { host } };
    }
  }
  if (!addresses.length) return { code: 'WEBHOOK.unresolvable', params: { host } };
  // Every answer must be acceptable: a name that resolves to one public and one internal address is refused.
  const internal = addresses.find((a) => isInternalAddress(a.address));
  if (internal && !allowInternal) return { code: 'WEBHOOK.private_address', params: { address: internal.address } };
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

export const isRefusal = (x: unknown): x is UrlRefusal => typeof x === 'object' && x !== null && 'code' in x && 'params' in x;

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, the X-Invite-Signature header. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

type NetworkReason = 'WEBHOOK.network' | 'WEBHOOK.refused' | 'WEBHOOK.no_host' | 'WEBHOOK.tls' | 'WEBHOOK.reset';

/** A socket error's code (ECONNREFUSED, ERR_TLS_CERT_ALTNAME_INVALID…) as what a person can act on; the code stays beside it. */
function networkReason(code: string): NetworkReason {
  if (code === 'ECONNREFUSED') return 'WEBHOOK.refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'WEBHOOK.no_host';
  if (/^ERR_TLS_|CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code)) return 'WEBHOOK.tls';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'WEBHOOK.reset';
  return 'WEBHOOK.network';
}

export type PostResult =
  | { ok: true; status: number }
  | {
      ok: false;
      status: number | null;
      retry: boolean;
      code: 'WEBHOOK.http_status' | 'WEBHOOK.redirect' | 'WEBHOOK.timeout' | NetworkReason;
      params: Record<string, string | number>;
    }
  | ({ ok: false; status: null; retry: false } & UrlRefusal);

/** The receiver's reply is not read beyond this: it only has to say 2xx. */
const MAX_REPLY_BYTES = 64 * 1024;

/**
 * One signed POST. 2xx is delivered; a redirect is not followed (the receiver must give its final URL); 5xx, 408,
 * 429, timeouts and network errors are worth retrying; any other 4xx is the receiver refusing, so it is not.
 */
export async function postWebhook(opts: {
  url: string;
  body: string;
  secret: string;
  timestamp: string;
  timeoutMs: number;
  allowInternal: boolean;
}): Promise<PostResult> {
  const url = parseWebhookUrl(opts.url);
  if (isRefusal(url)) return { ok: false, status: null, retry: false, ...url };
  const target = await resolveWebhookTarget(url, opts.allowInternal);
  if (isRefusal(target)) return { ok: false, status: null, retry: false, ...target };
  const pinned: LookupFunction = (_host, options, cb) => {
    if ((options as { all?: boolean }).all) (cb as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [target]);
    else cb(null, target.address, target.family);
  };
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(opts.body)),
    'user-agent': 'InviteOrchestrator-Webhook/1',
    'x-invite-timestamp': opts.timestamp,
    'x-invite-signature': signWebhook(opts.secret, opts.timestamp, opts.body),
  };
  const seconds = Math.round(opts.timeoutMs / 1000);
  return new Promise<PostResult>((resolve) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, { method: 'POST', headers, lookup: pinned, timeout: opts.timeoutMs, agent: false }, (res) => {
      const status = res.statusCode ?? 0;
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_REPLY_BYTES) res.destroy();
      });
      const done = () => {
        clearTimeout(overall);
        if (status >= 200 && status < 300) resolve({ ok: true, status });
        else if (status >= 300 && status < 400) resolve({ ok: false, status, retry: false, code: 'WEBHOOK.redirect', params: { status } });
        else resolve({ ok: false, status, retry: status >= 500 || status === 408 || status === 429, code: 'WEBHOOK.http_status', params: { status } });
      };
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    // `timeout` is idle time on the socket; this bounds the whole exchange, however slowly the receiver trickles.
    const overall = setTimeout(() => req.destroy(new TimeoutError()), opts.timeoutMs);
    req.on('timeout', () => req.destroy(new TimeoutError()));
    req.on('error', (err) => {
      clearTimeout(overall);
      if (err instanceof TimeoutError) resolve({ ok: false, status: null, retry: true, code: 'WEBHOOK.timeout', params: { seconds } });
      else {
        const detail = (err as NodeJS.ErrnoException).code ?? err.message;
        resolve({ ok: false, status: null, retry: true, code: networkReason(detail), params: { detail } });
      }
    });
    req.end(opts.body);
  });
}

class TimeoutError extends Error {
  constructor() {
    super('webhook timed out');
  }
}
