/**
 * The platform-neutral vocabulary of failures. Adapters translate their library's errors into
 * this; the Account Manager and workers decide only on `kind`, never on message text
 * (Telegram's FloodWait text does not even contain the word "flood").
 */
export type PlatformErrorKind =
  | 'FLOOD_WAIT' // account must wait `seconds`
  | 'PEER_FLOOD' // account flagged for spam-like activity: long rest
  | 'ACCOUNT_BANNED' // account retired for good
  | 'ACCOUNT_DEAUTHORIZED' // session revoked: retired until re-added
  | 'TARGET' // this person cannot be reached; account unharmed
  | 'GROUP' // this account cannot act on this group (not admin, no rights, group gone)
  | 'NETWORK' // transient; retry the target later
  | 'UNKNOWN';

/** The kinds that are about the account, not the person: the Account Manager rests or retires it (reportError). */
export const ACCOUNT_ERROR_KINDS: ReadonlySet<PlatformErrorKind> = new Set<PlatformErrorKind>([
  'FLOOD_WAIT',
  'PEER_FLOOD',
  'ACCOUNT_BANNED',
  'ACCOUNT_DEAUTHORIZED',
]);

export class PlatformError extends Error {
  constructor(
    readonly kind: PlatformErrorKind,
    readonly code: string,
    message: string,
    readonly seconds?: number,
    /** For TARGET errors: SKIPPED when the person simply can't be added, FAILED when the identifier is bad. */
    readonly targetOutcome: 'SKIPPED' | 'FAILED' = 'FAILED',
    /**
     * The adapter refused the action itself, from what the platform had already said of the person (a bot, a member
     * already): no invite or message was sent, so the attempt counts toward no limit (see refusedBeforeAction).
     */
    readonly beforeAction = false,
  ) {
    super(message);
  }
}

interface Known {
  kind: PlatformErrorKind;
  reason: string;
  outcome?: 'SKIPPED' | 'FAILED';
  /** For a FLOOD_WAIT the platform gives no time for: how long the account waits. */
  seconds?: number;
}

