import { KNOWN_ERRORS } from '../platform/platform-error.js';
import { renderMessage, type Lang } from '../shared/messages.js';

/** accounts.status_reason as written (the platform error's English sentence, or the owner's disable) → its code. */
const CODE_OF_SENTENCE = new Map<string, string>([
  ...Object.entries(KNOWN_ERRORS).map(([code, k]) => [k.reason, code] as [string, string]),
  ['disabled by its owner', 'disabled'],
]);

/**
 * An account's status reason in the reader's language. The column keeps the sentence the platform adapter wrote
 * (logs and old rows read it); a known one is said again from its code, anything else stays as written.
 */
export function accountReasonText(stored: string | null, lang: Lang): string | null {
  if (stored === null || lang === 'en') return stored;
  const code = CODE_OF_SENTENCE.get(stored);
  if (code) return renderMessage(`ACCOUNT_REASON.${code}`, lang) ?? stored;
  const wait = /^Telegram asked the account to wait (\d+) s \(FloodWait\)$/.exec(stored);
  if (wait) return renderMessage('ACCOUNT_REASON.FLOOD_WAIT', lang, { seconds: wait[1] }) ?? stored;
  return stored;
}
