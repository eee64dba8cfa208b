/**
 * Interactive helper: logs a Telegram account in with GramJS (phone → code → 2FA password if set) and prints
 * its StringSession, to paste into "Add account" (PLATFORM_MODE=telegram). The session grants full access to the
 * account: it is printed once, here, and nowhere else. Needs TELEGRAM_API_ID / TELEGRAM_API_HASH.
 *
 *   TELEGRAM_API_ID=… TELEGRAM_API_HASH=… npm run session
 *   TELEGRAM_API_ID=… TELEGRAM_API_HASH=… npm run session -- --proxy socks5://user:password@host:port
 *
 * `--proxy` (or TELEGRAM_PROXY) takes what the account form takes — SOCKS5, SOCKS4, HTTP, a shop's
 * host:port:user:password — so Telegram sees the login come from the address the account will work from; paste the
 * same proxy beside the session. TELEGRAM_DC / TELEGRAM_DC_PUBLIC_KEY point it at a test DC, as they do the service.
 */
import { createInterface } from 'node:readline/promises';
import { loadConfig } from '../src/config/config.js';
import { settleProxyKind } from '../src/platform/telegram/proxy-kind.js';
import { newTelegramClient } from '../src/platform/telegram/telegram-dc.js';
import { describeProxy, parseProxy, ProxyFormatError } from '../src/platform/telegram/telegram-proxy.js';

function typedProxy(): string | undefined {
  const at = process.argv.indexOf('--proxy');
  if (at >= 0 && !process.argv[at + 1]) throw new Error('--proxy needs a value, e.g. --proxy socks5://user:password@host:port');
  return at >= 0 ? process.argv[at + 1] : process.env.TELEGRAM_PROXY || undefined;
}

async function main() {
  const telegram = loadConfig({ ...process.env, PLATFORM_MODE: 'telegram' }).telegram;
  if (!telegram.apiId || !telegram.apiHash) throw new Error('Set TELEGRAM_API_ID and TELEGRAM_API_HASH (from my.telegram.org) first.');
  const typed = typedProxy();
  let proxy = null;
  try {
    proxy = typed ? await settleProxyKind(parseProxy(typed)) : null;
  } catch (err) {
    throw err instanceof ProxyFormatError ? new Error(`proxy: ${err.text.en}`) : err;
  }
  if (proxy) console.log(`Through the proxy ${describeProxy(proxy)}`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const client = newTelegramClient(telegram, '', { connectionRetries: 3 }, proxy);
  client.setLogLevel('error' as never);
  // connect() answers false (it does not throw) when Telegram, or the proxy, cannot be reached.
  if ((await client.connect()) === false) throw new Error(`Telegram could not be reached${proxy ? ' through the proxy' : ''}.`);
  await client.start({
    phoneNumber: () => rl.question('Phone number (international format, e.g. +14155550123): '),
    phoneCode: () => rl.question('Login code sent by Telegram: '),
    password: () => rl.question('Two-step verification password (empty if none): '),
    onError: (err) => console.error(`Telegram refused: ${err.message}`),
  });
  console.log('\nStringSession (keep it secret; paste it into "Add account"):\n');
  console.log(String(client.session.save()));
  rl.close();
  await client.disconnect();
  await client.destroy();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
