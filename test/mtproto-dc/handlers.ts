import { createHash, randomBytes } from 'node:crypto';
import { Api } from 'telegram';
import { computeDigest } from 'telegram/Password.js';
import { BinaryReader } from 'telegram/extensions/index.js';
import bigInt from 'big-integer';
import type { AuthKeyRecord, TestGroup, TestUser, TestWorld } from './world.js';
import { TG_PRIME, TG_PRIME_BIG, bigToBuf, bufToBig, modPow } from './bigmath.js';

/** The RPC methods the loopback test DC answers, against a TestWorld. */

export interface DcInfo {
  id: number;
  host: string;
  port: number;
}

export interface CallContext {
  world: TestWorld;
  dcId: number;
  key: AuthKeyRecord;
  allDcs: DcInfo[];
  log: (line: string) => void;
}

export class RpcFail extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function codeFor(message: string): number {
  if (/^(FLOOD_WAIT|FLOOD_PREMIUM_WAIT|SLOWMODE_WAIT)_\d+$/.test(message)) return 420;
  if (/_MIGRATE_\d+$/.test(message)) return 303;
  if (/^(AUTH_KEY_UNREGISTERED|AUTH_KEY_INVALID|SESSION_REVOKED|SESSION_EXPIRED|SESSION_PASSWORD_NEEDED|USER_DEACTIVATED|USER_DEACTIVATED_BAN)$/.test(message))
    return 401;
  if (/^(CHAT_ADMIN_REQUIRED|USER_PRIVACY_RESTRICTED|CHAT_WRITE_FORBIDDEN|USER_NOT_MUTUAL_CONTACT|USER_CHANNELS_TOO_MUCH|USER_IS_BLOCKED)$/.test(message))
    return 403;
  if (message === 'INTERNAL_TEST_DC_ERROR') return 500;
  return 400;
}
export const fail = (message: string, code = codeFor(message)) => new RpcFail(code, message);

const big = (n: bigint) => bigInt(n.toString());
const toBig = (n: bigInt.BigInteger | number | bigint) => BigInt(n.toString());
const now = () => Math.floor(Date.now() / 1000);
const BOOL_TRUE = Buffer.from([0xb5, 0x75, 0x72, 0x99]);
function vector(items: { getBytes(): Buffer }[]): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(0x1cb5c415, 0);
  head.writeInt32LE(items.length, 4);
  return Buffer.concat([head, ...items.map((i) => i.getBytes())]);
}

// ---- TL views of the world ----

function userTL(u: TestUser, viewer?: bigint): Api.User {
  const self = viewer === u.id;
  return new Api.User({
    id: big(u.id),
    self,
    accessHash: big(u.accessHash),
    firstName: u.firstName,
    lastName: u.lastName,
    username: u.username,
    phone: self ? u.phone : undefined,
    deleted: !!u.privacy.deactivated,
    // TL: bot_info_version shares flags.14 with `bot`, so it must be present whenever bot is (and absent otherwise).
    ...(u.privacy.bot ? { bot: true, botInfoVersion: 1 } : {}),
    status: new Api.UserStatusRecently({}),
  });
}

function groupTL(g: TestGroup, viewer?: bigint): Api.TypeChat {
  const creator = viewer === g.creatorId;
  const admin = viewer !== undefined ? g.admins.get(viewer) : undefined;
  const left = viewer === undefined || !g.members.has(viewer);
  if (g.kind === 'basic') {
    return new Api.Chat({
      id: big(g.id),
      title: g.title,
      photo: new Api.ChatPhotoEmpty(),
      participantsCount: g.members.size,
      date: now(),
      version: 1,
      creator,
      left,
      adminRights: admin ? new Api.ChatAdminRights({ inviteUsers: admin.canInvite, other: true }) : undefined,
    });
  }
  return new Api.Channel({
    id: big(g.id),
    accessHash: big(g.accessHash),
    title: g.title,
    username: g.username,
    photo: new Api.ChatPhotoEmpty(),
    date: now(),
    megagroup: g.kind === 'megagroup',
    broadcast: g.kind === 'channel',
    creator,
    left,
    adminRights: creator ? fullRights() : admin ? new Api.ChatAdminRights({ inviteUsers: admin.canInvite, other: true }) : undefined,
    participantsCount: g.members.size,
  });
}

