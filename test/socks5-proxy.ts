import net from 'node:net';
import { relay, socketTracker } from './helpers/loopback-sockets.js';
import { serveTestProxy, type TestProxy, type TestProxyLogin } from './helpers/test-proxy.js';

/**
 * A minimal SOCKS5 proxy for tests (RFC 1928, CONNECT only, plus RFC 1929 username/password auth) on 127.0.0.1.
 * It records what it relayed and what it refused, so tests can assert that traffic really went through it.
 */

/** Refusals: greetings and logins refused (a wrong password, no acceptable method). */
export type Socks5Proxy = TestProxy;
export type Socks5ProxyOptions = TestProxyLogin;

const VERSION = 0x05;
const AUTH_VERSION = 0x01;
const METHOD_NONE = 0x00;
const METHOD_USERPASS = 0x02;
const NO_ACCEPTABLE_METHOD = 0xff;
const CMD_CONNECT = 0x01;
const ATYP_IPV4 = 0x01;
const ATYP_DOMAIN = 0x03;
const ATYP_IPV6 = 0x04;
const REP_GENERAL_FAILURE = 0x01;
const REP_CONNECTION_REFUSED = 0x05;
const REP_COMMAND_NOT_SUPPORTED = 0x07;
const REP_ADDRESS_TYPE_NOT_SUPPORTED = 0x08;

/** A request reply: VER REP RSV ATYP=IPv4 BND.ADDR(4) BND.PORT(2, big-endian). */
function reply(rep: number, address = '0.0.0.0', port = 0): Buffer {
  return Buffer.from([VERSION, rep, 0x00, ATYP_IPV4, ...address.split('.').map(Number), port >> 8, port & 0xff]);
}

/** Sixteen bytes as an IPv6 address in its usual compressed form ('::1'), via the WHATWG URL serialiser. */
function ipv6(bytes: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16));
  return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1);
}

export async function startSocks5Proxy(opts: Socks5ProxyOptions = {}): Promise<Socks5Proxy> {
  const connections: Array<{ host: string; port: number; username?: string }> = [];
  let refusals = 0;
  const { sockets, track } = socketTracker();

  const server = net.createServer((client) => {
    track(client);
    let buf = Buffer.alloc(0);
    let stage: 'greeting' | 'auth' | 'request' | 'done' = 'greeting';
    let username: string | undefined;
    let upstream: net.Socket | undefined;
    client.on('close', () => upstream?.destroy());

    /** Answers and closes; nothing more is read from this client. */
    const finish = (answer: Buffer, refused = false) => {
      if (refused) refusals++;
      stage = 'done';
      client.end(answer);
    };

    /** Consumes one complete message from `buf`; false when more bytes are needed (or the client is finished). */
    const step = (): boolean => {
      if (stage === 'greeting') {
        // VER NMETHODS METHODS[NMETHODS]
        if (buf.length < 2) return false;
        if (buf[0] !== VERSION) {
          finish(Buffer.from([VERSION, NO_ACCEPTABLE_METHOD]), true);
          return false;
        }
        const end = 2 + buf[1];
        if (buf.length < end) return false;
        const methods = buf.subarray(2, end);
        buf = buf.subarray(end);
        const wanted = opts.username === undefined ? METHOD_NONE : METHOD_USERPASS;
        if (!methods.includes(wanted)) {
          finish(Buffer.from([VERSION, NO_ACCEPTABLE_METHOD]), true);
          return false;
        }
        client.write(Buffer.from([VERSION, wanted]));
        stage = wanted === METHOD_USERPASS ? 'auth' : 'request';
        return true;
      }

      if (stage === 'auth') {
        // VER=1 ULEN UNAME[ULEN] PLEN PASSWD[PLEN]
        if (buf.length < 2) return false;
        const ulen = buf[1];
        if (buf.length < 3 + ulen) return false;
        const plen = buf[2 + ulen];
        const end = 3 + ulen + plen;
        if (buf.length < end) return false;
        const user = buf.subarray(2, 2 + ulen).toString('utf8');
        const password = buf.subarray(3 + ulen, end).toString('utf8');
        const ok = buf[0] === AUTH_VERSION && user === opts.username && password === (opts.password ?? '');
        buf = buf.subarray(end);
        if (!ok) {
          finish(Buffer.from([AUTH_VERSION, 0x01]), true);
          return false;
        }
        client.write(Buffer.from([AUTH_VERSION, 0x00]));
        username = user;
        stage = 'request';
        return true;
      }

      if (stage === 'request') {
        // VER CMD RSV ATYP DST.ADDR DST.PORT(2)
        if (buf.length < 5) return false;
        const atyp = buf[3];
        const addrStart = atyp === ATYP_DOMAIN ? 5 : 4;
        const addrLen = atyp === ATYP_IPV4 ? 4 : atyp === ATYP_IPV6 ? 16 : atyp === ATYP_DOMAIN ? buf[4] : -1;
        if (buf[0] !== VERSION || addrLen < 0) {
          finish(reply(buf[0] !== VERSION ? REP_GENERAL_FAILURE : REP_ADDRESS_TYPE_NOT_SUPPORTED));
          return false;
        }
        const end = addrStart + addrLen + 2;
        if (buf.length < end) return false;
        const addr = buf.subarray(addrStart, addrStart + addrLen);
        const host = atyp === ATYP_IPV4 ? addr.join('.') : atyp === ATYP_IPV6 ? ipv6(addr) : addr.toString('utf8');
        const port = buf.readUInt16BE(end - 2);
        const cmd = buf[1];
        buf = buf.subarray(end);
        stage = 'done';
        if (cmd !== CMD_CONNECT) {
          finish(reply(REP_COMMAND_NOT_SUPPORTED));
          return false;
        }
        connect(host, port);
      }
      return false;
    };

    /** Opens the upstream; bytes the client sends meanwhile keep collecting in `buf`. */
    const connect = (host: string, port: number) => {
      const up = track(net.connect({ host, port }));
      upstream = up;
      let connected = false;
      up.once('error', (err: NodeJS.ErrnoException) => {
        if (connected) return; // once relaying, 'close' tears the pair down
        client.end(reply(err.code === 'ECONNREFUSED' ? REP_CONNECTION_REFUSED : REP_GENERAL_FAILURE));
      });
      up.once('connect', () => {
        connected = true;
        connections.push(username === undefined ? { host, port } : { host, port, username });
        const { localAddress, localPort } = up;
        client.write(localAddress && net.isIPv4(localAddress) ? reply(0x00, localAddress, localPort) : reply(0x00));
        // Relay: anything that came with or after the request goes first.
        client.off('data', onData);
        relay(client, up, buf);
        buf = Buffer.alloc(0);
      });
    };

    // TCP may split or merge messages: buffer, then consume as many complete ones as there are.
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (step()) {}
    };
    client.on('data', onData);
  });

  return serveTestProxy(server, sockets, connections, () => refusals);
}
