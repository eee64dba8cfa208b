import { Api } from 'telegram';
import bigInt from 'big-integer';
import { randomInt } from 'node:crypto';
import type { AccountRow } from '../../db/schema.js';
import type { TargetIdentity } from '../../targets/identity.js';
import type { InviteRights, PlatformAdapter, PlatformClient, ResolvedGroup } from '../platform.js';
import { PlatformError, platformError, refusedBeforeAction } from '../platform-error.js';
import { mapGramJsError } from './gramjs-errors.js';
import { newTelegramClient } from './telegram-dc.js';
import { parseProxy } from './telegram-proxy.js';
import { withTimeout } from '../../shared/with-timeout.js';
import type { TelegramConfig } from '../../config/config.js';

/** The slice of TelegramClient this adapter uses; tests stub it with real GramJS request and error classes. */
export interface MtprotoInvoker {
  invoke<R extends Api.AnyRequest>(request: R): Promise<R['__response']>;
  getInputEntity(peer: Api.TypeEntityLike): Promise<Api.TypeInputPeer>;
  disconnect(): Promise<void>;
  /** TelegramClient.destroy: disconnect AND stop GramJS's background ping loop (disconnect alone leaves it running). */
  destroy?(): Promise<void>;
}

type GroupPeer = { type: 'channel'; id: string; accessHash: string } | { type: 'chat'; id: string };

function randomId() {
  return bigInt(randomInt(1, 2 ** 47))
    .multiply(65536)
    .add(randomInt(0, 65536));
}

