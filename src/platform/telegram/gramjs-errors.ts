import { errors } from 'telegram';
import { PlatformError, platformError } from '../platform-error.js';

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * Maps whatever GramJS throws onto the platform vocabulary, by error class and TL error type
 * (RPCError.errorMessage such as "PEER_FLOOD"), never by free-text message.
 */
export function mapGramJsError(err: unknown): PlatformError {
  if (err instanceof PlatformError) return err;
  if (err instanceof errors.FloodWaitError || err instanceof errors.SlowModeWaitError) {
    return platformError('FLOOD_WAIT', Number((err as { seconds?: number }).seconds ?? 0));
  }
  if (err instanceof errors.RPCError) {
    const type = err.errorMessage.replace(/_\d+$/, '');
    if (type === 'FLOOD_WAIT' || type === 'FLOOD_PREMIUM_WAIT') {
      const seconds = Number(/_(\d+)$/.exec(err.errorMessage)?.[1] ?? 0);
      return platformError('FLOOD_WAIT', seconds);
    }
    return platformError(type);
  }
  const code = (err as { code?: unknown })?.code;
  const name = (err as { name?: unknown })?.name;
  if ((typeof code === 'string' && NETWORK_CODES.has(code)) || name === 'TimeoutError') {
    return new PlatformError('NETWORK', typeof code === 'string' ? code : 'TIMEOUT', 'the connection to Telegram failed');
  }
  return new PlatformError('UNKNOWN', 'UNKNOWN', `unexpected error from Telegram: ${(err as Error)?.message ?? String(err)}`);
}
