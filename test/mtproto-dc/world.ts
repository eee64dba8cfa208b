import { randomBytes, randomInt } from 'node:crypto';

/**
 * The scriptable state behind the loopback test DC: people, groups, login codes, injected errors and a record
 * of everything that happened. Tests build it, the DC serves it, tests assert on its record.
 */

export interface Privacy {
  /** Invites refused by privacy settings (answered the way current Telegram does: as a "missing invitee"). */
  invitesForbidden?: boolean;
  /** Only mutual contacts may add them: USER_NOT_MUTUAL_CONTACT. */
  mutualContactsOnly?: boolean;
  /** In too many channels: USER_CHANNELS_TOO_MUCH. */
  tooManyChannels?: boolean;
  /** Group ids (TestGroup.id) the person was kicked from: USER_KICKED there. */
  kickedFrom?: bigint[];
  /** A deleted account: INPUT_USER_DEACTIVATED when invited or messaged. */
  deactivated?: boolean;
  /** A bot (User.bot): USER_BOT when invited. */
  bot?: boolean;
  /**
   * "Who can find me by my number" is not Everybody: contacts.resolvePhone answers PHONE_NOT_OCCUPIED. The DC still
   * lets contacts.importContacts find them (simpler than Telegram, which applies the person's rule there too), so that
   * the adapter's fallback to an import, and its clean-up, can be exercised.
   */
  hiddenFromPhoneSearch?: boolean;
}

export interface TestUser {
  id: bigint;
  accessHash: bigint;
  phone: string;
  username?: string;
  firstName: string;
  lastName?: string;
  /** 2FA password (SRP on the DC). */
  password?: string;
  /** The DC the phone number lives on (PHONE_MIGRATE_X elsewhere). */
  dc: number;
  privacy: Privacy;
  /** SRP salts (fixed per user). */
  srpSalt1: Buffer;
  srpSalt2: Buffer;
}

export type GroupKind = 'megagroup' | 'channel' | 'basic';

export interface TestGroup {
  id: bigint;
  accessHash: bigint;
  kind: GroupKind;
  title: string;
  username?: string;
  creatorId: bigint;
  admins: Map<bigint, { canInvite: boolean }>;
  members: Set<bigint>;
  /** The product's group key: -100<id> for channels/megagroups, -<id> for basic groups. */
  key: string;
  /** Private invite link hash: https://t.me/+<inviteHash> (messages.CheckChatInvite). */
  inviteHash: string;
}

export interface InviteRecord {
  groupId: bigint;
  userId: bigint;
  byUserId: bigint;
  method: 'channels.InviteToChannel' | 'messages.AddChatUser';
  at: number;
}
export interface MessageRecord {
  fromUserId: bigint;
  toUserId: bigint;
  text: string;
  at: number;
}
export interface CallRecord {
  /** TL class name, e.g. 'channels.InviteToChannel'. */
  method: string;
  dcId: number;
  /** The authorised user of the auth key, if any. */
  userId?: bigint;
  /** The RPC error answered, if any. */
  error?: string;
  at: number;
  request: unknown;
}

export interface AuthKeyRecord {
  keyIdHex: string;
  key: Buffer;
  dcId: number;
  userId?: bigint;
  /** SESSION_PASSWORD_NEEDED was answered for this user on this key. */
  passwordPendingFor?: bigint;
  /** revokeSessions() / logOut: AUTH_KEY_UNREGISTERED from now on. */
  revoked?: boolean;
}

interface Injected {
  error: string;
  times: number;
  userId?: bigint;
  code?: number;
}
interface SentCodeRecord {
  phone: string;
  code: string;
  hash: string;
  expired: boolean;
}
export interface LoginTokenRecord {
  token: Buffer;
  keyIdHex: string;
  dcId: number;
  expires: number;
  acceptedBy?: bigint;
  used?: boolean;
}

export class TestWorld {
  readonly users = new Map<bigint, TestUser>();
  readonly groups = new Map<bigint, TestGroup>();
  readonly invites: InviteRecord[] = [];
  readonly messages: MessageRecord[] = [];
  readonly calls: CallRecord[] = [];
  /** Methods the DC does not implement, as they were asked for. */
  readonly unsupported: string[] = [];
  readonly authKeys = new Map<string, AuthKeyRecord>();
  readonly loginTokens: LoginTokenRecord[] = [];
  /** Each account's contacts (contacts.importContacts adds, contacts.deleteContacts removes), by the account's user id. */
  readonly contacts = new Map<bigint, Set<bigint>>();
  /**
   * How many more numbers contacts.importContacts may import, for every account (undefined: no limit). At 0 an import
   * answers the number in `retry_contacts` and finds no one, as Telegram does once an account's allowance is used up.
   */
  contactImportsLeft: number | undefined = undefined;
  private readonly codes: SentCodeRecord[] = [];
  private readonly injected = new Map<string, Injected[]>();
  private nextUserId = 1_000_001n;
  private nextChannelId = 1_700_000_001n;
  private nextChatId = 4_100_001n;
  /** The clock of the record's `at` fields (tests driving a virtual clock set it to theirs). */
  now: () => number = () => Date.now();
  /** Called by the DC to push updates (e.g. UpdateLoginToken) to the connections of an auth key. */
  onLoginTokenAccepted?: (token: LoginTokenRecord) => void;

