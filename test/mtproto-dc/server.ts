import net from 'node:net';
import { createHash, constants, privateDecrypt, randomBytes, type KeyObject } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { Api } from 'telegram';
import { BinaryReader } from 'telegram/extensions/index.js';
import { IGE } from 'telegram/crypto/IGE.js';
import { AuthKey } from 'telegram/crypto/AuthKey.js';
import { crc32, generateKeyDataFromNonce, readBigIntFromBuffer } from 'telegram/Helpers.js';
import bigInt from 'big-integer';
import type { AuthKeyRecord, TestWorld } from './world.js';
import { dispatch, RpcFail, type DcInfo } from './handlers.js';
import { TG_PRIME, TG_PRIME_BIG, bigToBuf, bufToBig, modPow } from './bigmath.js';

/**
 * The MTProto 2.0 side of the loopback test DC: TCP "full" transport, the auth-key exchange (unencrypted
 * messages) and encrypted sessions, serialised with GramJS's own TL classes.
 */

const sha1 = (...parts: Buffer[]) => createHash('sha1').update(Buffer.concat(parts)).digest();
const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

/** pq = 1229739323 × 1402015859 (the example from Telegram's documentation; GramJS factorises it). */
const PQ = Buffer.from('17ed48941a08f981', 'hex');

function calcKey(authKey: Buffer, msgKey: Buffer, x: number) {
  const a = sha256(msgKey, authKey.subarray(x, x + 36));
  const b = sha256(authKey.subarray(x + 40, x + 76), msgKey);
  return {
    key: Buffer.concat([a.subarray(0, 8), b.subarray(8, 24), a.subarray(24, 32)]),
    iv: Buffer.concat([b.subarray(0, 8), a.subarray(8, 24), b.subarray(24, 32)]),
  };
}

interface Handshake {
  nonce?: bigInt.BigInteger;
  serverNonce?: bigInt.BigInteger;
  newNonce?: bigInt.BigInteger;
  a?: bigint;
}

export interface DcNodeOptions {
  world: TestWorld;
  dcId: number;
  host: string;
  port: number;
  privateKey: KeyObject;
  fingerprint: bigInt.BigInteger;
  allDcs: () => DcInfo[];
  log?: (line: string) => void;
}

