import net from 'node:net';

/** Small pieces the test proxies and their tests share, all on 127.0.0.1 over real sockets. */

/**
 * `server` listening on 127.0.0.1 at a free port: the port, and a close() that first destroys every socket in
 * `sockets` (a server does not close while its connections live).
 */
export async function listenOnLoopback(server: net.Server, sockets: Set<net.Socket>): Promise<{ port: number; close(): Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The sockets a test server has open (for its close()), each made unable to crash the test process on a reset. */
export function socketTracker(): { sockets: Set<net.Socket>; track: (socket: net.Socket) => net.Socket } {
  const sockets = new Set<net.Socket>();
  return {
    sockets,
    track(socket) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      return socket;
    },
  };
}

/** A TCP server that sends back whatever it receives: its port, and close(). */
export async function startEcho(): Promise<{ port: number; close(): Promise<void> }> {
  const { sockets, track } = socketTracker();
  const server = net.createServer((socket) => track(socket).pipe(socket));
  return listenOnLoopback(server, sockets);
}

/** A port on 127.0.0.1 that nothing listens on (it was just bound and released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const { port, close } = await listenOnLoopback(server, new Set());
  await close();
  return port;
}

/** Resolves with the first `n` bytes the socket receives; rejects if it closes or fails first. */
export function readBytes(socket: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length < n) return;
      socket.off('data', onData);
      resolve(got.subarray(0, n));
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`closed after ${got.length} of ${n} bytes`)));
  });
}

/** A proxy's tunnel once open: what the client sent early goes first, then bytes flow both ways until either side closes. */
export function relay(client: net.Socket, upstream: net.Socket, early: Buffer): void {
  if (early.length > 0) upstream.write(early);
  client.pipe(upstream);
  upstream.pipe(client);
  upstream.on('close', () => client.destroy());
}
