import net from 'node:net';
import { SocksClient } from 'socks';
import { afterEach, describe, expect, it } from 'vitest';
import { type Socks5Proxy, startSocks5Proxy } from './socks5-proxy.js';
import { readBytes, startEcho } from './helpers/loopback-sockets.js';

/** Self-check of the test SOCKS5 proxy over real sockets on 127.0.0.1. */

let proxy: Socks5Proxy | undefined;
let echo: { port: number; close(): Promise<void> } | undefined;
const clients: net.Socket[] = [];

afterEach(async () => {
  for (const socket of clients.splice(0)) socket.destroy();
  await proxy?.close();
  proxy = undefined;
  await echo?.close();
  echo = undefined;
});

/** The echo server of this test (closed after it): its port. */
async function echoServer(): Promise<number> {
  echo = await startEcho();
  return echo.port;
}

async function roundTrip(socket: net.Socket, text: string): Promise<string> {
  const back = readBytes(socket, Buffer.byteLength(text));
  socket.write(text);
  return (await back).toString();
}

describe('test SOCKS5 proxy', () => {
  it('relays a CONNECT after username/password auth and records it', async () => {
    const echoPort = await echoServer();
    proxy = await startSocks5Proxy({ username: 'u', password: 'p' });
    const { socket } = await SocksClient.createConnection({
      proxy: { host: proxy.host, port: proxy.port, type: 5, userId: 'u', password: 'p' },
      command: 'connect',
      destination: { host: '127.0.0.1', port: echoPort },
    });
    clients.push(socket);
    expect(await roundTrip(socket, 'hello through socks')).toBe('hello through socks');
    expect(proxy.connections).toEqual([{ host: '127.0.0.1', port: echoPort, username: 'u' }]);
    expect(proxy.refusals).toBe(0);
  });

  it('refuses a wrong password', async () => {
    const echoPort = await echoServer();
    proxy = await startSocks5Proxy({ username: 'u', password: 'p' });
    await expect(
      SocksClient.createConnection({
        proxy: { host: proxy.host, port: proxy.port, type: 5, userId: 'u', password: 'wrong' },
        command: 'connect',
        destination: { host: '127.0.0.1', port: echoPort },
        timeout: 5_000,
      }),
    ).rejects.toThrow();
    expect(proxy.refusals).toBe(1);
    expect(proxy.connections).toEqual([]);
  });

  it('relays without auth when none is configured', async () => {
    const echoPort = await echoServer();
    proxy = await startSocks5Proxy();
    const { socket } = await SocksClient.createConnection({
      proxy: { host: proxy.host, port: proxy.port, type: 5 },
      command: 'connect',
      destination: { host: '127.0.0.1', port: echoPort },
    });
    clients.push(socket);
    expect(await roundTrip(socket, 'no auth')).toBe('no auth');
    expect(proxy.connections).toEqual([{ host: '127.0.0.1', port: echoPort }]);
  });

  it('handles messages split byte by byte, and merged with early payload in one chunk', async () => {
    const echoPort = await echoServer();
    proxy = await startSocks5Proxy({ username: 'u', password: 'p' });
    const greeting = [0x05, 0x01, 0x02];
    const auth = [0x01, 0x01, ...Buffer.from('u'), 0x01, ...Buffer.from('p')];
    const request = [0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, echoPort >> 8, echoPort & 0xff];
    const replies = 2 + 2 + 10;

    // Split: one byte per write, with a pause so each arrives as its own 'data' event.
    const split = net.connect({ host: proxy.host, port: proxy.port, noDelay: true });
    clients.push(split);
    await new Promise((resolve) => split.once('connect', resolve));
    const splitReplies = readBytes(split, replies);
    for (const byte of [...greeting, ...auth, ...request]) {
      split.write(Buffer.from([byte]));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const got = await splitReplies;
    expect([...got.subarray(0, 4)]).toEqual([0x05, 0x02, 0x01, 0x00]);
    expect([...got.subarray(4, 6)]).toEqual([0x05, 0x00]);
    expect(await roundTrip(split, 'after split')).toBe('after split');

    // Merged: greeting, auth, request and the first payload bytes in a single write.
    const merged = net.connect({ host: proxy.host, port: proxy.port });
    clients.push(merged);
    const all = readBytes(merged, replies + 5);
    merged.write(Buffer.from([...greeting, ...auth, ...request, ...Buffer.from('early')]));
    expect((await all).subarray(replies).toString()).toBe('early');

    expect(proxy.connections).toEqual([
      { host: '127.0.0.1', port: echoPort, username: 'u' },
      { host: '127.0.0.1', port: echoPort, username: 'u' },
    ]);
  });
});