/** One connection from a client: framing, handshake, encrypted session. */
class DcConnection {
  private buf = Buffer.alloc(0);
  private sendSeq = 0;
  private hs: Handshake = {};
  private key?: AuthKeyRecord;
  private sessionId?: Buffer;
  private lastMsgId = 0n;
  private contentSeq = 0;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly socket: net.Socket,
    private readonly node: DcNode,
  ) {
    socket.on('data', (d) => this.onData(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      node.connections.delete(this);
    });
  }

  get authKey(): AuthKeyRecord | undefined {
    return this.key;
  }

  private onData(d: Buffer) {
    this.buf = Buffer.concat([this.buf, d]);
    while (this.buf.length >= 4) {
      const len = this.buf.readInt32LE(0);
      if (len < 12 || len > 16 * 1024 * 1024) {
        this.node.log(`bad frame length ${len}; closing`);
        this.socket.destroy();
        return;
      }
      if (this.buf.length < len) return;
      const frame = this.buf.subarray(0, len);
      this.buf = this.buf.subarray(len);
      const crc = frame.readUInt32LE(len - 4);
      if (crc32(frame.subarray(0, len - 4)) >>> 0 !== crc) {
        this.node.log('bad crc; closing');
        this.socket.destroy();
        return;
      }
      const payload = Buffer.from(frame.subarray(8, len - 4));
      this.queue = this.queue
        .then(() => this.onPacket(payload))
        .catch((err) => {
          this.node.log(`error handling a packet: ${(err as Error).stack ?? err}`);
        });
    }
  }

  private writeFrame(payload: Buffer) {
    if (this.closed) return;
    const head = Buffer.alloc(8);
    head.writeInt32LE(payload.length + 12, 0);
    head.writeInt32LE(this.sendSeq++, 4);
    const body = Buffer.concat([head, payload]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32LE(crc32(body) >>> 0, 0);
    this.socket.write(Buffer.concat([body, crc]));
  }

  private newMsgId(response: boolean): bigint {
    let id = ((BigInt(Date.now()) << 32n) / 1000n) & ~3n;
    if (id <= this.lastMsgId) id = (this.lastMsgId & ~3n) + 4n;
    id |= response ? 1n : 3n;
    this.lastMsgId = id;
    return id;
  }

  private async onPacket(payload: Buffer) {
    const keyId = payload.subarray(0, 8);
    if (keyId.equals(Buffer.alloc(8))) return this.onPlain(payload);
    const rec = this.node.world.authKeys.get(keyId.toString('hex'));
    if (!rec || rec.dcId !== this.node.dcId) {
      // Transport error -404: unknown auth key.
      const err = Buffer.alloc(4);
      err.writeInt32LE(-404, 0);
      this.writeFrame(err);
      return;
    }
    this.key = rec;
    const msgKey = payload.subarray(8, 24);
    const { key, iv } = calcKey(rec.key, msgKey, 0);
    const plain = new IGE(key, iv).decryptIge(payload.subarray(24)) as Buffer;
    const check = sha256(rec.key.subarray(88, 120), plain).subarray(8, 24);
    if (!check.equals(msgKey)) {
      this.node.log('msg_key mismatch; closing');
      this.socket.destroy();
      return;
    }
    const sessionId = plain.subarray(8, 16);
    const msgId = plain.readBigInt64LE(16);
    const len = plain.readInt32LE(28);
    const body = plain.subarray(32, 32 + len);
    if (!this.sessionId?.equals(sessionId)) {
      this.sessionId = Buffer.from(sessionId);
      this.contentSeq = 0;
      await this.sendEncrypted(
        new Api.NewSessionCreated({
          firstMsgId: bigInt(msgId.toString()),
          uniqueId: bigInt(randomBytes(7).toString('hex'), 16),
          serverSalt: bigInt(this.node.salt.toString()),
        }).getBytes(),
        false,
        false,
      );
    }
    await this.onMessage(msgId, body);
  }

  private async onMessage(msgId: bigint, body: Buffer): Promise<void> {
    const ctor = body.readUInt32LE(0);
    if (ctor === 0x73f1f8dc) {
      // msg_container: unpack and handle each inner message in order.
      const count = body.readInt32LE(4);
      let off = 8;
      for (let i = 0; i < count; i++) {
        const innerId = body.readBigInt64LE(off);
        const innerLen = body.readInt32LE(off + 12);
        const inner = body.subarray(off + 16, off + 16 + innerLen);
        off += 16 + innerLen;
        await this.onMessage(innerId, inner);
      }
      return;
    }
    if (ctor === 0x3072cfa1) {
      const reader = new BinaryReader(body.subarray(4));
      return this.onMessage(msgId, gunzipSync(reader.tgReadBytes()));
    }
    let obj: unknown;
    try {
      obj = await new BinaryReader(body).tgReadObject();
    } catch (err) {
      this.node.log(`cannot parse message ${ctor.toString(16)}: ${(err as Error).message}`);
      await this.sendRpcError(msgId, 400, 'INPUT_METHOD_INVALID');
      return;
    }
    if (obj instanceof Api.MsgsAck) return;
    if (obj instanceof Api.Ping || obj instanceof Api.PingDelayDisconnect) {
      await this.sendEncrypted(new Api.Pong({ msgId: bigInt(msgId.toString()), pingId: obj.pingId }).getBytes(), true, false);
      return;
    }
    if (!obj || (obj as { classType?: string }).classType !== 'request') {
      this.node.log(`ignoring ${(obj as { className?: string })?.className ?? ctor.toString(16)}`);
      return;
    }
    let query = obj as Api.AnyRequest;
    for (;;) {
      if (
        query instanceof Api.InvokeWithLayer ||
        query instanceof Api.InitConnection ||
        query instanceof Api.InvokeWithoutUpdates ||
        query instanceof Api.InvokeAfterMsg
      ) {
        query = query.query as Api.AnyRequest;
        continue;
      }
      break;
    }
    try {
      const result = await dispatch(query, {
        world: this.node.world,
        dcId: this.node.dcId,
        key: this.key!,
        allDcs: this.node.allDcs(),
        log: (l) => this.node.log(l),
      });
      const rpc = Buffer.alloc(12);
      rpc.writeUInt32LE(0xf35c6d01, 0);
      rpc.writeBigInt64LE(msgId, 4);
      await this.sendEncrypted(Buffer.concat([rpc, result]), true, true);
    } catch (err) {
      if (err instanceof RpcFail) {
        await this.sendRpcError(msgId, err.code, err.message);
      } else {
        // A bug of the test DC itself: always visible.
        console.error(`[test DC] handler crashed for ${query.className}: ${(err as Error).stack ?? err}`);
        await this.sendRpcError(msgId, 500, 'INTERNAL_TEST_DC_ERROR');
      }
    }
  }

  private async sendRpcError(reqMsgId: bigint, code: number, message: string) {
    const rpc = Buffer.alloc(12);
    rpc.writeUInt32LE(0xf35c6d01, 0);
    rpc.writeBigInt64LE(reqMsgId, 4);
    await this.sendEncrypted(Buffer.concat([rpc, new Api.RpcError({ errorCode: code, errorMessage: message }).getBytes()]), true, true);
  }

  /** Sends one message of the session (a response to a client message or, with response=false, server-initiated). */
  async sendEncrypted(body: Buffer, response: boolean, contentRelated: boolean) {
    if (!this.key || !this.sessionId || this.closed) return;
    const head = Buffer.alloc(32);
    head.writeBigInt64LE(this.node.salt, 0);
    this.sessionId.copy(head, 8);
    head.writeBigInt64LE(this.newMsgId(response), 16);
    head.writeInt32LE(contentRelated ? this.contentSeq++ * 2 + 1 : this.contentSeq * 2, 24);
    head.writeInt32LE(body.length, 28);
    const inner = Buffer.concat([head, body]);
    const padLen = 12 + ((16 - ((inner.length + 12) % 16)) % 16);
    const data = Buffer.concat([inner, randomBytes(padLen)]);
    const msgKey = sha256(this.key.key.subarray(96, 128), data).subarray(8, 24);
    const { key, iv } = calcKey(this.key.key, msgKey, 8);
    const keyId = Buffer.from(this.key.keyIdHex, 'hex');
    this.writeFrame(Buffer.concat([keyId, msgKey, new IGE(key, iv).encryptIge(data) as Buffer]));
  }

  // ---- auth key exchange (unencrypted) ----

  private sendPlain(body: Buffer) {
    const head = Buffer.alloc(20);
    head.writeBigInt64LE(this.newMsgId(true), 8);
    head.writeInt32LE(body.length, 16);
    this.writeFrame(Buffer.concat([head, body]));
  }

  private async onPlain(payload: Buffer) {
    const len = payload.readInt32LE(16);
    const obj = await new BinaryReader(payload.subarray(20, 20 + len)).tgReadObject();
    if (obj instanceof Api.ReqPqMulti || obj instanceof Api.ReqPq) {
      this.hs = { nonce: obj.nonce, serverNonce: readBigIntFromBuffer(randomBytes(16), true, true) };
      this.sendPlain(
        new Api.ResPQ({ nonce: obj.nonce, serverNonce: this.hs.serverNonce!, pq: PQ, serverPublicKeyFingerprints: [this.node.fingerprint] }).getBytes(),
      );
      return;
    }
    if (obj instanceof Api.ReqDHParams) {
      if (!this.hs.nonce || obj.nonce.neq(this.hs.nonce) || obj.serverNonce.neq(this.hs.serverNonce!)) throw new Error('req_DH_params: bad nonce');
      if (obj.publicKeyFingerprint.neq(this.node.fingerprint)) throw new Error('req_DH_params: unknown fingerprint');
      // RSA_PAD (what GramJS 2.26 sends): RSA(temp_key_xor + AES-IGE(temp_key, reversed(data_with_padding) + sha256(temp_key + data_with_padding))).
      const raw = privateDecrypt({ key: this.node.privateKey, padding: constants.RSA_NO_PADDING }, obj.encryptedData);
      const tempKeyXor = raw.subarray(0, 32);
      const aesEncrypted = raw.subarray(32);
      const tempKey = Buffer.alloc(32);
      const h = sha256(aesEncrypted);
      for (let i = 0; i < 32; i++) tempKey[i] = tempKeyXor[i]! ^ h[i]!;
      const dataWithHash = new IGE(tempKey, Buffer.alloc(32)).decryptIge(aesEncrypted) as Buffer;
      const dataWithPadding = Buffer.from(dataWithHash.subarray(0, 192)).reverse();
      if (!sha256(tempKey, dataWithPadding).equals(dataWithHash.subarray(192, 224))) throw new Error('req_DH_params: RSA_PAD hash mismatch');
      const inner = await new BinaryReader(dataWithPadding).tgReadObject();
      if (!(inner instanceof Api.PQInnerData || inner instanceof Api.PQInnerDataDc)) throw new Error(`req_DH_params: inner data is ${inner?.className}`);
      if (inner.nonce.neq(this.hs.nonce) || inner.serverNonce.neq(this.hs.serverNonce!)) throw new Error('req_DH_params: inner nonce mismatch');
      this.hs.newNonce = inner.newNonce;
      this.hs.a = bufToBig(randomBytes(256)) % TG_PRIME_BIG;
      const gA = modPow(3n, this.hs.a, TG_PRIME_BIG);
      const answer = new Api.ServerDHInnerData({
        nonce: this.hs.nonce,
        serverNonce: this.hs.serverNonce!,
        g: 3,
        dhPrime: TG_PRIME,
        gA: bigToBuf(gA, 256),
        serverTime: Math.floor(Date.now() / 1000),
      }).getBytes();
      let withHash = Buffer.concat([sha1(answer), answer]);
      if (withHash.length % 16) withHash = Buffer.concat([withHash, randomBytes(16 - (withHash.length % 16))]);
      const { key, iv } = await generateKeyDataFromNonce(this.hs.serverNonce!, this.hs.newNonce);
      this.sendPlain(
        new Api.ServerDHParamsOk({
          nonce: this.hs.nonce,
          serverNonce: this.hs.serverNonce!,
          encryptedAnswer: new IGE(key, iv).encryptIge(withHash) as Buffer,
        }).getBytes(),
      );
      return;
    }
    if (obj instanceof Api.SetClientDHParams) {
      if (!this.hs.newNonce || !this.hs.a) throw new Error('set_client_DH_params before req_DH_params');
      const { key, iv } = await generateKeyDataFromNonce(this.hs.serverNonce!, this.hs.newNonce);
      const plain = new IGE(key, iv).decryptIge(obj.encryptedData) as Buffer;
      const reader = new BinaryReader(plain);
      reader.read(20);
      const inner = await reader.tgReadObject();
      if (!(inner instanceof Api.ClientDHInnerData)) throw new Error('set_client_DH_params: bad inner data');
      const gab = modPow(bufToBig(inner.gB), this.hs.a, TG_PRIME_BIG);
      const keyBytes = bigToBuf(gab); // minimal big-endian bytes, exactly as GramJS's getByteArray(gab)
      const authKey = new AuthKey();
      await authKey.setKey(keyBytes);
      const newNonceHash1 = await authKey.calcNewNonceHash(this.hs.newNonce, 1);
      const keyIdHex = sha1(keyBytes).subarray(12, 20).toString('hex');
      this.node.world.authKeys.set(keyIdHex, { keyIdHex, key: keyBytes, dcId: this.node.dcId });
      this.sendPlain(new Api.DhGenOk({ nonce: this.hs.nonce!, serverNonce: this.hs.serverNonce!, newNonceHash1 }).getBytes());
      this.hs = {};
      return;
    }
    throw new Error(`unexpected unencrypted message ${(obj as { className?: string })?.className}`);
  }
}

