import net from 'node:net';
import { authority } from './http-connect-socket.js';
import type { AccountProxy } from './telegram-proxy.js';

/**
 * A proxy typed without its kind — `host:port`, or a shop's `host:port:login:password` — is SOCKS5 unless it answers
 * as an HTTP proxy. Shops sell both kinds on such lines and people paste them as given; a SOCKS5 handshake sent to an
 * HTTP proxy goes unanswered (the proxy waits for the rest of a request line), so a wrong guess cost the person the
 * login step's whole time limit (30 s) and a sentence about a proxy that works. An HTTP request is answered at once by
 * an HTTP proxy, and closed at once by a SOCKS server (its first byte is not a SOCKS version).
 */

/** How long a proxy has to answer the question; silence keeps the SOCKS5 guess. */
const PROBE_TIMEOUT_MS = 3_000;

/** Whether `host:port` answers an HTTP request with an HTTP status line (any status: 400, 405, 407 all say "HTTP"). */
export function answersHttp(host: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    let got = Buffer.alloc(0);
    const done = (http: boolean) => {
      socket.destroy();
      resolve(http);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
    socket.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 5) done(got.subarray(0, 5).toString('latin1') === 'HTTP/');
    });
    // A request no proxy forwards anywhere: the server itself, asked what it allows.
    socket.once('connect', () => socket.write(`OPTIONS * HTTP/1.1\r\nHost: ${authority(host, port)}\r\n\r\n`));
  });
}

/** The proxy with its kind settled: as typed when it was typed, else SOCKS5 or, if it answers so, HTTP. */
export async function settleProxyKind(p: AccountProxy, timeoutMs = PROBE_TIMEOUT_MS): Promise<AccountProxy> {
  if (!p.kindGuessed) return p;
  const { kindGuessed: _, ...proxy } = p;
  return (await answersHttp(p.host, p.port, timeoutMs)) ? { ...proxy, kind: 'http' } : proxy;
}
