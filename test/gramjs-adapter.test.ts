import { describe, expect, it } from 'vitest';
import { Api, errors } from 'telegram';
import bigInt from 'big-integer';
import { GramJsClient, type MtprotoInvoker } from '../src/platform/telegram/gramjs-platform.js';
import { mapGramJsError } from '../src/platform/telegram/gramjs-errors.js';
import { PlatformError } from '../src/platform/platform-error.js';
import type { ResolvedGroup } from '../src/platform/platform.js';

/** A stub MTProto client: answers each request class with a canned response or a real GramJS error. */
function stubClient(handlers: Array<[new (...a: any[]) => any, (req: any) => unknown]>, calls: any[] = []): MtprotoInvoker {
  return {
    async invoke(request: any) {
      calls.push(request);
      const h = handlers.find(([cls]) => request instanceof cls);
      if (!h) throw new Error(`unexpected request ${request.className}`);
      const out = h[1](request);
      if (out instanceof Error) throw out;
      return out as never;
    },
    async getInputEntity(peer: any) {
      if (String(peer) === '424242') return new Api.InputPeerUser({ userId: bigInt(424242), accessHash: bigInt(99) });
      throw new Error('Could not find the input entity');
    },
    async disconnect() {},
  };
}

const channel = (megagroup = true) =>
  new Api.Channel({
    id: bigInt(1234567),
    title: 'Real Group',
    megagroup,
    broadcast: !megagroup,
    accessHash: bigInt(777),
    photo: new Api.ChatPhotoEmpty(),
    date: 0,
  } as any);
const user = new Api.User({ id: bigInt(55), accessHash: bigInt(66), username: 'alice_real' } as any);
const resolvedUser = () => new Api.contacts.ResolvedPeer({ peer: new Api.PeerUser({ userId: bigInt(55) }), chats: [], users: [user] });
const rpc = (type: string, code = 400) => new errors.RPCError(type, new Api.help.GetConfig(), code);
const channelGroup: ResolvedGroup = { key: '-1001234567', title: 'Real Group', kind: 'megagroup', peer: { type: 'channel', id: '1234567', accessHash: '777' } };
const basicGroup: ResolvedGroup = { key: '-888', title: 'Basic', kind: 'basic', peer: { type: 'chat', id: '888' } };

describe('error mapping by class and TL type, never by text', () => {
  it('maps FloodWaitError with its seconds', () => {
    const e = mapGramJsError(new errors.FloodWaitError({ request: new Api.help.GetConfig(), capture: 321 }));
    expect(e).toMatchObject({ kind: 'FLOOD_WAIT', seconds: 321 });
  });

  it('maps account-level errors', () => {
    expect(mapGramJsError(rpc('PEER_FLOOD')).kind).toBe('PEER_FLOOD');
    expect(mapGramJsError(rpc('AUTH_KEY_UNREGISTERED', 401)).kind).toBe('ACCOUNT_DEAUTHORIZED');
    expect(mapGramJsError(rpc('USER_DEACTIVATED_BAN', 401)).kind).toBe('ACCOUNT_BANNED');
    expect(mapGramJsError(rpc('PHONE_NUMBER_BANNED')).kind).toBe('ACCOUNT_BANNED');
    expect(mapGramJsError(rpc('FLOOD_WAIT_77', 420))).toMatchObject({ kind: 'FLOOD_WAIT', seconds: 77 });
    expect(mapGramJsError(rpc('USER_RESTRICTED', 403)).kind).toBe('PEER_FLOOD');
    expect(mapGramJsError(rpc('FROZEN_METHOD_INVALID')).kind).toBe('ACCOUNT_BANNED');
  });

  it('maps target-level errors with readable reasons', () => {
    const cases: Array<[string, 'SKIPPED' | 'FAILED']> = [
      ['USER_PRIVACY_RESTRICTED', 'SKIPPED'],
      ['USER_NOT_MUTUAL_CONTACT', 'SKIPPED'],
      ['USER_CHANNELS_TOO_MUCH', 'SKIPPED'],
      ['USER_ALREADY_PARTICIPANT', 'SKIPPED'],
      ['USER_KICKED', 'SKIPPED'],
      ['USER_BANNED_IN_CHANNEL', 'FAILED'],
      ['USERNAME_NOT_OCCUPIED', 'FAILED'],
      ['USERNAME_INVALID', 'FAILED'],
      ['PRIVACY_PREMIUM_REQUIRED', 'SKIPPED'],
      ['YOU_BLOCKED_USER', 'SKIPPED'],
      ['USER_BLOCKED', 'SKIPPED'],
      ['CHAT_MEMBER_ADD_FAILED', 'SKIPPED'],
      ['MESSAGE_TOO_LONG', 'FAILED'],
    ];
    for (const [type, outcome] of cases) {
      const e = mapGramJsError(rpc(type));
      expect(e.kind, type).toBe('TARGET');
      expect(e.targetOutcome, type).toBe(outcome);
      expect(e.message, type).not.toMatch(/[A-Z_]{6,}/);
    }
  });

  it('treats connection failures as network errors and anything else as unknown', () => {
    expect(mapGramJsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).kind).toBe('NETWORK');
    expect(mapGramJsError(new Error('flood of something')).kind).toBe('UNKNOWN');
  });
});