/** One listening DC (an address) of the test world. */
export class DcNode {
  readonly connections = new Set<DcConnection>();
  readonly salt = randomBytes(8).readBigInt64LE();
  /** An outage: every new connection is dropped at once (setDown on the TestDc). */
  down = false;
  private server?: net.Server;

  constructor(private readonly opts: DcNodeOptions) {}

  get world() {
    return this.opts.world;
  }
  get dcId() {
    return this.opts.dcId;
  }
  get fingerprint() {
    return this.opts.fingerprint;
  }
  get privateKey() {
    return this.opts.privateKey;
  }
  allDcs() {
    return this.opts.allDcs();
  }
  log(line: string) {
    this.opts.log?.(`[dc${this.opts.dcId}] ${line}`);
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server = net.createServer((socket) => {
        if (this.down) {
          socket.destroy();
          return;
        }
        socket.setNoDelay(true);
        this.connections.add(new DcConnection(socket, this));
      });
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => resolve());
    });
  }

  /** Pushes a server-initiated message (e.g. an Updates object) to every connection using one of these keys. */
  async push(keyIdHex: string, body: Buffer) {
    for (const c of this.connections) if (c.authKey?.keyIdHex === keyIdHex) await c.sendEncrypted(body, false, true);
  }

  killConnections() {
    for (const c of this.connections) c.socket.destroy();
    this.connections.clear();
  }

  close(): Promise<void> {
    this.killConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
