import type net from 'node:net';
import { listenOnLoopback } from './loopback-sockets.js';

/** What the test proxies (test/socks5-proxy.ts, test/http-connect-proxy.ts) show the tests that use them. */
export interface TestProxy {
  host: string;
  port: number;
  /** Every CONNECT the proxy relayed, in order: the destination it was asked for and the user it authenticated (undefined without auth). */
  readonly connections: Array<{ host: string; port: number; username?: string }>;
  /** Requests it refused (a wrong login among them), for assertions. */
  readonly refusals: number;
  /** Closes the server and destroys every open client and upstream socket. */
  close(): Promise<void>;
}

/** The login a test proxy asks for; none: it asks for none. */
export interface TestProxyLogin {
  username?: string;
  password?: string;
}

/** A test proxy's server listening on 127.0.0.1, as the tests see it. `refusals` reads the server's own count. */
export async function serveTestProxy(
  server: net.Server,
  sockets: Set<net.Socket>,
  connections: TestProxy['connections'],
  refusals: () => number,
): Promise<TestProxy> {
  const { port, close } = await listenOnLoopback(server, sockets);
  return {
    host: '127.0.0.1',
    port,
    connections,
    get refusals() {
      return refusals();
    },
    close,
  };
}