function fullRights() {
  return new Api.ChatAdminRights({
    changeInfo: true,
    postMessages: true,
    editMessages: true,
    deleteMessages: true,
    banUsers: true,
    inviteUsers: true,
    pinMessages: true,
    addAdmins: true,
    manageCall: true,
    other: true,
  });
}

// ---- resolving input peers ----

function me(ctx: CallContext): TestUser {
  const u = ctx.key.userId !== undefined ? ctx.world.users.get(ctx.key.userId) : undefined;
  if (!u) throw fail('AUTH_KEY_UNREGISTERED');
  return u;
}

function inputUser(ctx: CallContext, input: Api.TypeInputUser | Api.TypeInputPeer): TestUser {
  if (input instanceof Api.InputUserSelf || input instanceof Api.InputPeerSelf) return me(ctx);
  if (input instanceof Api.InputUser || input instanceof Api.InputPeerUser) {
    const u = ctx.world.users.get(toBig(input.userId));
    if (!u || u.accessHash !== toBig(input.accessHash)) throw fail('USER_ID_INVALID');
    return u;
  }
  throw fail('USER_ID_INVALID');
}

function inputChannel(ctx: CallContext, input: Api.TypeInputChannel | Api.TypeInputPeer): TestGroup {
  if (input instanceof Api.InputChannel || input instanceof Api.InputPeerChannel) {
    const g = ctx.world.groups.get(toBig(input.channelId));
    if (!g || g.kind === 'basic' || g.accessHash !== toBig(input.accessHash)) throw fail('CHANNEL_INVALID');
    return g;
  }
  throw fail('CHANNEL_INVALID');
}

function basicChat(ctx: CallContext, chatId: bigInt.BigInteger): TestGroup {
  const g = ctx.world.groups.get(toBig(chatId));
  if (g?.kind !== 'basic') throw fail('CHAT_ID_INVALID');
  return g;
}

// ---- login ----

function authorization(ctx: CallContext, user: TestUser) {
  ctx.key.userId = user.id;
  ctx.key.passwordPendingFor = undefined;
  ctx.key.revoked = false;
  return new Api.auth.Authorization({ user: userTL(user, user.id) });
}

const srpStates = new Map<string, { user: TestUser; b: bigint; B: bigint }>();
// keyed by the user object: ids repeat across worlds
const verifiers = new WeakMap<TestUser, bigint>();

function passwordAlgo(u: TestUser) {
  return new Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow({ salt1: u.srpSalt1, salt2: u.srpSalt2, g: 3, p: TG_PRIME });
}

async function verifier(u: TestUser): Promise<bigint> {
  let v = verifiers.get(u);
  if (v === undefined) {
    // v = g^x mod p with x = the SRP password hash (GramJS's own computeDigest).
    v = bufToBig(await computeDigest(passwordAlgo(u), u.password!));
    verifiers.set(u, v);
  }
  return v;
}

const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

async function getPassword(ctx: CallContext): Promise<Api.account.Password> {
  const uid = ctx.key.passwordPendingFor ?? ctx.key.userId;
  const u = uid !== undefined ? ctx.world.users.get(uid) : undefined;
  const noPassword = () =>
    new Api.account.Password({
      hasPassword: false,
      newAlgo: new Api.PasswordKdfAlgoUnknown(),
      newSecureAlgo: new Api.SecurePasswordKdfAlgoUnknown(),
      secureRandom: randomBytes(32),
    });
  if (!u) {
    if (uid === undefined) throw fail('AUTH_KEY_UNREGISTERED');
    return noPassword();
  }
  if (!u.password) return noPassword();
  const p = TG_PRIME_BIG;
  const v = await verifier(u);
  const k = bufToBig(sha256(TG_PRIME, bigToBuf(3n, 256)));
  let b: bigint;
  let B: bigint;
  do {
    b = bufToBig(randomBytes(256)) % p;
    B = (k * v + modPow(3n, b, p)) % p;
  } while (B <= 0n || bigToBuf(B).length < 248);
  const srpId = randomBytes(8).readBigInt64LE();
  srpStates.set(srpId.toString(), { user: u, b, B });
  return new Api.account.Password({
    hasPassword: true,
    currentAlgo: passwordAlgo(u),
    srp_B: bigToBuf(B, 256),
    srpId: big(srpId),
    hint: 'test hint',
    newAlgo: passwordAlgo(u),
    newSecureAlgo: new Api.SecurePasswordKdfAlgoUnknown(),
    secureRandom: randomBytes(32),
  });
}

