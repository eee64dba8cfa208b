import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Api, TelegramClient } from 'telegram';
import { StringSession } from 'telegram/sessions/index.js';
import { Logger, PromisedNetSockets } from 'telegram/extensions/index.js';
import { LogLevel } from 'telegram/extensions/Logger.js';
import { _serverKeys } from 'telegram/crypto/RSA.js';
import bigInt from 'big-integer';
import { DcNode } from './server.js';
import { TestWorld } from './world.js';

export { TestWorld } from './world.js';
export type { TestUser, TestGroup, Privacy, InviteRecord, MessageRecord, CallRecord, GroupKind } from './world.js';

/**
 * A loopback MTProto 2.0 "test DC" that GramJS's real TelegramClient talks to over TCP: dc 2 on 127.0.0.1:<port>
 * (the main one) and dc 1 on 127.0.0.2:<port> (for PHONE_MIGRATE), both serving one TestWorld.
 */
export interface TestDc {
  host: string;
  port: number;
  dcId: number;
  /** SPKI PEM of the test RSA key. */
  publicKeyPem: string;
  /** Signed 64-bit MTProto fingerprint of that key, as GramJS's _serverKeys keys it. */
  fingerprint: string;
  world: TestWorld;
  /** env for the product: TELEGRAM_API_ID, TELEGRAM_API_HASH (test values), TELEGRAM_DC, TELEGRAM_DC_PUBLIC_KEY. */
  env(): Record<string, string>;
  /** Drops every open connection (both DCs); clients must reconnect. */
  killConnections(): void;
  /** An outage of both DCs: open connections dropped and new ones closed at once, until setDown(false). */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export const TEST_API_ID = 12345;
export const TEST_API_HASH = 'test-api-hash-0123456789abcdef';

let rsaKey: { privateKey: KeyObject; publicKeyPem: string; n: Buffer; e: Buffer } | undefined;

function testRsaKey() {
  if (!rsaKey) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
    const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
    rsaKey = {
      privateKey,
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      n: Buffer.from(jwk.n, 'base64url'),
      e: Buffer.from(jwk.e, 'base64url'),
    };
  }
  return rsaKey;
}

function tlBytes(data: Buffer): Buffer {
  const header = data.length < 254 ? Buffer.from([data.length]) : Buffer.from([254, data.length & 0xff, (data.length >> 8) & 0xff, (data.length >> 16) & 0xff]);
  const body = Buffer.concat([header, data]);
  return Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
}

/** Low 64 bits of SHA-1(TL rsa_public_key n:bytes e:bytes), signed, as a decimal string. */
function fingerprintOf(n: Buffer, e: Buffer): string {
  return createHash('sha1')
    .update(Buffer.concat([tlBytes(n), tlBytes(e)]))
    .digest()
    .readBigInt64LE(12)
    .toString();
}

function listenOn(host: string, port: number, node: DcNode) {
  return node.listen().then(() => ({ host, port }));
}

export async function startTestDc(opts: { world?: TestWorld; log?: (line: string) => void } = {}): Promise<TestDc> {
  const world = opts.world ?? new TestWorld();
  const key = testRsaKey();
  const fingerprint = fingerprintOf(key.n, key.e);
  const fp = bigInt(fingerprint);
  const log = opts.log ?? (process.env.TEST_DC_LOG ? (l: string) => console.log(l) : undefined);
  let nodes: DcNode[] = [];
  const allDcs = () => nodes.map((n, i) => ({ id: n.dcId, host: i === 0 ? '127.0.0.1' : '127.0.0.2', port }));
  let port = 0;
  // StringSession stores the port as a signed 16-bit number: stay below 32768.
  for (let attempt = 0; ; attempt++) {
    port = 20000 + Math.floor(Math.random() * 12000);
    const main = new DcNode({ world, dcId: 2, host: '127.0.0.1', port, privateKey: key.privateKey, fingerprint: fp, allDcs, log });
    const other = new DcNode({ world, dcId: 1, host: '127.0.0.2', port, privateKey: key.privateKey, fingerprint: fp, allDcs, log });
    try {
      await listenOn('127.0.0.1', port, main);
      try {
        await listenOn('127.0.0.2', port, other);
      } catch (err) {
        await main.close();
        throw err;
      }
      nodes = [main, other];
      break;
    } catch (err) {
      if (attempt > 20) throw err;
    }
  }
  world.onLoginTokenAccepted = (t) => {
    const node = nodes.find((n) => n.dcId === t.dcId);
    void node?.push(t.keyIdHex, new Api.UpdateShort({ update: new Api.UpdateLoginToken(), date: Math.floor(Date.now() / 1000) }).getBytes());
  };
  const dc: TestDc = {
    host: '127.0.0.1',
    port,
    dcId: 2,
    publicKeyPem: key.publicKeyPem,
    fingerprint,
    world,
    env: () => ({
      TELEGRAM_API_ID: String(TEST_API_ID),
      TELEGRAM_API_HASH: TEST_API_HASH,
      TELEGRAM_DC: `2@127.0.0.1:${port}`,
      TELEGRAM_DC_PUBLIC_KEY: key.publicKeyPem,
    }),
    killConnections: () => {
      for (const n of nodes) n.killConnections();
    },
    setDown: (down) =>
      nodes.forEach((n) => {
        n.down = down;
        if (down) n.killConnections();
      }),
    close: async () => {
      await Promise.all(nodes.map((n) => n.close()));
    },
  };
  return dc;
}

// ---- helpers for tests that drive GramJS directly (not through the product) ----

/** Registers the DC's key with GramJS (process-wide). */
export function registerTestDcKey(dc: TestDc): void {
  const pub = createPublicKey(dc.publicKeyPem).export({ format: 'jwk' }) as { n: string };
  _serverKeys.set(dc.fingerprint, { n: bigInt(Buffer.from(pub.n, 'base64url').toString('hex'), 16), e: 65537 });
}

/** A raw GramJS client on the test DC (not connected). `session` '' for a fresh login. */
export function rawClient(dc: TestDc, session = ''): TelegramClient {
  registerTestDcKey(dc);
  const s = new StringSession(session);
  if (!s.serverAddress) s.setDC(dc.dcId, dc.host, dc.port);
  const port = dc.port;
  class DcSocket extends PromisedNetSockets {
    override connect(_port: number, ip: string) {
      return super.connect(port, ip);
    }
  }
  return new TelegramClient(s, TEST_API_ID, TEST_API_HASH, {
    connectionRetries: 2,
    networkSocket: DcSocket,
    useWSS: false,
    floodSleepThreshold: 0,
    retryDelay: 200,
    baseLogger: new Logger(LogLevel.NONE),
  });
}

/** Logs `phone` in by code (and 2FA password if given) with GramJS's own flow; returns the saved StringSession. */
export async function loginWithCode(dc: TestDc, phone: string, password?: string): Promise<string> {
  const client = rawClient(dc);
  try {
    await client.start({
      phoneNumber: phone,
      phoneCode: async () => dc.world.lastCode(phone) ?? '',
      password: password === undefined ? undefined : async () => password,
      onError: (err) => {
        throw err;
      },
    });
    return (client.session as StringSession).save();
  } finally {
    await client.destroy();
  }
}
