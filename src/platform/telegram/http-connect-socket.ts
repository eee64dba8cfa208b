import net from 'node:net';
import { PromisedNetSockets } from 'telegram/extensions/index.js';
import type { AccountProxy } from './telegram-proxy.js';

/**
 * An account's connection to Telegram through an HTTP proxy: a CONNECT tunnel (RFC 9110 §9.3.6), with a Basic login
 * when the proxy has one. GramJS 2.26 speaks SOCKS and MTProxy only, so this is the socket class it is given instead
 * of its own (TelegramClientParams.networkSocket); everything above the socket — MTProto, retries — is GramJS's.
 */

/** Seconds to reach the proxy and through it Telegram, as for a SOCKS proxy (gramJsProxy): a proxy abroad is slow. */
const TIMEOUT_MS = 15_000;
/** A proxy's answer to CONNECT is a status line and a few headers; more than this is not a proxy. */
const MAX_HEAD = 16 * 1024;

/** The proxy refused the tunnel, or is not an HTTP proxy: what it said, for the log (the person is told "unreachable"). */
export class HttpProxyRefusal extends Error {}

/** `host:port` as an HTTP request names a server (CONNECT's target, a Host header): an IPv6 address in brackets. */
export const authority = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;

/**
 * A socket to `host:port` through the proxy: connected, CONNECT answered 2xx, and any bytes that came after the
 * proxy's answer put back for the reader. Refused, timed out or closed before that → rejects, and the socket is gone.
 */
export function openTunnel(proxy: AccountProxy, host: string, port: number, timeoutMs = TIMEOUT_MS): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(proxy.port, proxy.host);
    let head = Buffer.alloc(0);
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD) fail(new HttpProxyRefusal('the proxy answered CONNECT with more than 16 KiB of headers'));
        return;
      }
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString('latin1'));
      if (!status) return fail(new HttpProxyRefusal(`not an HTTP proxy: it answered ${JSON.stringify(head.subarray(0, 40).toString('latin1'))}`));
      if (!status[1]!.startsWith('2'))
        return fail(new HttpProxyRefusal(`the proxy refused CONNECT: ${head.subarray(0, head.indexOf('\r\n')).toString('latin1')}`));
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('close', onClose);
      socket.setTimeout(0);
      const rest = head.subarray(end + 4);
      if (rest.length) socket.unshift(rest);
      // Paused until the reader attaches its 'data' listener, so nothing after the answer is lost meanwhile.
      socket.pause();
      resolve(socket);
    };
    const onClose = () => fail(new HttpProxyRefusal('the proxy closed the connection before answering CONNECT'));
    socket.setTimeout(timeoutMs, () => fail(new HttpProxyRefusal(`the proxy did not answer within ${timeoutMs / 1000} s`)));
    socket.on('error', fail);
    socket.on('close', onClose);
    socket.on('data', onData);
    socket.once('connect', () => {
      const target = authority(host, port);
      const login = proxy.username ? `Proxy-Authorization: Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')}\r\n` : '';
      socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${login}\r\n`);
    });
  });
}

/**
 * The fields of GramJS's PromisedNetSockets that its connect() sets up and its read()/write()/close() use. They are
 * private in its typings; set here as its connect() sets them (telegram 2.26, extensions/PromisedNetSockets.js), and
 * proved by GramJS's real client logging in and running a campaign through a real HTTP proxy (test/telegram-proxy.test.ts).
 */
interface SocketInternals {
  client?: net.Socket;
  closed: boolean;
  stream: Buffer;
  canRead?: Promise<boolean>;
  resolveRead?: (value: boolean) => void;
  receive(): Promise<void>;
}

/**
 * GramJS's socket class for an account behind `proxy` (an HTTP proxy). `dcPort`: the port every DC is reached on
 * instead of the one GramJS picks (a custom test DC, see telegram-dc.ts); unset for Telegram itself.
 */
export function httpConnectSocket(proxy: AccountProxy, dcPort?: number): typeof PromisedNetSockets {
  return class HttpConnectSocket extends PromisedNetSockets {
    constructor() {
      // GramJS passes its own `proxy` option here; this socket needs none of it.
      super(undefined);
    }

    override async connect(port: number, ip: string): Promise<unknown> {
      const client = await openTunnel(proxy, ip, dcPort ?? port);
      const self = this as unknown as SocketInternals;
      self.client = client;
      self.stream = Buffer.alloc(0);
      self.canRead = new Promise((resolve) => {
        self.resolveRead = resolve;
      });
      self.closed = false;
      // As GramJS's own connect(): an error closes the socket, and a closed socket wakes a waiting read to fail it.
      client.on('error', () => undefined);
      client.on('close', () => {
        self.resolveRead?.(false);
        self.closed = true;
      });
      void self.receive();
      client.resume();
      return this;
    }
  };
}
