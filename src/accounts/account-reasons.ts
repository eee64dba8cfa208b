import { KNOWN_ERRORS } from '../platform/platform-error.js';
import { hasMessage, renderMessage, renderStoredReason, type Lang } from '../shared/messages.js';

/**
 * Why a row was retired for being a Telegram account another row holds (accounts.status_reason; migration 13 writes
 * `owned_elsewhere` too, as this text).
 */
export const ACCOUNT_TWIN_SENTENCES = {
  owned_elsewhere: 'this Telegram account is connected by another user of this service',
  connected_twice: 'this Telegram account is already connected as another of your accounts; that one works, this one can be removed',
} as const;

/** Why an account rests after its connection failed and nothing was sent (accounts.status_reason; restUnreachable). */
export const UNREACHABLE_SENTENCES = {
  proxy_unreachable: "Telegram could not be reached through the account's proxy; it tries again after a pause",
  telegram_unreachable: 'Telegram could not be reached from the server; it tries again after a pause',
} as const;

/** accounts.status_reason as written (the platform error's English sentence, or the owner's disable) → its code. */
const CODE_OF_SENTENCE = new Map<string, string>([
  ...Object.entries(KNOWN_ERRORS).map(([code, k]) => [k.reason, code] as [string, string]),
  ['disabled by its owner', 'disabled'],
  ...Object.entries(ACCOUNT_TWIN_SENTENCES).map(([code, text]) => [text, code] as [string, string]),
  ...Object.entries(UNREACHABLE_SENTENCES).map(([code, text]) => [text, code] as [string, string]),
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

/** Why an account cannot serve a task's group, as the group check writes it (task_accounts.reason keeps it). */
export const GROUP_CHECK_SENTENCES = {
  not_admin: 'not an admin of this group',
  admin_no_invite: 'admin without the right to add members',
} as const;
/** The group check's sentence when it could not ask: this prefix, then the platform's reason. */
export const PROBE_FAILED_PREFIX = 'could not check the group: ';

const KEY_OF_GROUP_SENTENCE = new Map<string, string>(Object.entries(GROUP_CHECK_SENTENCES).map(([k, v]) => [v, `GROUP_CHECK.${k}`]));
const PLATFORM_CODE_OF_SENTENCE = new Map<string, string>(Object.entries(KNOWN_ERRORS).map(([code, k]) => [k.reason, code]));

/**
 * Why an account is not eligible for a task (task_accounts.reason, or the live group check's), in the reader's
 * language: the group check's sentences and its "could not check" with the platform's reason, an account's status
 * reason, a catalogue code; anything else as written. It read «could not check the group: the group does not exist»
 * inside a Russian sentence.
 */
export function eligibilityReasonText(stored: string | null, lang: Lang): string | null {
  if (stored === null || lang === 'en') return stored;
  const key = KEY_OF_GROUP_SENTENCE.get(stored);
  if (key) return renderMessage(key, lang) ?? stored;
  if (stored.startsWith(PROBE_FAILED_PREFIX)) {
    const inner = stored.slice(PROBE_FAILED_PREFIX.length);
    const code = PLATFORM_CODE_OF_SENTENCE.get(inner);
    const why = (code && hasMessage(`REASON.${code}`) && renderMessage(`REASON.${code}`, lang)) || inner;
    return renderMessage('GROUP_CHECK.probe_failed', lang, { why }) ?? stored;
  }
  const account = accountReasonText(stored, lang);
  return account !== stored ? account : renderStoredReason(stored, null, lang);
}
