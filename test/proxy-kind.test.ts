import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { settleProxyKind } from '../src/platform/telegram/proxy-kind.js';
import { parseProxy } from '../src/platform/telegram/telegram-proxy.js';
import { startHttpConnectProxy } from './http-connect-proxy.js';
import { startSocks5Proxy } from './socks5-proxy.js';
import { closedPort } from './helpers/loopback-sockets.js';

/**
 * A proxy pasted without its kind (a shop's `host:port:login:password`) is asked what it is, over real sockets: the
 * test HTTP proxy and the test SOCKS5 proxy, each with a login, and servers that say nothing.
 */

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe('a proxy typed without its kind', () => {
  it('is HTTP when it answers as one, and SOCKS5 otherwise; a kind that was typed is never asked', async () => {
    const http = await startHttpConnectProxy({ username: 'olga', password: 'q1w2' });
    const socks = await startSocks5Proxy({ username: 'ivan', password: 's3cret' });
    closers.push(
      () => http.close(),
      () => socks.close(),
    );
    expect(await settleProxyKind(parseProxy(`127.0.0.1:${http.port}:olga:q1w2`))).toEqual({
      kind: 'http',
      host: '127.0.0.1',
      port: http.port,
      username: 'olga',
      password: 'q1w2',
    });
    expect(await settleProxyKind(parseProxy(`127.0.0.1:${socks.port}:ivan:s3cret`))).toEqual({
      kind: 'socks5',
      host: '127.0.0.1',
      port: socks.port,
      username: 'ivan',
      password: 's3cret',
    });
    // Typed: kept as typed, whatever the proxy is (and nothing is asked: the HTTP proxy saw no request).
    const refusals = http.refusals;
    expect(await settleProxyKind(parseProxy(`socks5://127.0.0.1:${http.port}`))).toEqual({ kind: 'socks5', host: '127.0.0.1', port: http.port });
    expect(http.refusals).toBe(refusals);
  });

  it('stays SOCKS5 when the proxy is silent, closed or down', async () => {
    const silent = net.createServer((socket) => socket.on('error', () => undefined));
    const sockets = new Set<net.Socket>();
    silent.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    closers.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });
    const port = (silent.address() as net.AddressInfo).port;
    const started = Date.now();
    expect(await settleProxyKind(parseProxy(`127.0.0.1:${port}`), 300)).toEqual({ kind: 'socks5', host: '127.0.0.1', port });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const downPort = await closedPort();
    expect(await settleProxyKind(parseProxy(`127.0.0.1:${downPort}`))).toEqual({ kind: 'socks5', host: '127.0.0.1', port: downPort });
  });
});
