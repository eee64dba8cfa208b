import type { TelegramClient } from 'telegram';
import type { TelegramConfig } from '../config/config.js';
import { newTelegramClient } from '../platform/telegram/telegram-dc.js';
import type { AccountProxy } from '../platform/telegram/telegram-proxy.js';

/**
 * The one place where the account-connection code gets a GramJS client: login attempts, health checks and
 * log-outs all build theirs here, on the configured DC (TELEGRAM_DC for a loopback test DC), with FloodWaits
 * going straight back to the person instead of GramJS sleeping through them while an HTTP request waits.
 */
export type TelegramClientFactory = (sessionString: string, proxy?: AccountProxy | null) => TelegramClient;

export function telegramClientFactory(telegram: TelegramConfig): TelegramClientFactory {
  return (sessionString, proxy) => {
    const client = newTelegramClient(telegram, sessionString, { connectionRetries: 2, floodSleepThreshold: 0 }, proxy);
    client.setLogLevel('none' as never);
    return client;
  };
}
