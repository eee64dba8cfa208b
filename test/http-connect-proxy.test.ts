import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type HttpConnectProxy, startHttpConnectProxy } from './http-connect-proxy.js';
import { closedPort, readBytes, startEcho } from './helpers/loopback-sockets.js';

/** Self-check of the test HTTP CONNECT proxy over real sockets on 127.0.0.1, with raw `net` sockets as the client. */

let proxy: HttpConnectProxy | undefined;
let echo: { port: number; close(): Promise<void> } | undefined;
const clients: net.Socket[] = [];

afterEach(async () => {
  for (const socket of clients.splice(0)) socket.destroy();
  await proxy?.close();
  proxy = undefined;
  await echo?.close();
  echo = undefined;
});

const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n';

/** The echo server of this test (closed after it): its port. */
async function echoServer(): Promise<number> {
  echo = await startEcho();
  return echo.port;
}

/** A raw client socket to the proxy, connected; destroyed after the test. */
async function dial(): Promise<net.Socket> {
  if (!proxy) throw new Error('no proxy');
  const socket = net.connect({ host: proxy.host, port: proxy.port });
  clients.push(socket);
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Everything the socket receives until the proxy closes it. */
function readToClose(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      got += chunk;
    });
    socket.once('close', () => resolve(got));
  });
}

/** Sends one raw request and returns the proxy's whole answer (it closes after refusing). */
async function refusedWith(request: string): Promise<string> {
  const socket = await dial();
  const answer = readToClose(socket);
  socket.write(request);
  return answer;
}

async function roundTrip(socket: net.Socket, text: string): Promise<string> {
  const back = readBytes(socket, Buffer.byteLength(text));
  socket.write(text);
  return (await back).toString();
}

describe('test HTTP CONNECT proxy', () => {
  it('relays a CONNECT with Basic credentials and records it', async () => {
    const echoPort = await echoServer();
    proxy = await startHttpConnectProxy({ username: 'u', password: 'p' });
    const socket = await dial();
    const established = readBytes(socket, ESTABLISHED.length);
    socket.write(`CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\nHost: 127.0.0.1:${echoPort}\r\nProxy-Authorization: ${basic('u', 'p')}\r\n\r\n`);
    expect((await established).toString()).toBe(ESTABLISHED);
    expect(await roundTrip(socket, 'hello through connect')).toBe('hello through connect');
    expect(proxy.connections).toEqual([{ host: '127.0.0.1', port: echoPort, username: 'u' }]);
    expect(proxy.refusals).toBe(0);
  });

  it('answers 407 to a wrong password and to missing credentials', async () => {
    const echoPort = await echoServer();
    proxy = await startHttpConnectProxy({ username: 'u', password: 'p' });
    const wrong = await refusedWith(`CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\nProxy-Authorization: ${basic('u', 'wrong')}\r\n\r\n`);
    expect(wrong).toMatch(/^HTTP\/1\.1 407 /);
    expect(wrong).toContain('\r\nProxy-Authenticate: Basic realm="test"\r\n');
    expect(proxy.refusals).toBe(1);
    const missing = await refusedWith(`CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\n\r\n`);
    expect(missing).toMatch(/^HTTP\/1\.1 407 /);
    expect(proxy.refusals).toBe(2);
    expect(proxy.connections).toEqual([]);
  });

  it('answers 405 to a method other than CONNECT', async () => {
    const echoPort = await echoServer();
    proxy = await startHttpConnectProxy();
    const answer = await refusedWith(`GET http://127.0.0.1:${echoPort}/ HTTP/1.1\r\nHost: 127.0.0.1:${echoPort}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 405 /);
    expect(proxy.refusals).toBe(1);
    expect(proxy.connections).toEqual([]);
  });

  it('answers 400 to a malformed target and to a head over 16 KiB', async () => {
    proxy = await startHttpConnectProxy();
    expect(await refusedWith('CONNECT no-port-here HTTP/1.1\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await refusedWith(`CONNECT 127.0.0.1:1 HTTP/1.1\r\nX-Pad: ${'a'.repeat(17 * 1024)}`)).toMatch(/^HTTP\/1\.1 400 /);
    expect(proxy.refusals).toBe(2);
    expect(proxy.connections).toEqual([]);
  });

  it('answers 502 when the destination refuses the connection', async () => {
    const port = await closedPort();
    proxy = await startHttpConnectProxy();
    const answer = await refusedWith(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 502 /);
    expect(proxy.refusals).toBe(1);
    expect(proxy.connections).toEqual([]);
  });

  it('forwards bytes sent in the same write right after the request head', async () => {
    const echoPort = await echoServer();
    proxy = await startHttpConnectProxy({ username: 'u', password: 'p' });
    const socket = await dial();
    const all = readBytes(socket, ESTABLISHED.length + 'early'.length);
    // Lower-case field name: field names are case-insensitive.
    socket.write(`CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\nproxy-authorization: ${basic('u', 'p')}\r\n\r\nearly`);
    expect((await all).toString()).toBe(`${ESTABLISHED}early`);
    expect(await roundTrip(socket, 'and later')).toBe('and later');
    expect(proxy.connections).toEqual([{ host: '127.0.0.1', port: echoPort, username: 'u' }]);
  });
});
