import net from 'node:net';
import { relay, socketTracker } from './helpers/loopback-sockets.js';
import { serveTestProxy, type TestProxy, type TestProxyLogin } from './helpers/test-proxy.js';

/**
 * A minimal HTTP forward proxy for tests (RFC 9110 §9.3.6, CONNECT only, plus optional Basic auth via
 * Proxy-Authorization, RFC 7617) on 127.0.0.1.
 * It records what it relayed and what it refused, so tests can assert that traffic really went through it.
 */

/** Refusals: wrong or missing credentials → 407, a method other than CONNECT → 405, a malformed request → 400, destination unreachable → 502. */
export type HttpConnectProxy = TestProxy;
export type HttpConnectProxyOptions = TestProxyLogin;

/** The request head (request line and header fields, up to and including the blank line) may not be longer than this. */
const MAX_HEAD_BYTES = 16 * 1024;
const HEAD_END = '\r\n\r\n';

const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n';
const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n';
const METHOD_NOT_ALLOWED = 'HTTP/1.1 405 Method Not Allowed\r\nAllow: CONNECT\r\nContent-Length: 0\r\n\r\n';
const AUTH_REQUIRED = 'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n';
const BAD_GATEWAY = 'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n';

/** `host:port` or `[ipv6]:port` as a CONNECT request target; undefined when malformed. The host comes back without brackets. */
function parseAuthority(target: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(target);
  if (!match) return undefined;
  const [, v6, name, digits] = match;
  const port = Number(digits);
  if (port < 1 || port > 65535) return undefined;
  if (v6 !== undefined) return net.isIPv6(v6) ? { host: v6, port } : undefined;
  return /^[A-Za-z0-9.-]+$/.test(name) ? { host: name, port } : undefined;
}

/** The user named by a `Basic base64(user:password)` credential when it matches the configured one; undefined otherwise. */
function authenticate(credentials: string | undefined, opts: HttpConnectProxyOptions): string | undefined {
  const match = /^Basic[ \t]+([A-Za-z0-9+/]+=*)[ \t]*$/i.exec(credentials ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  return user === opts.username && password === (opts.password ?? '') ? user : undefined;
}

export async function startHttpConnectProxy(opts: HttpConnectProxyOptions = {}): Promise<HttpConnectProxy> {
  const connections: Array<{ host: string; port: number; username?: string }> = [];
  let refusals = 0;
  const { sockets, track } = socketTracker();

  const server = net.createServer((client) => {
    track(client);
    let buf = Buffer.alloc(0);
    let stage: 'head' | 'connecting' | 'done' = 'head';
    let upstream: net.Socket | undefined;
    client.on('close', () => upstream?.destroy());

    /** Refuses and closes; nothing more is read from this client. */
    const refuse = (answer: string) => {
      refusals++;
      stage = 'done';
      buf = Buffer.alloc(0);
      client.end(answer);
    };

    /** Acts on a complete request head (without its blank line); `buf` already holds only what followed it. */
    const handle = (head: string) => {
      const [requestLine, ...fieldLines] = head.split('\r\n');
      const request = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/1\.[01]$/.exec(requestLine);
      const fields = new Map<string, string>();
      for (const line of fieldLines) {
        const colon = line.indexOf(':');
        if (colon <= 0) return refuse(BAD_REQUEST);
        const name = line.slice(0, colon).toLowerCase();
        if (!fields.has(name)) fields.set(name, line.slice(colon + 1).trim());
      }
      if (!request) return refuse(BAD_REQUEST);
      if (request[1] !== 'CONNECT') return refuse(METHOD_NOT_ALLOWED);
      const destination = parseAuthority(request[2]);
      if (!destination) return refuse(BAD_REQUEST);
      let username: string | undefined;
      if (opts.username !== undefined) {
        username = authenticate(fields.get('proxy-authorization'), opts);
        if (username === undefined) return refuse(AUTH_REQUIRED);
      }
      connect(destination.host, destination.port, username);
    };

    /** Opens the upstream; bytes the client sends meanwhile keep collecting in `buf`. */
    const connect = (host: string, port: number, username: string | undefined) => {
      stage = 'connecting';
      const up = track(net.connect({ host, port }));
      upstream = up;
      let connected = false;
      up.once('error', () => {
        if (connected) return; // once relaying, 'close' tears the pair down
        refuse(BAD_GATEWAY);
      });
      up.once('connect', () => {
        connected = true;
        stage = 'done';
        connections.push(username === undefined ? { host, port } : { host, port, username });
        client.write(ESTABLISHED);
        // Relay: anything that came with or after the request head goes first.
        client.off('data', onData);
        relay(client, up, buf);
        buf = Buffer.alloc(0);
      });
    };

    // TCP may split or merge the head: buffer until the blank line, keeping whatever follows it.
    const onData = (chunk: Buffer) => {
      if (stage === 'done') return;
      buf = Buffer.concat([buf, chunk]);
      if (stage !== 'head') return;
      const end = buf.indexOf(HEAD_END);
      if (end < 0 ? buf.length > MAX_HEAD_BYTES : end + HEAD_END.length > MAX_HEAD_BYTES) return refuse(BAD_REQUEST);
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      buf = buf.subarray(end + HEAD_END.length);
      handle(head);
    };
    client.on('data', onData);
  });

  return serveTestProxy(server, sockets, connections, () => refusals);
}