/** Reference forms accepted for a group: @name, t.me/name, t.me/+hash or joinchat/hash, -100<id>, -<id>. */
function parseGroupReference(reference: string): { username?: string; inviteHash?: string; channelId?: string; chatId?: string } {
  const ref = reference.trim();
  let m = /^-100(\d+)$/.exec(ref);
  if (m) return { channelId: m[1] };
  m = /^-(\d+)$/.exec(ref);
  if (m) return { chatId: m[1] };
  m = /(?:t\.me|telegram\.me)\/(?:\+|joinchat\/)([\w-]+)/i.exec(ref);
  if (m) return { inviteHash: m[1] };
  const name = ref
    .replace(/^(https?:\/\/)?(t\.me|telegram\.me)\//i, '')
    .replace(/^@/, '')
    .split(/[/?#]/)[0]!;
  if (/^[a-zA-Z][\w]{3,31}$/.test(name)) return { username: name };
  throw platformError('CHANNEL_INVALID');
}

function describeChat(chat: Api.TypeChat): ResolvedGroup {
  if (chat instanceof Api.Channel) {
    return {
      key: `-100${chat.id.toString()}`,
      title: chat.title,
      kind: chat.megagroup ? 'megagroup' : 'channel',
      peer: { type: 'channel', id: chat.id.toString(), accessHash: (chat.accessHash ?? bigInt.zero).toString() },
    };
  }
  if (chat instanceof Api.Chat) {
    return { key: `-${chat.id.toString()}`, title: chat.title, kind: 'basic', peer: { type: 'chat', id: chat.id.toString() } };
  }
  throw platformError('CHANNEL_PRIVATE');
}

/** How long one platform operation may wait for Telegram before it counts as a network failure. */
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;

/**
 * GramJS never times a request out: when the server goes away mid-session and its reconnect attempts are used
 * up, the request waits for ever (and the worker's lease heartbeat would keep the account busy for ever).
 */
const timedOut = (ms: number) => () => new PlatformError('NETWORK', 'TIMEOUT', `no answer from Telegram within ${Math.round(ms / 1000)} s`);

export class GramJsClient implements PlatformClient {
  private selfId?: string;
  constructor(
    private readonly client: MtprotoInvoker,
    private readonly callTimeoutMs = DEFAULT_CALL_TIMEOUT_MS,
  ) {}

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(fn(), this.callTimeoutMs, timedOut(this.callTimeoutMs));
    } catch (err) {
      throw mapGramJsError(err);
    }
  }

  resolveGroup(reference: string): Promise<ResolvedGroup> {
    return this.call(async () => {
      const ref = parseGroupReference(reference);
      if (ref.username) {
        const res = await this.client.invoke(new Api.contacts.ResolveUsername({ username: ref.username }));
        const chat = res.chats[0];
        if (!chat) throw platformError('CHANNEL_INVALID');
        return describeChat(chat);
      }
      if (ref.inviteHash) {
        const res = await this.client.invoke(new Api.messages.CheckChatInvite({ hash: ref.inviteHash }));
        if (res instanceof Api.ChatInviteAlready || res instanceof Api.ChatInvitePeek) return describeChat(res.chat);
        throw platformError('CHANNEL_PRIVATE');
      }
      if (ref.chatId) {
        const res = await this.client.invoke(new Api.messages.GetChats({ id: [bigInt(ref.chatId)] }));
        const chat = res.chats[0];
        if (!chat) throw platformError('CHAT_ID_INVALID');
        return describeChat(chat);
      }
      // A bare channel id is usable only if the session already knows its access hash.
      const input = await this.client.getInputEntity(bigInt(`-100${ref.channelId}`));
      if (!(input instanceof Api.InputPeerChannel)) throw platformError('CHANNEL_INVALID');
      const res = await this.client.invoke(
        new Api.channels.GetChannels({ id: [new Api.InputChannel({ channelId: input.channelId, accessHash: input.accessHash })] }),
      );
      return describeChat(res.chats[0]!);
    });
  }

  getInviteRights(group: ResolvedGroup): Promise<InviteRights> {
    return this.call(async () => {
      const peer = group.peer as GroupPeer;
      if (peer.type === 'channel') {
        try {
          const res = await this.client.invoke(new Api.channels.GetParticipant({ channel: this.inputChannel(peer), participant: new Api.InputPeerSelf() }));
          const p = res.participant;
          if (p instanceof Api.ChannelParticipantCreator) return { role: 'creator', canInvite: true };
          if (p instanceof Api.ChannelParticipantAdmin) return { role: 'admin', canInvite: !!p.adminRights.inviteUsers };
          return { role: 'member', canInvite: false };
        } catch (err) {
          if (mapGramJsError(err).code === 'USER_NOT_PARTICIPANT') return { role: 'none', canInvite: false };
          throw err;
        }
      }
      const full = await this.client.invoke(new Api.messages.GetFullChat({ chatId: bigInt(peer.id) }));
      const me = await this.getSelfId();
      const participants = full.fullChat instanceof Api.ChatFull ? full.fullChat.participants : undefined;
      const list = participants instanceof Api.ChatParticipants ? participants.participants : [];
      const mine = list.find((p) => p.userId.toString() === me);
      if (mine instanceof Api.ChatParticipantCreator) return { role: 'creator', canInvite: true };
      if (mine instanceof Api.ChatParticipantAdmin) return { role: 'admin', canInvite: true };
      return { role: mine ? 'member' : 'none', canInvite: false };
    });
  }

  inviteToGroup(group: ResolvedGroup, target: TargetIdentity): Promise<void> {
    return this.call(() =>
      this.withUser(target, async (user) => {
        const peer = group.peer as GroupPeer;
        // InviteToChannel answers success for someone already in the channel (AddChatUser refuses them), which would
        // be reported as an invite: asked first, so a member is said to be one and is recorded as such in the ledger.
        if (peer.type === 'channel' && (await this.isMember(peer, user))) throw refusedBeforeAction('USER_ALREADY_PARTICIPANT');
        // Channels and megagroups take InviteToChannel; basic groups only accept AddChatUser.
        const res =
          peer.type === 'channel'
            ? await this.client.invoke(new Api.channels.InviteToChannel({ channel: this.inputChannel(peer), users: [user] }))
            : await this.client.invoke(new Api.messages.AddChatUser({ chatId: bigInt(peer.id), userId: user, fwdLimit: 0 }));
        // Newer layers report privacy refusals as "missing invitees" instead of an error.
        if (res instanceof Api.messages.InvitedUsers && res.missingInvitees.length > 0) {
          throw platformError('USER_PRIVACY_RESTRICTED');
        }
      }),
    );
  }

  sendMessage(target: TargetIdentity, text: string): Promise<void> {
    return this.call(() =>
      this.withUser(target, async (user) => {
        const peer = new Api.InputPeerUser({ userId: user.userId, accessHash: user.accessHash });
        await this.client.invoke(new Api.messages.SendMessage({ peer, message: text, randomId: randomId() }));
      }),
    );
  }

  /**
   * Whether the person is in the channel now (left or removed people are not). When the account may not ask, or the
   * answer is unexpected, the invite decides; a limit on the account (FloodWait, PeerFlood, a ban, a lost session) or a
   * network failure stops the action as the invite's would.
   */
  private async isMember(peer: { id: string; accessHash: string }, user: Api.InputUser): Promise<boolean> {
    try {
      const res = await this.client.invoke(
        new Api.channels.GetParticipant({
          channel: this.inputChannel(peer),
          participant: new Api.InputPeerUser({ userId: user.userId, accessHash: user.accessHash }),
        }),
      );
      return !(res.participant instanceof Api.ChannelParticipantLeft || res.participant instanceof Api.ChannelParticipantBanned);
    } catch (err) {
      const kind = mapGramJsError(err).kind;
      if (kind === 'TARGET' || kind === 'GROUP' || kind === 'UNKNOWN') return false;
      throw err;
    }
  }

  /**
   * The person as an InputUser for `act`. One found by importing their number became a contact of the account (the
   * customer's own address book, on every device of theirs): once acted on, successfully or not, they are deleted from
   * it again. Best effort: a refusal of the deletion does not change the action's outcome.
   */
  private async withUser(target: TargetIdentity, act: (user: Api.InputUser) => Promise<void>): Promise<void> {
    const { user, imported, person } = await this.resolveUser(target);
    try {
      // What Telegram already said of the person: nothing is sent, and no limit spent, where the answer is known (a bot
      // in a parsed audience, a deleted account still in an old list).
      if (person?.deleted) throw refusedBeforeAction('INPUT_USER_DEACTIVATED');
      if (person?.bot) throw refusedBeforeAction('USER_IS_BOT');
      await act(user);
    } finally {
      if (imported) await this.client.invoke(new Api.contacts.DeleteContacts({ id: [user] })).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await (this.client.destroy ? this.client.destroy() : this.client.disconnect()).catch(() => undefined);
  }

  private inputChannel(peer: { id: string; accessHash: string }) {
    return new Api.InputChannel({ channelId: bigInt(peer.id), accessHash: bigInt(peer.accessHash) });
  }

  private async getSelfId(): Promise<string> {
    if (!this.selfId) {
      const [me] = await this.client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }));
      this.selfId = me!.id.toString();
    }
    return this.selfId;
  }

  /**
   * Username first (always resolvable), then the phone number, then a bare id from the session cache. `imported`: the
   * number was imported as a contact to find the person (see withUser).
   */
  private async resolveUser(t: TargetIdentity): Promise<{ user: Api.InputUser; imported: boolean; person?: Api.User }> {
    if (t.username) {
      const res = await this.client.invoke(new Api.contacts.ResolveUsername({ username: t.username }));
      const u = res.users[0];
      if (!(u instanceof Api.User)) throw platformError('USERNAME_NOT_OCCUPIED');
      return { user: inputUserOf(u), imported: false, person: u };
    }
    if (t.phone) {
      // contacts.resolvePhone finds the person as far as their privacy allows and leaves nothing behind in the account;
      // contacts.importContacts, the older way, adds them to the account's contacts and draws on a daily allowance of
      // imports, so it is only the fallback for a number resolvePhone does not find.
      try {
        const res = await this.client.invoke(new Api.contacts.ResolvePhone({ phone: t.phone }));
        const u = res.users[0];
        if (u instanceof Api.User) return { user: inputUserOf(u), imported: false, person: u };
      } catch (err) {
        if (mapGramJsError(err).code !== 'PHONE_NOT_OCCUPIED') throw err;
      }
      const res = await this.client.invoke(
        new Api.contacts.ImportContacts({
          contacts: [new Api.InputPhoneContact({ clientId: randomId(), phone: t.phone, firstName: t.first_name ?? '', lastName: t.last_name ?? '' })],
        }),
      );
      const u = res.users[0];
      if (u instanceof Api.User) return { user: inputUserOf(u), imported: true, person: u };
      // "Could not be imported due to system limitation and will need to be imported at a later date": the account's
      // allowance of imports, not the person; the account rests and the person waits (CONTACTS_IMPORT_LIMIT).
      if (res.retryContacts.length > 0) throw platformError('CONTACTS_IMPORT_LIMIT');
      throw platformError('PHONE_NOT_FOUND');
    }
    if (t.user_id_platform) {
      let input: Api.TypeInputPeer;
      try {
        input = await this.client.getInputEntity(bigInt(t.user_id_platform));
      } catch {
        throw platformError('PEER_ID_INVALID');
      }
      if (!(input instanceof Api.InputPeerUser)) throw platformError('PEER_ID_INVALID');
      return { user: new Api.InputUser({ userId: input.userId, accessHash: input.accessHash }), imported: false };
    }
    throw platformError('USER_ID_INVALID');
  }
}