  addUser(u: { phone: string; username?: string; firstName?: string; lastName?: string; password?: string; dc?: number; privacy?: Privacy }): TestUser {
    const phone = u.phone.replace(/[^\d]/g, '');
    const user: TestUser = {
      id: this.nextUserId++,
      accessHash: randomBytes(8).readBigInt64LE(),
      phone,
      username: u.username?.replace(/^@/, ''),
      firstName: u.firstName ?? `User${phone.slice(-4)}`,
      lastName: u.lastName,
      password: u.password,
      dc: u.dc ?? 2,
      privacy: u.privacy ?? {},
      srpSalt1: randomBytes(40),
      srpSalt2: randomBytes(16),
    };
    this.users.set(user.id, user);
    return user;
  }

  addGroup(g: {
    kind: GroupKind;
    title: string;
    username?: string;
    creatorId: bigint;
    admins?: { userId: bigint; canInvite: boolean }[];
    members?: bigint[];
  }): TestGroup {
    const id = g.kind === 'basic' ? this.nextChatId++ : this.nextChannelId++;
    const group: TestGroup = {
      id,
      accessHash: g.kind === 'basic' ? 0n : randomBytes(8).readBigInt64LE(),
      kind: g.kind,
      title: g.title,
      username: g.kind === 'basic' ? undefined : g.username?.replace(/^@/, ''),
      creatorId: g.creatorId,
      admins: new Map((g.admins ?? []).map((a) => [a.userId, { canInvite: a.canInvite }])),
      members: new Set([g.creatorId, ...(g.admins ?? []).map((a) => a.userId), ...(g.members ?? [])]),
      key: g.kind === 'basic' ? `-${id}` : `-100${id}`,
      inviteHash: randomBytes(12).toString('base64url'),
    };
    this.groups.set(id, group);
    return group;
  }

  userByPhone(phone: string): TestUser | undefined {
    const digits = phone.replace(/[^\d]/g, '');
    for (const u of this.users.values()) if (u.phone === digits) return u;
    return undefined;
  }

  userByUsername(name: string): TestUser | undefined {
    const n = name.replace(/^@/, '').toLowerCase();
    for (const u of this.users.values()) if (u.username?.toLowerCase() === n) return u;
    return undefined;
  }

  groupByUsername(name: string): TestGroup | undefined {
    const n = name.replace(/^@/, '').toLowerCase();
    for (const g of this.groups.values()) if (g.username?.toLowerCase() === n) return g;
    return undefined;
  }

  // ---- login codes and QR tokens ----

  issueCode(phone: string): SentCodeRecord {
    const rec: SentCodeRecord = {
      phone: phone.replace(/[^\d]/g, ''),
      code: String(randomInt(10000, 100000)),
      hash: randomBytes(8).toString('hex'),
      expired: false,
    };
    this.codes.push(rec);
    return rec;
  }

  findCode(phone: string, hash: string): SentCodeRecord | undefined {
    const digits = phone.replace(/[^\d]/g, '');
    return this.codes.find((c) => c.phone === digits && c.hash === hash);
  }

  /** The newest login code sent to this phone. */
  lastCode(phone: string): string | undefined {
    const digits = phone.replace(/[^\d]/g, '');
    return [...this.codes].reverse().find((c) => c.phone === digits)?.code;
  }

  /** Expires every code sent to this phone (PHONE_CODE_EXPIRED on sign-in). */
  expireCodes(phone: string): void {
    const digits = phone.replace(/[^\d]/g, '');
    for (const c of this.codes) if (c.phone === digits) c.expired = true;
  }

  /** Accepts the newest outstanding QR login token (as if the user scanned it in their app). */
  acceptQr(userId: bigint, token?: Buffer): void {
    const t = token ? this.loginTokens.find((x) => x.token.equals(token)) : [...this.loginTokens].reverse().find((x) => !x.acceptedBy && !x.used);
    if (!t) throw new Error('no outstanding login token');
    if (!this.users.has(userId)) throw new Error(`no user ${userId}`);
    t.acceptedBy = userId;
    this.onLoginTokenAccepted?.(t);
  }

  // ---- errors and sessions ----

  /**
   * The next `times` (default 1) calls of `method` (TL class name such as 'channels.InviteToChannel', or '*')
   * answer `error` (e.g. 'FLOOD_WAIT_30'); with `userId`, only calls by that user's sessions.
   */
  injectError(method: string, error: string, opts: { times?: number; userId?: bigint; code?: number } = {}): void {
    const list = this.injected.get(method) ?? [];
    list.push({ error, times: opts.times ?? 1, userId: opts.userId, code: opts.code });
    this.injected.set(method, list);
  }

  /** Internal: the injected error for this call, if one is due (consumes one use). */
  takeInjected(method: string, userId: bigint | undefined): { error: string; code?: number } | undefined {
    for (const key of [method, '*']) {
      const list = this.injected.get(key);
      if (!list) continue;
      const i = list.findIndex((x) => x.times > 0 && (x.userId === undefined || x.userId === userId));
      if (i < 0) continue;
      const hit = list[i]!;
      hit.times--;
      if (hit.times <= 0) list.splice(i, 1);
      return { error: hit.error, code: hit.code };
    }
    return undefined;
  }

  /** Logs out every session of the user: their next call answers AUTH_KEY_UNREGISTERED. */
  revokeSessions(userId: bigint): void {
    for (const k of this.authKeys.values()) {
      if (k.userId === userId) {
        k.userId = undefined;
        k.revoked = true;
      }
    }
  }

  /** Calls recorded for one method (optionally only successful ones). */
  callsOf(method: string, opts: { ok?: boolean; userId?: bigint } = {}): CallRecord[] {
    return this.calls.filter(
      (c) => c.method === method && (opts.ok === undefined || opts.ok === !c.error) && (opts.userId === undefined || c.userId === opts.userId),
    );
  }
}
