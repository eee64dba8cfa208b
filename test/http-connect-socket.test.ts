import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpProxyRefusal, openTunnel } from '../src/platform/telegram/http-connect-socket.js';
import { startHttpConnectProxy, type HttpConnectProxy } from './http-connect-proxy.js';
import { startSocks5Proxy, type Socks5Proxy } from './socks5-proxy.js';
import { closedPort, startEcho } from './helpers/loopback-sockets.js';

/**
 * The CONNECT tunnel an account's HTTP proxy gives (the GramJS side is test/telegram-proxy.test.ts): over real sockets,
 * through the test HTTP proxy and through servers that answer the way a wrong guess at a proxy's kind does.
 */

const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A TCP server on 127.0.0.1 running `onSocket` for each client; its port. */
async function server(onSocket: (socket: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  closers.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => s.close(resolve));
  });
  return (s.address() as net.AddressInfo).port;
}

const echo = async () => {
  const e = await startEcho();
  closers.push(() => e.close());
  return e.port;
};
const firstBytes = (socket: net.Socket, n: number) =>
  new Promise<string>((resolve) => {
    let got = '';
    socket.on('data', (chunk: Buffer) => {
      got += chunk.toString();
      if (got.length >= n) resolve(got);
    });
  });

describe('an HTTP proxy’s CONNECT tunnel', () => {
  it('reaches the destination through the proxy with its login, and carries bytes both ways', async () => {
    const proxy: HttpConnectProxy = await startHttpConnectProxy({ username: 'olga', password: 'q:1' });
    closers.push(() => proxy.close());
    const port = await echo();
    const socket = await openTunnel({ kind: 'http', host: '127.0.0.1', port: proxy.port, username: 'olga', password: 'q:1' }, '127.0.0.1', port);
    closers.push(() => socket.destroy());
    const back = firstBytes(socket, 5);
    socket.resume();
    socket.write('hello');
    expect(await back).toBe('hello');
    expect(proxy.connections).toEqual([{ host: '127.0.0.1', port, username: 'olga' }]);
  });

  it('keeps what the destination said in the same packet as the proxy’s answer', async () => {
    // A proxy that answers and relays the destination's first bytes in one write, as a busy proxy may.
    const port = await server((socket) => socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nVia: test\r\n\r\nfirst bytes')));
    const socket = await openTunnel({ kind: 'http', host: '127.0.0.1', port }, 'example.org', 443);
    closers.push(() => socket.destroy());
    const back = firstBytes(socket, 'first bytes'.length);
    socket.resume();
    expect(await back).toBe('first bytes');
  });

  it('refuses at once what is not a working HTTP proxy: a wrong login, a SOCKS5 proxy, a closed port, silence', async () => {
    const proxy = await startHttpConnectProxy({ username: 'olga', password: 'right' });
    const socks: Socks5Proxy = await startSocks5Proxy();
    closers.push(
      () => proxy.close(),
      () => socks.close(),
    );
    const target = await echo();
    const tunnel = (port: number, extra: object = {}, timeoutMs?: number) =>
      openTunnel({ kind: 'http', host: '127.0.0.1', port, ...extra }, '127.0.0.1', target, timeoutMs);
    await expect(tunnel(proxy.port, { username: 'olga', password: 'wrong' })).rejects.toThrow(/refused CONNECT: HTTP\/1\.1 407/);
    await expect(tunnel(socks.port)).rejects.toBeInstanceOf(HttpProxyRefusal);
    const closed = await server((socket) => socket.destroy());
    await expect(tunnel(closed)).rejects.toThrow(/closed the connection before answering/);
    const silent = await server(() => undefined);
    await expect(tunnel(silent, {}, 300)).rejects.toThrow(/did not answer within 0.3 s/);
    await expect(tunnel(await closedPort())).rejects.toThrow(/ECONNREFUSED/);
  });
});
