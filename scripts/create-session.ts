/**
 * Interactive helper: logs a Telegram account in with GramJS (phone → code → 2FA password if set) and prints
 * its StringSession, to paste into "Add account" (PLATFORM_MODE=telegram). The session grants full access to the
 * account: it is printed once, here, and nowhere else. Needs TELEGRAM_API_ID / TELEGRAM_API_HASH.
 *
 *   TELEGRAM_API_ID=… TELEGRAM_API_HASH=… npm run session
 */
import { createInterface } from 'node:readline/promises';
import { TelegramClient } from 'telegram';
import { StringSession } from 'telegram/sessions/index.js';

async function main() {
  const apiId = Number(process.env.TELEGRAM_API_ID);
  const apiHash = process.env.TELEGRAM_API_HASH;
  if (!apiId || !apiHash) throw new Error('Set TELEGRAM_API_ID and TELEGRAM_API_HASH (from my.telegram.org) first.');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const client = new TelegramClient(new StringSession(''), apiId, apiHash, { connectionRetries: 3 });
  client.setLogLevel('error' as never);
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
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