function inputUserOf(u: Api.User): Api.InputUser {
  return new Api.InputUser({ userId: u.id, accessHash: u.accessHash ?? bigInt.zero });
}

/** Real Telegram over MTProto. Needs TELEGRAM_API_ID / TELEGRAM_API_HASH from my.telegram.org. */
export class GramJsPlatform implements PlatformAdapter {
  readonly mode = 'telegram' as const;
  constructor(
    private readonly telegram: TelegramConfig,
    private readonly opts: { callTimeoutMs?: number } = {},
  ) {}

  async connect(account: AccountRow, decrypt: (enc: string) => string): Promise<PlatformClient> {
    if (!this.telegram.apiId || !this.telegram.apiHash) {
      // A deployment problem, not the account's: never retire an account for it.
      throw new PlatformError('UNKNOWN', 'NOT_CONFIGURED', 'TELEGRAM_API_ID and TELEGRAM_API_HASH are not configured');
    }
    if (!account.session_encrypted) throw platformError('AUTH_KEY_UNREGISTERED');
    // Through the account's own proxy, if it has one (its session was made through it too).
    const proxy = account.proxy_encrypted ? parseProxy(decrypt(account.proxy_encrypted)) : null;
    const client = newTelegramClient(this.telegram, decrypt(account.session_encrypted), {}, proxy);
    try {
      // GramJS's connect() answers false (it does not throw) when the server cannot be reached; any request after
      // that would wait forever for a connection that never comes.
      const timeoutMs = this.opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
      if (!(await withTimeout(client.connect(), timeoutMs, timedOut(timeoutMs))))
        throw new PlatformError('NETWORK', 'CONNECT_FAILED', 'could not connect to Telegram');
      // Not checkAuthorization(): it answers false for *any* failure (a timeout, a FloodWait) and would retire a
      // healthy account. Only a real AUTH_KEY_UNREGISTERED (or ban) must, and mapGramJsError says which it was.
      await withTimeout(client.invoke(new Api.updates.GetState()), timeoutMs, timedOut(timeoutMs));
    } catch (err) {
      await client.destroy().catch(() => undefined);
      throw mapGramJsError(err);
    }
    return new GramJsClient(client as unknown as MtprotoInvoker, this.opts.callTimeoutMs);
  }
}
