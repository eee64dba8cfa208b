import { KNOWN_ERRORS } from '../platform/platform-error.js';
import { HYGIENE_CODES } from './audience-hygiene.js';

/**
 * Which finished people "Повторить неудачные" carries into a new task.
 *
 * Retryable = the attempt failed for a reason that may not hold next time: network trouble (TIMEOUT,
 * NETWORK_TIMEOUT, CONNECT_FAILED…) and any platform code this service does not know (kind NETWORK/UNKNOWN in
 * platform-error.ts: the worker retried them and gave up after MAX_TARGET_ATTEMPTS), and a FAILED row without a code.
 * Not retryable: every code platform-error.ts knows (all of them are about the person or the account: privacy,
 * mutual contacts only, blocked, kicked, banned in the channel, no such username/id/phone, deleted account, bot,
 * already a member, too many groups; FloodWait/PeerFlood never end a person), and this service's own verdicts:
 * audience hygiene (ALREADY_INVITED, DO_NOT_CONTACT), skipped by the owner (SKIPPED_BY_USER) and a direct message
 * whose delivery is unknown (OUTCOME_UNKNOWN: retrying could send it twice).
 */
export const NOT_RETRYABLE_CODES: readonly string[] = [
  ...Object.keys(KNOWN_ERRORS),
  'FLOOD_WAIT',
  'SLOWMODE_WAIT',
  ...HYGIENE_CODES,
  'SKIPPED_BY_USER',
  'OUTCOME_UNKNOWN',
];
const NOT_RETRYABLE = new Set(NOT_RETRYABLE_CODES);

/**
 * Refusals that mean "this person does not want to hear from us": the default set added by "add everyone who refused
 * in task X" (privacy settings, messages from contacts and Premium users only, mutual contacts only, blocked the
 * account, removed by an admin). Here beside isRetryable so that the task page offers the same set.
 */
export const REFUSAL_CODES = [
  'USER_PRIVACY_RESTRICTED',
  'PRIVACY_PREMIUM_REQUIRED',
  'USER_NOT_MUTUAL_CONTACT',
  'USER_IS_BLOCKED',
  'USER_BLOCKED',
  'USER_KICKED',
] as const;

export function isRetryable(status: string, code: string | null): boolean {
  if (status !== 'FAILED' && status !== 'SKIPPED') return false;
  if (code === null) return status === 'FAILED';
  return !NOT_RETRYABLE.has(code);
}