describe('GramJS client', () => {
  it('resolves a megagroup by username and checks admin rights with GetParticipant', async () => {
    const client = new GramJsClient(
      stubClient([
        [
          Api.contacts.ResolveUsername,
          () => new Api.contacts.ResolvedPeer({ peer: new Api.PeerChannel({ channelId: bigInt(1234567) }), chats: [channel()], users: [] }),
        ],
        [
          Api.channels.GetParticipant,
          () =>
            new Api.channels.ChannelParticipant({
              participant: new Api.ChannelParticipantAdmin({
                userId: bigInt(1),
                promotedBy: bigInt(2),
                date: 0,
                adminRights: new Api.ChatAdminRights({ inviteUsers: true }),
              } as any),
              chats: [],
              users: [],
            }),
        ],
      ]),
    );
    const group = await client.resolveGroup('https://t.me/real_group');
    expect(group).toMatchObject({ key: '-1001234567', title: 'Real Group', kind: 'megagroup' });
    expect(await client.getInviteRights(group)).toEqual({ role: 'admin', canInvite: true });
  });

  it('treats the creator as allowed, and a plain member or non-member as not', async () => {
    const creator = new GramJsClient(
      stubClient([
        [
          Api.channels.GetParticipant,
          () =>
            new Api.channels.ChannelParticipant({
              participant: new Api.ChannelParticipantCreator({ userId: bigInt(1), adminRights: new Api.ChatAdminRights({}) } as any),
              chats: [],
              users: [],
            }),
        ],
      ]),
    );
    expect(await creator.getInviteRights(channelGroup)).toEqual({ role: 'creator', canInvite: true });
    const admin = new GramJsClient(
      stubClient([
        [
          Api.channels.GetParticipant,
          () =>
            new Api.channels.ChannelParticipant({
              participant: new Api.ChannelParticipantAdmin({
                userId: bigInt(1),
                promotedBy: bigInt(2),
                date: 0,
                adminRights: new Api.ChatAdminRights({ inviteUsers: false }),
              } as any),
              chats: [],
              users: [],
            }),
        ],
      ]),
    );
    expect(await admin.getInviteRights(channelGroup)).toEqual({ role: 'admin', canInvite: false });
    const outsider = new GramJsClient(stubClient([[Api.channels.GetParticipant, () => rpc('USER_NOT_PARTICIPANT')]]));
    expect(await outsider.getInviteRights(channelGroup)).toEqual({ role: 'none', canInvite: false });
  });

  it('invites into channels with InviteToChannel and into basic groups with AddChatUser', async () => {
    const calls: any[] = [];
    const client = new GramJsClient(
      stubClient(
        [
          [Api.contacts.ResolveUsername, resolvedUser],
          [Api.channels.GetParticipant, () => participant()],
          [
            Api.channels.InviteToChannel,
            () => new Api.messages.InvitedUsers({ updates: new Api.Updates({ updates: [], users: [], chats: [], date: 0, seq: 0 }), missingInvitees: [] }),
          ],
          [
            Api.messages.AddChatUser,
            () => new Api.messages.InvitedUsers({ updates: new Api.Updates({ updates: [], users: [], chats: [], date: 0, seq: 0 }), missingInvitees: [] }),
          ],
        ],
        calls,
      ),
    );
    const channelParticipant = (p: Api.TypeChannelParticipant) => new Api.channels.ChannelParticipant({ participant: p, chats: [], users: [] });
    let participant: () => unknown = () => rpc('USER_NOT_PARTICIPANT');
    const alice = { username: 'alice_real', user_id_platform: null, phone: null, first_name: null, last_name: null };
    const names = () => calls.splice(0).map((c) => c.className);
    await client.inviteToGroup(channelGroup, alice);
    expect(calls[1].participant).toBeInstanceOf(Api.InputPeerUser);
    expect(names()).toEqual(['contacts.ResolveUsername', 'channels.GetParticipant', 'channels.InviteToChannel']);
    await client.inviteToGroup(basicGroup, alice);
    expect(calls[1].chatId.toString()).toBe('888');
    expect(names()).toEqual(['contacts.ResolveUsername', 'messages.AddChatUser']);
    // Already in the channel: InviteToChannel would answer success, so it is not called.
    participant = () => channelParticipant(new Api.ChannelParticipant({ userId: bigInt(55), date: 0 }));
    await expect(client.inviteToGroup(channelGroup, alice)).rejects.toMatchObject({ code: 'USER_ALREADY_PARTICIPANT', kind: 'TARGET' });
    expect(names()).toEqual(['contacts.ResolveUsername', 'channels.GetParticipant']);
    // Left: invited again.
    participant = () => channelParticipant(new Api.ChannelParticipantLeft({ peer: new Api.PeerUser({ userId: bigInt(55) }) }));
    await client.inviteToGroup(channelGroup, alice);
    expect(names()).toEqual(['contacts.ResolveUsername', 'channels.GetParticipant', 'channels.InviteToChannel']);
    // The account may not ask: the invite decides. A limit on the account stops the action.
    participant = () => rpc('CHAT_ADMIN_REQUIRED');
    await client.inviteToGroup(channelGroup, alice);
    expect(names()).toEqual(['contacts.ResolveUsername', 'channels.GetParticipant', 'channels.InviteToChannel']);
    participant = () => rpc('FLOOD_WAIT_120', 420);
    await expect(client.inviteToGroup(channelGroup, alice)).rejects.toMatchObject({ kind: 'FLOOD_WAIT', seconds: 120 });
    expect(names()).toEqual(['contacts.ResolveUsername', 'channels.GetParticipant']);
  });

  it('reports privacy refusals that arrive as missing invitees', async () => {
    const client = new GramJsClient(
      stubClient([
        [Api.contacts.ResolveUsername, resolvedUser],
        [
          Api.channels.InviteToChannel,
          () =>
            new Api.messages.InvitedUsers({
              updates: new Api.Updates({ updates: [], users: [], chats: [], date: 0, seq: 0 }),
              missingInvitees: [new Api.MissingInvitee({ userId: bigInt(55) })],
            }),
        ],
      ]),
    );
    await expect(
      client.inviteToGroup(channelGroup, { username: 'alice_real', user_id_platform: null, phone: null, first_name: null, last_name: null }),
    ).rejects.toMatchObject({ kind: 'TARGET', code: 'USER_PRIVACY_RESTRICTED' });
  });

  it('turns FloodWait from InviteToChannel into a PlatformError the Account Manager understands', async () => {
    const client = new GramJsClient(
      stubClient([
        [Api.contacts.ResolveUsername, resolvedUser],
        [Api.channels.InviteToChannel, (req) => new errors.FloodWaitError({ request: req, capture: 900 })],
      ]),
    );
    const err = await client
      .inviteToGroup(channelGroup, { username: 'alice_real', user_id_platform: null, phone: null, first_name: null, last_name: null })
      .catch((e) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect(err).toMatchObject({ kind: 'FLOOD_WAIT', seconds: 900 });
  });

  it('resolves phones with ResolvePhone, else by importing the contact (deleted again after the action), and bare ids only from the session cache', async () => {
    const calls: any[] = [];
    const updates = () => new Api.Updates({ updates: [], users: [], chats: [], date: 0, seq: 0 });
    const client = new GramJsClient(
      stubClient(
        [
          [Api.contacts.ResolvePhone, (req) => (req.phone === '+14155550101' ? resolvedUser() : rpc('PHONE_NOT_OCCUPIED'))],
          [
            Api.contacts.ImportContacts,
            (req) =>
              new Api.contacts.ImportedContacts({
                imported: [],
                popularInvites: [],
                retryContacts: req.contacts[0].phone === '+14155550199' ? [req.contacts[0].clientId] : [],
                users: ['+14155550100', '+14155550102'].includes(req.contacts[0].phone) ? [user] : [],
              }),
          ],
          [Api.messages.SendMessage, (req) => (req.message === 'refused' ? rpc('USER_IS_BLOCKED') : updates())],
          [Api.contacts.DeleteContacts, () => updates()],
        ],
        calls,
      ),
    );
    const byPhone = (phone: string) => ({ username: null, user_id_platform: null, phone, first_name: 'A', last_name: null });
    const names = () => calls.splice(0).map((c) => c.className);
    await client.sendMessage(byPhone('+14155550101'), 'found');
    expect(names()).toEqual(['contacts.ResolvePhone', 'messages.SendMessage']);
    await client.sendMessage(byPhone('+14155550100'), 'hello');
    const sent = calls.find((c) => c.className === 'messages.SendMessage');
    expect(sent.message).toBe('hello');
    expect(names()).toEqual(['contacts.ResolvePhone', 'contacts.ImportContacts', 'messages.SendMessage', 'contacts.DeleteContacts']);
    // The action refused: the imported contact is deleted all the same, and the refusal is the answer.
    await expect(client.sendMessage(byPhone('+14155550102'), 'refused')).rejects.toMatchObject({ code: 'USER_IS_BLOCKED' });
    expect(names()).toEqual(['contacts.ResolvePhone', 'contacts.ImportContacts', 'messages.SendMessage', 'contacts.DeleteContacts']);
    await expect(client.sendMessage(byPhone('+14155550000'), 'x')).rejects.toMatchObject({ code: 'PHONE_NOT_FOUND' });
    // Out of imports: the account's limit, not the person's (the worker rests the account and keeps the person).
    await expect(client.sendMessage(byPhone('+14155550199'), 'x')).rejects.toMatchObject({ kind: 'FLOOD_WAIT', code: 'CONTACTS_IMPORT_LIMIT', seconds: 3600 });
    calls.length = 0;
    await client.sendMessage({ username: null, user_id_platform: '424242', phone: null, first_name: null, last_name: null }, 'by id');
    expect(names()).toEqual(['messages.SendMessage']);
    await expect(client.sendMessage({ username: null, user_id_platform: '1', phone: null, first_name: null, last_name: null }, 'x')).rejects.toMatchObject({
      code: 'PEER_ID_INVALID',
    });
  });
});