async function checkPassword(ctx: CallContext, req: Api.auth.CheckPassword) {
  const check = req.password;
  if (!(check instanceof Api.InputCheckPasswordSRP)) throw fail('PASSWORD_HASH_INVALID');
  const st = srpStates.get(check.srpId.toString());
  if (!st || st.user !== ctx.world.users.get(ctx.key.passwordPendingFor ?? -1n)) throw fail('SRP_ID_INVALID');
  srpStates.delete(check.srpId.toString());
  const u = st.user;
  const p = TG_PRIME_BIG;
  const A = bufToBig(check.A);
  if (A <= 0n || A >= p) throw fail('SRP_A_INVALID');
  const A256 = bigToBuf(A, 256);
  const B256 = bigToBuf(st.B, 256);
  const u_ = bufToBig(sha256(A256, B256));
  const S = modPow((A * modPow(await verifier(u), u_, p)) % p, st.b, p);
  const K = sha256(bigToBuf(S, 256));
  const pSha = sha256(TG_PRIME);
  const gSha = sha256(bigToBuf(3n, 256));
  for (let i = 0; i < pSha.length; i++) pSha[i] ^= gSha[i]!;
  const M1 = sha256(pSha, sha256(u.srpSalt1), sha256(u.srpSalt2), A256, B256, K);
  if (!M1.equals(check.M1)) throw fail('PASSWORD_HASH_INVALID');
  return authorization(ctx, u);
}

function loginUser(ctx: CallContext, phone: string): TestUser {
  const u = ctx.world.userByPhone(phone);
  if (!u) throw fail('PHONE_NUMBER_INVALID');
  if (u.dc !== ctx.dcId) throw fail(`PHONE_MIGRATE_${u.dc}`);
  return u;
}

function exportLoginToken(ctx: CallContext) {
  const t = [...ctx.world.loginTokens].reverse().find((x) => x.keyIdHex === ctx.key.keyIdHex && !x.used);
  if (t?.acceptedBy !== undefined) {
    t.used = true;
    const u = ctx.world.users.get(t.acceptedBy)!;
    if (u.dc !== ctx.dcId) return new Api.auth.LoginTokenMigrateTo({ dcId: u.dc, token: t.token });
    if (u.password) {
      ctx.key.passwordPendingFor = u.id;
      throw fail('SESSION_PASSWORD_NEEDED');
    }
    return new Api.auth.LoginTokenSuccess({ authorization: authorization(ctx, u) });
  }
  const token = { token: randomBytes(32), keyIdHex: ctx.key.keyIdHex, dcId: ctx.dcId, expires: now() + 30 };
  ctx.world.loginTokens.push(token);
  return new Api.auth.LoginToken({ expires: token.expires, token: token.token });
}

function importLoginToken(ctx: CallContext, req: Api.auth.ImportLoginToken) {
  const t = ctx.world.loginTokens.find((x) => x.token.equals(req.token));
  if (!t || t.acceptedBy === undefined) throw fail('AUTH_TOKEN_INVALID');
  const u = ctx.world.users.get(t.acceptedBy)!;
  if (u.dc !== ctx.dcId) return new Api.auth.LoginTokenMigrateTo({ dcId: u.dc, token: t.token });
  if (u.password) {
    ctx.key.passwordPendingFor = u.id;
    throw fail('SESSION_PASSWORD_NEEDED');
  }
  return new Api.auth.LoginTokenSuccess({ authorization: authorization(ctx, u) });
}

// ---- groups ----