/** Platform error codes (Telegram's TL error types) and the sentence a user reads for each. */
export const KNOWN_ERRORS: Record<string, Known> = {
  USER_PRIVACY_RESTRICTED: { kind: 'TARGET', outcome: 'SKIPPED', reason: "the user's privacy settings forbid invites" },
  USER_NOT_MUTUAL_CONTACT: { kind: 'TARGET', outcome: 'SKIPPED', reason: 'the user accepts invites only from mutual contacts' },
  USER_CHANNELS_TOO_MUCH: { kind: 'TARGET', outcome: 'SKIPPED', reason: 'the user is already in too many groups and channels' },
  USER_ALREADY_PARTICIPANT: { kind: 'TARGET', outcome: 'SKIPPED', reason: 'the user is already a member' },
  USER_KICKED: { kind: 'TARGET', outcome: 'SKIPPED', reason: 'the user was removed from this group by an admin' },
  USER_BANNED_IN_CHANNEL: { kind: 'TARGET', outcome: 'FAILED', reason: 'Telegram refuses this user in this group (banned in channel)' },
  USERNAME_NOT_OCCUPIED: { kind: 'TARGET', outcome: 'FAILED', reason: 'no Telegram user has this username' },
  USERNAME_INVALID: { kind: 'TARGET', outcome: 'FAILED', reason: 'the username is not a valid Telegram username' },
  PEER_ID_INVALID: { kind: 'TARGET', outcome: 'FAILED', reason: 'this user id is unknown to the account (use a username instead)' },
  USER_ID_INVALID: { kind: 'TARGET', outcome: 'FAILED', reason: 'this user id is not valid' },
  INPUT_USER_DEACTIVATED: { kind: 'TARGET', outcome: 'FAILED', reason: "the user's Telegram account was deleted" },
  USER_IS_BOT: { kind: 'TARGET', outcome: 'SKIPPED', reason: 'the user is a bot' },
  USER_BOT: { kind: 'TARGET', outcome: 'SKIPPED', reason: 'the user is a bot' },
  USER_IS_BLOCKED: { kind: 'TARGET', outcome: 'SKIPPED', reason: 'the user has blocked this account' },
  PHONE_NOT_FOUND: { kind: 'TARGET', outcome: 'FAILED', reason: 'no Telegram account was found for this phone number' },
  // Messages from strangers limited to contacts and Premium users (Telegram's 2024 setting).
  PRIVACY_PREMIUM_REQUIRED: { kind: 'TARGET', outcome: 'SKIPPED', reason: 'the user accepts messages only from contacts and Telegram Premium users' },
  YOU_BLOCKED_USER: { kind: 'TARGET', outcome: 'SKIPPED', reason: 'this account has blocked the user' },
  USER_BLOCKED: { kind: 'TARGET', outcome: 'SKIPPED', reason: 'the user has blocked this account' },
  // The template fits Telegram's 4,096 characters; filled in with a long name, a message may not.
  MESSAGE_TOO_LONG: { kind: 'TARGET', outcome: 'FAILED', reason: 'the message filled in for this person is longer than Telegram allows (4,096 characters)' },
  CHAT_MEMBER_ADD_FAILED: { kind: 'TARGET', outcome: 'SKIPPED', reason: 'Telegram could not add the user to the group' },
  PEER_FLOOD: { kind: 'PEER_FLOOD', reason: 'Telegram flagged the account for too many requests (PeerFlood)' },
  // Spam reports: the account may not add people or write to strangers for a while. Rested as for PeerFlood.
  USER_RESTRICTED: { kind: 'PEER_FLOOD', reason: 'Telegram restricted the account after spam reports' },
  // Not a TL error: contacts.importContacts answering the number in `retry_contacts` (the account's allowance of
  // imports is used up for now; Telegram says no time). An hour's rest, then the next refusal rests it again.
  CONTACTS_IMPORT_LIMIT: {
    kind: 'FLOOD_WAIT',
    reason: 'Telegram limits how many phone numbers the account may look up for now',
    seconds: 3600,
  },
  AUTH_KEY_UNREGISTERED: { kind: 'ACCOUNT_DEAUTHORIZED', reason: 'the session was logged out; add the account again' },
  AUTH_KEY_INVALID: { kind: 'ACCOUNT_DEAUTHORIZED', reason: 'the session key is invalid; add the account again' },
  SESSION_REVOKED: { kind: 'ACCOUNT_DEAUTHORIZED', reason: 'the session was revoked; add the account again' },
  AUTH_KEY_DUPLICATED: {
    kind: 'ACCOUNT_DEAUTHORIZED',
    reason: 'the session was used from two places at once and Telegram ended it; connect the account again',
  },
  SESSION_EXPIRED: { kind: 'ACCOUNT_DEAUTHORIZED', reason: 'the session expired; add the account again' },
  USER_DEACTIVATED: { kind: 'ACCOUNT_BANNED', reason: 'the account was deleted or deactivated' },
  USER_DEACTIVATED_BAN: { kind: 'ACCOUNT_BANNED', reason: 'the account was banned by Telegram' },
  PHONE_NUMBER_BANNED: { kind: 'ACCOUNT_BANNED', reason: "the account's phone number is banned by Telegram" },
  // A frozen account (Telegram's 2025 measure against rule breaking) can only appeal: retired like a ban.
  FROZEN_METHOD_INVALID: { kind: 'ACCOUNT_BANNED', reason: 'Telegram froze the account; it can only appeal' },
  CHAT_ADMIN_REQUIRED: { kind: 'GROUP', reason: 'the account is not an admin of this group' },
  CHAT_WRITE_FORBIDDEN: { kind: 'GROUP', reason: 'the account may not write in this group' },
  CHANNEL_PRIVATE: { kind: 'GROUP', reason: 'the group is private or the account was removed from it' },
  CHANNEL_INVALID: { kind: 'GROUP', reason: 'the group does not exist' },
  CHAT_ID_INVALID: { kind: 'GROUP', reason: 'the group id is not valid' },
  INVITE_HASH_EXPIRED: { kind: 'GROUP', reason: 'the invite link has expired' },
  USERS_TOO_MUCH: { kind: 'GROUP', reason: 'the group has reached its member limit' },
};

/** The platform's verdicts about a person (privacy, blocked, no such user…): what trying them again would meet again. */
export const TARGET_REFUSAL_CODES: readonly string[] = Object.keys(KNOWN_ERRORS).filter((code) => KNOWN_ERRORS[code]!.kind === 'TARGET');

/** Builds the PlatformError for a known code (used by both adapters so wording stays identical). */
export function platformError(code: string, seconds?: number): PlatformError {
  if (code === 'FLOOD_WAIT' || code === 'SLOWMODE_WAIT') {
    return new PlatformError('FLOOD_WAIT', code, `Telegram asked the account to wait ${seconds ?? 0} s (FloodWait)`, seconds ?? 0);
  }
  const known = KNOWN_ERRORS[code];
  if (!known) return new PlatformError('UNKNOWN', code, `Telegram returned ${code}`);
  return new PlatformError(known.kind, code, known.reason, known.seconds, known.outcome ?? 'FAILED');
}

/**
 * What a failure to connect an account (before any action) is: NETWORK and beforeAction whatever the adapter said of
 * it, since nothing reached the person. Verdicts about the account (a revoked session, a ban, a FloodWait on
 * connecting) keep their kind.
 */
export function unreachableBeforeAction(err: unknown): PlatformError {
  const e = err instanceof PlatformError ? err : new PlatformError('UNKNOWN', 'UNKNOWN', (err as Error)?.message ?? String(err));
  if (e.kind !== 'NETWORK' && e.kind !== 'UNKNOWN') return e;
  return new PlatformError('NETWORK', e.code, e.message, e.seconds, e.targetOutcome, true);
}

/** A known person-level refusal the adapter decides without sending the action (PlatformError.beforeAction). */
export function refusedBeforeAction(code: string): PlatformError {
  const e = platformError(code);
  return new PlatformError(e.kind, e.code, e.message, e.seconds, e.targetOutcome, true);
}
