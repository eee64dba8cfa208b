import { createHash, createPublicKey } from 'node:crypto';
import { TelegramClient } from 'telegram';
import { StringSession } from 'telegram/sessions/index.js';
import { Logger, PromisedNetSockets } from 'telegram/extensions/index.js';
import { LogLevel } from 'telegram/extensions/Logger.js';
import type { TelegramClientParams } from 'telegram/client/telegramBaseClient.js';
import { _serverKeys } from 'telegram/crypto/RSA.js';
import bigInt from 'big-integer';
import type { TelegramConfig } from '../../config/config.js';
import { PlatformError } from '../platform-error.js';
import { httpConnectSocket } from './http-connect-socket.js';
import { gramJsProxy, type AccountProxy } from './telegram-proxy.js';

/**
 * One place that builds every TelegramClient of the product, for Telegram production (the default) or for the
 * custom MTProto server configured with TELEGRAM_DC / TELEGRAM_DC_PUBLIC_KEY (a test DC).
 */

function tlBytes(data: Buffer): Buffer {
  // TL `bytes`: short form (1 length byte) below 254 bytes, long form (0xfe + 3 bytes) otherwise; padded to 4.
  const header = data.length < 254 ? Buffer.from([data.length]) : Buffer.from([254, data.length & 0xff, (data.length >> 8) & 0xff, (data.length >> 16) & 0xff]);
  const body = Buffer.concat([header, data]);
  return Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
}

/** MTProto fingerprint of an RSA key: low 64 bits of SHA-1(TL rsa_public_key n e), as a signed decimal string. */
export function rsaFingerprint(n: Buffer, e: Buffer): string {
  const strip = (b: Buffer) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    return b.subarray(i);
  };
  const sha = createHash('sha1')
    .update(Buffer.concat([tlBytes(strip(n)), tlBytes(strip(e))]))
    .digest();
  return sha.readBigInt64LE(12).toString();
}

/** Registers a PEM RSA public key as an MTProto server key in GramJS (process-wide, idempotent). */
export function registerServerKey(pem: string): string {
  const jwk = createPublicKey(pem).export({ format: 'jwk' }) as { n: string; e: string };
  const n = Buffer.from(jwk.n, 'base64url');
  const e = Buffer.from(jwk.e, 'base64url');
  const fingerprint = rsaFingerprint(n, e);
  _serverKeys.set(fingerprint, { n: bigInt(n.toString('hex'), 16), e: Number(bigInt(e.toString('hex'), 16)) });
  return fingerprint;
}

const socketClasses = new Map<number, typeof PromisedNetSockets>();

/**
 * GramJS 2.26 connects on port 80 (443 with WSS) whatever port the session holds, so a server on another port
 * needs a socket that substitutes it. Every DC of a custom deployment is assumed to listen on the same port.
 */
function socketForPort(port: number): typeof PromisedNetSockets {
  let cls = socketClasses.get(port);
  if (!cls) {
    cls = class CustomDcSocket extends PromisedNetSockets {
      override connect(_port: number, ip: string) {
        return super.connect(port, ip);
      }
    };
    socketClasses.set(port, cls);
  }
  return cls;
}

export function describeTelegramDc(tg: TelegramConfig): string | undefined {
  return tg.dc ? `custom Telegram DC ${tg.dc.id}@${tg.dc.host}:${tg.dc.port} — not Telegram production` : undefined;
}

/**
 * A TelegramClient for `sessionString` ('' for a new login) on the configured DC, through the account's `proxy` if it
 * has one. Not connected yet.
 * Throws PlatformError NOT_CONFIGURED when TELEGRAM_API_ID / TELEGRAM_API_HASH are missing.
 * `floodSleepThreshold` is 0: every FloodWait reaches the caller (the Account Manager owns rests) instead of
 * GramJS sleeping through waits of up to a minute on its own. `extra` overrides any option.
 */
export function newTelegramClient(
  tg: TelegramConfig,
  sessionString: string,
  extra: Partial<TelegramClientParams> = {},
  proxy: AccountProxy | null = null,
): TelegramClient {
  if (!tg.apiId || !tg.apiHash) {
    throw new PlatformError('UNKNOWN', 'NOT_CONFIGURED', 'TELEGRAM_API_ID and TELEGRAM_API_HASH are not configured');
  }
  const session = new StringSession(sessionString);
  const params: TelegramClientParams = { connectionRetries: 3, floodSleepThreshold: 0, baseLogger: new Logger(LogLevel.ERROR) };
  if (tg.dcPublicKeyPem) registerServerKey(tg.dcPublicKeyPem);
  if (tg.dc) {
    // A saved session keeps the DC it was created on (it may have migrated); a new one starts on the configured DC.
    // (StringSession stores the port as a signed 16-bit number; the socket below supplies the real port anyway.)
    if (!session.serverAddress) session.setDC(tg.dc.id, tg.dc.host, tg.dc.port <= 32767 ? tg.dc.port : 443);
    params.networkSocket = socketForPort(tg.dc.port);
    params.useWSS = false;
  }
  // SOCKS is GramJS's own; an HTTP proxy is a socket class of its own, which also takes the custom DC's port.
  if (proxy?.kind === 'http') params.networkSocket = httpConnectSocket(proxy, tg.dc?.port);
  else if (proxy) params.proxy = gramJsProxy(proxy);
  return new TelegramClient(session, tg.apiId, tg.apiHash, { ...params, ...extra });
}