function participantOf(ctx: CallContext, g: TestGroup, userId: bigint): Api.TypeChannelParticipant {
  if (g.creatorId === userId) return new Api.ChannelParticipantCreator({ userId: big(userId), adminRights: fullRights() });
  const admin = g.admins.get(userId);
  if (admin) {
    return new Api.ChannelParticipantAdmin({
      userId: big(userId),
      promotedBy: big(g.creatorId),
      date: now(),
      // TL: inviter_id shares flags.1 with `self`, so it must be present whenever self is
      self: userId === ctx.key.userId,
      inviterId: big(g.creatorId),
      adminRights: new Api.ChatAdminRights({ inviteUsers: admin.canInvite, changeInfo: true, deleteMessages: true, other: true }),
    });
  }
  if (g.members.has(userId)) return new Api.ChannelParticipant({ userId: big(userId), date: now() });
  throw fail('USER_NOT_PARTICIPANT');
}

function canInvite(g: TestGroup, userId: bigint): boolean {
  return g.creatorId === userId || !!g.admins.get(userId)?.canInvite;
}

/** The person-level refusals of an invite; undefined when the invite may proceed. */
function refusal(g: TestGroup, u: TestUser): string | undefined {
  if (u.privacy.deactivated) return 'INPUT_USER_DEACTIVATED';
  if (u.privacy.bot) return 'USER_BOT';
  if (u.privacy.kickedFrom?.includes(g.id)) return 'USER_KICKED';
  if (u.privacy.tooManyChannels && g.kind !== 'basic') return 'USER_CHANNELS_TOO_MUCH';
  if (u.privacy.mutualContactsOnly) return 'USER_NOT_MUTUAL_CONTACT';
  return undefined;
}

function invite(ctx: CallContext, g: TestGroup, users: TestUser[], method: 'channels.InviteToChannel' | 'messages.AddChatUser') {
  const self = me(ctx);
  if (!g.members.has(self.id)) throw fail(g.kind === 'basic' ? 'CHAT_ADMIN_REQUIRED' : 'CHANNEL_PRIVATE');
  if (!canInvite(g, self.id)) throw fail('CHAT_ADMIN_REQUIRED');
  const missing: Api.MissingInvitee[] = [];
  const added: TestUser[] = [];
  for (const u of users) {
    const why = refusal(g, u);
    if (why) {
      if (users.length === 1) throw fail(why);
      continue;
    }
    if (u.privacy.invitesForbidden) {
      // Current Telegram: privacy refusals are "missing invitees", not an error.
      missing.push(new Api.MissingInvitee({ userId: big(u.id) }));
      continue;
    }
    if (g.members.has(u.id)) {
      if (method === 'messages.AddChatUser') throw fail('USER_ALREADY_PARTICIPANT');
      continue;
    }
    g.members.add(u.id);
    added.push(u);
    ctx.world.invites.push({ groupId: g.id, userId: u.id, byUserId: self.id, method, at: ctx.world.now() });
  }
  return new Api.messages.InvitedUsers({
    updates: new Api.Updates({ updates: [], users: added.map((u) => userTL(u, self.id)), chats: [groupTL(g, self.id)], date: now(), seq: 0 }),
    missingInvitees: missing,
  });
}

// ---- dispatch ----

/** Methods an unauthorised auth key may call. */
const PUBLIC = new Set([
  'help.GetConfig',
  'help.GetNearestDc',
  'auth.SendCode',
  'auth.SignIn',
  'auth.ResendCode',
  'auth.CheckPassword',
  'account.GetPassword',
  'auth.ExportLoginToken',
  'auth.ImportLoginToken',
  'auth.LogOut',
  'langpack.GetLangPack',
]);

let sentMessageId = 1;

export async function dispatch(req: Api.AnyRequest, ctx: CallContext): Promise<Buffer> {
  const method = req.className;
  const record = { method, dcId: ctx.dcId, userId: ctx.key.userId, at: ctx.world.now(), request: req, error: undefined as string | undefined };
  ctx.world.calls.push(record);
  try {
    if (!PUBLIC.has(method) && (ctx.key.userId === undefined || ctx.key.revoked)) throw fail('AUTH_KEY_UNREGISTERED');
    const injected = ctx.world.takeInjected(method, ctx.key.userId);
    if (injected) throw fail(injected.error, injected.code);
    const result = await handle(req, ctx);
    const bytes = Buffer.isBuffer(result) ? result : result.getBytes();
    selfCheck(req, bytes);
    return bytes;
  } catch (err) {
    if (err instanceof RpcFail) record.error = err.message;
    throw err;
  }
}

/**
 * Every answer is read back with the request's own readResult before it is sent, so a DC bug (say a TL flag
 * shared by two fields) shows up here, loudly, instead of as an obscure parse error inside the client.
 */
function selfCheck(req: Api.AnyRequest, bytes: Buffer) {
  try {
    (req as unknown as { readResult(r: BinaryReader): unknown }).readResult(new BinaryReader(bytes));
  } catch (err) {
    console.error(`[test DC] the answer to ${req.className} does not read back: ${(err as Error).message}`);
    throw new RpcFail(500, 'INTERNAL_TEST_DC_ERROR');
  }
}

async function handle(req: Api.AnyRequest, ctx: CallContext): Promise<Buffer | { getBytes(): Buffer }> {
  const w = ctx.world;
  switch (req.className) {
    case 'help.GetConfig':
      return new Api.Config({
        date: now(),
        expires: now() + 3600,
        testMode: false,
        thisDc: ctx.dcId,
        dcOptions: ctx.allDcs.map((d) => new Api.DcOption({ id: d.id, ipAddress: d.host, port: d.port })),
        dcTxtDomainName: 'test.invalid',
        chatSizeMax: 200,
        megagroupSizeMax: 200000,
        forwardedCountMax: 100,
        onlineUpdatePeriodMs: 210000,
        offlineBlurTimeoutMs: 5000,
        offlineIdleTimeoutMs: 30000,
        onlineCloudTimeoutMs: 300000,
        notifyCloudDelayMs: 30000,
        notifyDefaultDelayMs: 1500,
        pushChatPeriodMs: 60000,
        pushChatLimit: 2,
        editTimeLimit: 172800,
        revokeTimeLimit: 172800,
        revokePmTimeLimit: 172800,
        ratingEDecay: 2419200,
        stickersRecentLimit: 200,
        channelsReadMediaPeriod: 604800,
        callReceiveTimeoutMs: 20000,
        callRingTimeoutMs: 90000,
        callConnectTimeoutMs: 30000,
        callPacketTimeoutMs: 10000,
        meUrlPrefix: 'https://t.me/',
        captionLengthMax: 1024,
        messageLengthMax: 4096,
        webfileDcId: 4,
      });
    case 'help.GetNearestDc':
      return new Api.NearestDc({ country: 'XX', thisDc: ctx.dcId, nearestDc: ctx.dcId });
    case 'updates.GetState':
      me(ctx);
      return new Api.updates.State({ pts: 1, qts: 0, date: now(), seq: 1, unreadCount: 0 });

    case 'auth.SendCode': {
      const r = req as Api.auth.SendCode;
      loginUser(ctx, r.phoneNumber);
      const code = w.issueCode(r.phoneNumber);
      return new Api.auth.SentCode({ type: new Api.auth.SentCodeTypeSms({ length: 5 }), phoneCodeHash: code.hash, timeout: 60 });
    }
    case 'auth.SignIn': {
      const r = req as Api.auth.SignIn;
      const u = loginUser(ctx, r.phoneNumber);
      const code = w.findCode(r.phoneNumber, r.phoneCodeHash);
      if (!code) throw fail('PHONE_CODE_HASH_EMPTY');
      if (code.expired) throw fail('PHONE_CODE_EXPIRED');
      if (!r.phoneCode || r.phoneCode !== code.code) throw fail('PHONE_CODE_INVALID');
      code.expired = true;
      if (u.password) {
        ctx.key.passwordPendingFor = u.id;
        throw fail('SESSION_PASSWORD_NEEDED');
      }
      return authorization(ctx, u);
    }
    case 'account.GetPassword':
      return getPassword(ctx);
    case 'auth.CheckPassword':
      return checkPassword(ctx, req as Api.auth.CheckPassword);
    case 'auth.ExportLoginToken':
      return exportLoginToken(ctx);
    case 'auth.ImportLoginToken':
      return importLoginToken(ctx, req as Api.auth.ImportLoginToken);
    case 'auth.LogOut':
      ctx.key.userId = undefined;
      ctx.key.revoked = true;
      return new Api.auth.LoggedOut({});

    case 'users.GetUsers': {
      const r = req as Api.users.GetUsers;
      const viewer = me(ctx).id;
      return vector(r.id.map((i) => userTL(inputUser(ctx, i as Api.TypeInputUser), viewer)));
    }
    case 'users.GetFullUser': {
      const u = inputUser(ctx, (req as Api.users.GetFullUser).id as Api.TypeInputUser);
      return new Api.users.UserFull({
        fullUser: new Api.UserFull({ id: big(u.id), settings: new Api.PeerSettings({}), notifySettings: new Api.PeerNotifySettings({}), commonChatsCount: 0 }),
        chats: [],
        users: [userTL(u, me(ctx).id)],
      });
    }
    case 'contacts.ResolveUsername': {
      const r = req as Api.contacts.ResolveUsername;
      const viewer = me(ctx).id;
      const u = w.userByUsername(r.username);
      if (u) return new Api.contacts.ResolvedPeer({ peer: new Api.PeerUser({ userId: big(u.id) }), chats: [], users: [userTL(u, viewer)] });
      const g = w.groupByUsername(r.username);
      if (g) return new Api.contacts.ResolvedPeer({ peer: new Api.PeerChannel({ channelId: big(g.id) }), chats: [groupTL(g, viewer)], users: [] });
      throw fail('USERNAME_NOT_OCCUPIED');
    }
    case 'contacts.ImportContacts': {
      const r = req as Api.contacts.ImportContacts;
      const viewer = me(ctx).id;
      const imported: Api.ImportedContact[] = [];
      const users: Api.User[] = [];
      const retryContacts: bigInt.BigInteger[] = [];
      const mine = w.contacts.get(viewer) ?? new Set<bigint>();
      w.contacts.set(viewer, mine);
      for (const c of r.contacts) {
        const contact = c as Api.InputPhoneContact;
        if (w.contactImportsLeft !== undefined) {
          if (w.contactImportsLeft <= 0) {
            retryContacts.push(contact.clientId);
            continue;
          }
          w.contactImportsLeft--;
        }
        const u = w.userByPhone(contact.phone);
        if (!u) continue;
        mine.add(u.id);
        imported.push(new Api.ImportedContact({ userId: big(u.id), clientId: contact.clientId }));
        users.push(userTL(u, viewer));
      }
      return new Api.contacts.ImportedContacts({ imported, popularInvites: [], retryContacts, users });
    }
    case 'contacts.ResolvePhone': {
      const viewer = me(ctx).id;
      const u = w.userByPhone((req as Api.contacts.ResolvePhone).phone);
      if (!u || (u.privacy.hiddenFromPhoneSearch && !w.contacts.get(viewer)?.has(u.id))) throw fail('PHONE_NOT_OCCUPIED');
      return new Api.contacts.ResolvedPeer({ peer: new Api.PeerUser({ userId: big(u.id) }), chats: [], users: [userTL(u, viewer)] });
    }
    case 'contacts.DeleteContacts': {
      const viewer = me(ctx).id;
      for (const id of (req as Api.contacts.DeleteContacts).id) w.contacts.get(viewer)?.delete(inputUser(ctx, id as Api.TypeInputUser).id);
      return new Api.Updates({ updates: [], users: [], chats: [], date: Math.floor(w.now() / 1000), seq: 0 });
    }
    case 'messages.GetChats': {
      const r = req as Api.messages.GetChats;
      const viewer = me(ctx).id;
      const chats = r.id.map((id) => {
        const g = w.groups.get(toBig(id));
        if (g?.kind !== 'basic') throw fail('CHAT_ID_INVALID');
        return groupTL(g, viewer);
      });
      return new Api.messages.Chats({ chats });
    }
    case 'messages.CheckChatInvite': {
      const r = req as Api.messages.CheckChatInvite;
      const viewer = me(ctx).id;
      const g = [...w.groups.values()].find((x) => x.inviteHash === r.hash);
      if (!g) throw fail('INVITE_HASH_INVALID');
      if (g.members.has(viewer)) return new Api.ChatInviteAlready({ chat: groupTL(g, viewer) });
      return new Api.ChatInvite({
        title: g.title,
        photo: new Api.PhotoEmpty({ id: bigInt.zero }),
        participantsCount: g.members.size,
        color: 0,
        channel: g.kind !== 'basic',
        broadcast: g.kind === 'channel',
        megagroup: g.kind === 'megagroup',
      });
    }
    case 'channels.GetChannels': {
      const r = req as Api.channels.GetChannels;
      const viewer = me(ctx).id;
      return new Api.messages.Chats({ chats: r.id.map((i) => groupTL(inputChannel(ctx, i as Api.TypeInputChannel), viewer)) });
    }
    case 'channels.GetParticipant': {
      const r = req as Api.channels.GetParticipant;
      const viewer = me(ctx).id;
      const g = inputChannel(ctx, r.channel as Api.TypeInputChannel);
      const who = inputUser(ctx, r.participant as Api.TypeInputPeer);
      if (who.id !== viewer && g.kind === 'channel' && !g.admins.has(viewer) && g.creatorId !== viewer) throw fail('CHAT_ADMIN_REQUIRED');
      const participant = participantOf(ctx, g, who.id);
      return new Api.channels.ChannelParticipant({ participant, chats: [groupTL(g, viewer)], users: [userTL(who, viewer)] });
    }
    case 'messages.GetFullChat': {
      const r = req as Api.messages.GetFullChat;
      const viewer = me(ctx).id;
      const g = basicChat(ctx, r.chatId);
      const participants = [...g.members].map((id) =>
        id === g.creatorId
          ? new Api.ChatParticipantCreator({ userId: big(id) })
          : g.admins.has(id)
            ? new Api.ChatParticipantAdmin({ userId: big(id), inviterId: big(g.creatorId), date: now() })
            : new Api.ChatParticipant({ userId: big(id), inviterId: big(g.creatorId), date: now() }),
      );
      return new Api.messages.ChatFull({
        fullChat: new Api.ChatFull({
          id: big(g.id),
          about: '',
          participants: new Api.ChatParticipants({ chatId: big(g.id), participants, version: 1 }),
          notifySettings: new Api.PeerNotifySettings({}),
        }),
        chats: [groupTL(g, viewer)],
        users: [...g.members].map((id) => userTL(w.users.get(id)!, viewer)),
      });
    }
    case 'channels.InviteToChannel': {
      const r = req as Api.channels.InviteToChannel;
      const g = inputChannel(ctx, r.channel as Api.TypeInputChannel);
      return invite(
        ctx,
        g,
        r.users.map((u) => inputUser(ctx, u as Api.TypeInputUser)),
        'channels.InviteToChannel',
      );
    }
    case 'messages.AddChatUser': {
      const r = req as Api.messages.AddChatUser;
      const g = basicChat(ctx, r.chatId);
      return invite(ctx, g, [inputUser(ctx, r.userId as Api.TypeInputUser)], 'messages.AddChatUser');
    }
    case 'messages.SendMessage': {
      const r = req as Api.messages.SendMessage;
      const self = me(ctx);
      const to = inputUser(ctx, r.peer as Api.TypeInputPeer);
      if (to.privacy.deactivated) throw fail('INPUT_USER_DEACTIVATED');
      w.messages.push({ fromUserId: self.id, toUserId: to.id, text: r.message, at: ctx.world.now() });
      return new Api.UpdateShortSentMessage({ out: true, id: sentMessageId++, pts: sentMessageId, ptsCount: 1, date: now() });
    }
    default:
      ctx.log(`unsupported method ${req.className}`);
      w.unsupported.push(req.className);
      throw fail('METHOD_NOT_SUPPORTED_BY_TEST_DC', 400);
  }
}

/** `Bool` true, for handlers that answer one. */
export const boolTrue = () => BOOL_TRUE;
