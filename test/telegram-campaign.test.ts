import { afterEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from './helpers/test-app.js';
import { loginWithCode, startTestDc, type TestDc, type TestGroup, type TestUser } from './mtproto-dc/index.js';
import { runVirtual } from '../src/scheduler/worker-loop.js';
import type { Worker } from '../src/scheduler/worker.js';
import { GramJsPlatform } from '../src/platform/telegram/gramjs-platform.js';
import { loadConfig } from '../src/config/config.js';

/**
 * The product in PLATFORM_MODE=telegram, through GramJS, against the loopback MTProto test DC: accounts added
 * with StringSessions obtained by logging in on that DC, the admin check, and campaigns run by the real Worker
 * on a virtual clock. Every assertion about what reached "Telegram" is read from the DC's own record.
 */

let dc: TestDc | undefined;
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  await dc?.close();
  t = dc = undefined;
});

interface Scene {
  dc: TestDc;
  t: TestApp;
  worker: Worker;
  alpha: TestUser;
  alphaAccount: number;
  mega: TestGroup;
  news: TestGroup;
  basic: TestGroup;
  people: Record<string, TestUser>;
}

/** A DC with a sender (creator of a megagroup, a channel and a basic group), an audience, and the app. */
async function scene(opts: { callTimeoutMs?: number } = {}): Promise<Scene> {
  dc = await startTestDc();
  const w = dc.world;
  const alpha = w.addUser({ phone: '+15551001', username: 'alpha_sender', firstName: 'Alpha', password: 'alpha-2fa' });
  const people: Record<string, TestUser> = {};
  const person = (username: string, firstName: string, privacy = {}) =>
    (people[username] = w.addUser({ phone: `+1555200${Object.keys(people).length}`, username, firstName, privacy }));
  person('p_alice', 'Alice');
  person('p_bob', 'Bob');
  person('p_carol', 'Carol');
  person('p_private', 'Pat', { invitesForbidden: true });
  person('p_mutual', 'Mo', { mutualContactsOnly: true });
  person('p_toomany', 'Tom', { tooManyChannels: true });
  person('p_kicked', 'Kim');
  person('p_deleted', 'Del', { deactivated: true });
  person('p_byphone', 'Phil'); // invited by phone number (contacts.ResolvePhone finds him)
  person('p_hidden', 'Hedda', { hiddenFromPhoneSearch: true }); // by phone number, found only by importing it as a contact
  person('p_member', 'Meg'); // already in the megagroup
  person('p_bot', 'Bot', { bot: true }); // a bot in the audience
  const mega = w.addGroup({ kind: 'megagroup', title: 'DC Mega', username: 'dc_mega', creatorId: alpha.id });
  const news = w.addGroup({ kind: 'channel', title: 'DC News', username: 'dc_news', creatorId: alpha.id });
  const basic = w.addGroup({ kind: 'basic', title: 'DC Basic', creatorId: alpha.id });
  people.p_kicked!.privacy.kickedFrom = [mega.id];
  mega.members.add(people.p_member!.id);

  const session = await loginWithCode(dc, alpha.phone, 'alpha-2fa');
  const env = { PLATFORM_MODE: 'telegram', ...dc.env() };
  t = await makeTestApp(
    env,
    opts.callTimeoutMs ? { adapters: { telegram: new GramJsPlatform(loadConfig(env).telegram, { callTimeoutMs: opts.callTimeoutMs }) } } : {},
  );
  w.now = () => t!.clock.now().getTime();
  const res = await t.api({ method: 'POST', url: '/api/v1/invite/accounts', payload: { label: 'Alpha', session_string: session } });
  expect(res.statusCode, res.body).toBe(201);
  return { dc, t, worker: t.ctx.createWorker('dc-worker'), alpha, alphaAccount: res.json.id, mega, news, basic, people };
}

const api = (s: Scene) => s.t.api.bind(s.t);
async function createTask(s: Scene, payload: Record<string, unknown>): Promise<number> {
  const res = await api(s)({ method: 'POST', url: '/api/v1/invite/tasks', payload });
  expect(res.statusCode, res.body).toBe(201);
  const started = await api(s)({ method: 'POST', url: `/api/v1/invite/tasks/${res.json.id}/start` });
  expect(started.statusCode, started.body).toBe(200);
  return res.json.id;
}
const run = (s: Scene, hours: number, opts: { stop?: () => boolean; maxActions?: number } = {}) =>
  runVirtual(s.worker, s.t.clock, s.t.clock.now().getTime() + hours * 3600_000, opts);
async function targets(s: Scene, taskId: number): Promise<Record<string, { status: string; error_code: string | null }>> {
  const res = await api(s)({ method: 'GET', url: `/api/v1/invite/tasks/${taskId}/targets?page_size=100` });
  return Object.fromEntries(res.json.items.map((x: any) => [x.username ?? x.phone ?? x.user_id, x]));
}
const task = async (s: Scene, id: number) => (await api(s)({ method: 'GET', url: `/api/v1/invite/tasks/${id}` })).json;
const account = async (s: Scene, id: number) => (await api(s)({ method: 'GET', url: '/api/v1/invite/accounts' })).json.items.find((a: any) => a.id === id);
/** Invites the DC recorded into a group, by username. */
const invitedInto = (s: Scene, g: TestGroup) =>
  s.dc.world.invites
    .filter((i) => i.groupId === g.id)
    .map((i) => s.dc.world.users.get(i.userId)!.username)
    .sort();

describe('admin check through the DC', () => {
  it('answers from channels.GetParticipant / messages.GetFullChat for each account', async () => {
    const s = await scene();
    const w = s.dc.world;
    const beta = w.addUser({ phone: '+15551002', username: 'beta_sender', firstName: 'Beta' });
    const gamma = w.addUser({ phone: '+15551003', username: 'gamma_sender', firstName: 'Gamma' });
    s.mega.admins.set(beta.id, { canInvite: false });
    s.mega.members.add(beta.id).add(gamma.id);
    for (const [label, u] of [
      ['Beta', beta],
      ['Gamma', gamma],
    ] as const) {
      const res = await api(s)({ method: 'POST', url: '/api/v1/invite/accounts', payload: { label, session_string: await loginWithCode(s.dc, u.phone) } });
      expect(res.statusCode, res.body).toBe(201);
    }
    const check = (await api(s)({ method: 'GET', url: '/api/v1/invite/groups/check?link=@dc_mega' })).json;
    expect(check.group).toMatchObject({ title: 'DC Mega', kind: 'megagroup' });
    expect(check.ready.map((a: any) => a.label)).toEqual(['Alpha']);
    expect(Object.fromEntries(check.unavailable.map((a: any) => [a.label, a.reason]))).toEqual({
      Beta: 'admin without the right to add members',
      Gamma: 'not an admin of this group',
    });
    const asked = w.callsOf('channels.GetParticipant', { ok: true }).map((c) => c.userId);
    expect(asked.sort()).toEqual([s.alpha.id, beta.id, gamma.id].sort());

    const byLink = (await api(s)({ method: 'GET', url: `/api/v1/invite/groups/check?link=${encodeURIComponent(`https://t.me/+${s.mega.inviteHash}`)}` })).json;
    expect(byLink.group).toMatchObject({ title: 'DC Mega', key: s.mega.key });
    expect(byLink.ready.map((a: any) => a.label)).toEqual(['Alpha']);
    expect(w.callsOf('messages.CheckChatInvite', { ok: true }).length).toBeGreaterThan(0);

    const basic = (await api(s)({ method: 'GET', url: `/api/v1/invite/groups/check?link=${s.basic.key}` })).json;
    expect(basic.group).toMatchObject({ title: 'DC Basic', kind: 'basic' });
    expect(basic.ready.map((a: any) => a.label)).toEqual(['Alpha']);
    expect(w.callsOf('messages.GetFullChat', { ok: true, userId: s.alpha.id }).length).toBeGreaterThan(0);
  });
});

describe('campaigns through the DC with the real worker', () => {
  it('megagroup: everyone invited exactly once; refusals become the right outcome', async () => {
    const s = await scene();
    const id = await createTask(s, {
      type: 'invite_to_group',
      target_group: '@dc_mega',
      targets: [
        '@p_alice',
        '@p_bob',
        '@p_carol',
        '@p_private',
        '@p_mutual',
        '@p_toomany',
        '@p_kicked',
        '@p_deleted',
        '@p_ghost',
        '@p_member',
        '@p_bot',
        { phone: s.people.p_byphone!.phone, first_name: 'Phil' },
        { phone: s.people.p_hidden!.phone },
        { phone: '+15559999999' },
      ],
    });
    await run(s, 48);
    expect((await task(s, id)).status).toBe('COMPLETED');
    expect(invitedInto(s, s.mega)).toEqual(['p_alice', 'p_bob', 'p_byphone', 'p_carol', 'p_hidden']);
    expect(s.dc.world.invites.every((i) => i.byUserId === s.alpha.id && i.method === 'channels.InviteToChannel')).toBe(true);
    // Phones: resolved first (no trace in the account); imported only when that finds no one, and the import undone.
    expect(s.dc.world.callsOf('contacts.ResolvePhone')).toHaveLength(3);
    const imports = s.dc.world.callsOf('contacts.ImportContacts').map((c) => (c.request as any).contacts[0].phone);
    expect(imports.map((p) => p.replace(/\D/g, ''))).toEqual([s.people.p_hidden!.phone, '15559999999']);
    expect(s.dc.world.callsOf('contacts.DeleteContacts', { ok: true })).toHaveLength(1);
    expect([...(s.dc.world.contacts.get(s.alpha.id) ?? [])]).toEqual([]);
    const byName = await targets(s, id);
    expect(byName.p_alice!.status).toBe('INVITED');
    expect(byName.p_private).toMatchObject({ status: 'SKIPPED', error_code: 'USER_PRIVACY_RESTRICTED' });
    expect(byName.p_mutual).toMatchObject({ status: 'SKIPPED', error_code: 'USER_NOT_MUTUAL_CONTACT' });
    expect(byName.p_toomany).toMatchObject({ status: 'SKIPPED', error_code: 'USER_CHANNELS_TOO_MUCH' });
    expect(byName.p_kicked).toMatchObject({ status: 'SKIPPED', error_code: 'USER_KICKED' });
    expect(byName.p_deleted).toMatchObject({ status: 'FAILED', error_code: 'INPUT_USER_DEACTIVATED' });
    expect(byName.p_ghost).toMatchObject({ status: 'FAILED', error_code: 'USERNAME_NOT_OCCUPIED' });
    expect(byName['+15559999999']).toMatchObject({ status: 'FAILED', error_code: 'PHONE_NOT_FOUND' });
    // Already in the megagroup: asked first (InviteToChannel would answer success), never invited, kept in the ledger.
    expect(byName.p_member).toMatchObject({ status: 'SKIPPED', error_code: 'USER_ALREADY_PARTICIPANT' });
    // Known from the resolved user already (User.bot, User.deleted): no attempt made on the platform.
    expect(byName.p_bot).toMatchObject({ status: 'SKIPPED', error_code: 'USER_IS_BOT' });
    // Nothing was sent to those three, so they take nothing from the account's daily and per-group allowances.
    const logs = await s.t.ctx.db
      .selectFrom('execution_logs as l')
      .innerJoin('targets as t', 't.id', 'l.target_id')
      .select(['t.username', 'l.counts_toward_limit'])
      .where('l.task_id', '=', id)
      .execute();
    expect(logs.filter((l) => !l.counts_toward_limit).map((l) => l.username)).toEqual(expect.arrayContaining(['p_bot', 'p_deleted', 'p_member']));
    expect(logs.filter((l) => !l.counts_toward_limit)).toHaveLength(3);
    const usage = await s.t.ctx.db.selectFrom('account_group_usage').select('lifetime_invites').where('group_key', '=', s.mega.key).executeTakeFirstOrThrow();
    expect(usage.lifetime_invites).toBe(logs.length - 3);
    const ledger = await s.t.ctx.db.selectFrom('audience_ledger').select(['identity_key', 'outcome']).where('outcome', '=', 'ALREADY_MEMBER').execute();
    expect(ledger.map((l) => l.identity_key)).toEqual(['u:p_member']);
    // one InviteToChannel per resolvable person (the ghost and the unknown phone never resolve), never a second one
    const invitesCalls = s.dc.world.callsOf('channels.InviteToChannel');
    const perPerson = invitesCalls.map((c) => String((c.request as any).users[0].userId));
    expect(perPerson).toHaveLength(9);
    expect(new Set(perPerson).size).toBe(9);
    const asked = new Set(perPerson);
    expect(asked.has(String(s.people.p_bot!.id)) || asked.has(String(s.people.p_deleted!.id))).toBe(false);
    expect(s.dc.world.callsOf('contacts.ResolveUsername', { ok: false }).map((c) => c.error)).toEqual(['USERNAME_NOT_OCCUPIED']);
    // paced: at least PAUSE_MIN_SECONDS of virtual time between two invites of the account
    const gaps = invitesCalls.slice(1).map((c, i) => (c.at - invitesCalls[i]!.at) / 1000);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(600);
  });

  it('a channel (InviteToChannel) and a basic group (messages.AddChatUser)', async () => {
    const s = await scene();
    const news = await createTask(s, { type: 'invite_to_group', target_group: '@dc_news', targets: ['@p_alice', '@p_bob', '@p_private'] });
    const basic = await createTask(s, { type: 'invite_to_group', target_group: s.basic.key, targets: ['@p_alice', '@p_carol', '@p_mutual'] });
    await run(s, 48);
    expect((await task(s, news)).status).toBe('COMPLETED');
    expect((await task(s, basic)).status).toBe('COMPLETED');
    expect(invitedInto(s, s.news)).toEqual(['p_alice', 'p_bob']);
    expect(invitedInto(s, s.basic)).toEqual(['p_alice', 'p_carol']);
    expect(s.dc.world.invites.filter((i) => i.groupId === s.basic.id).every((i) => i.method === 'messages.AddChatUser')).toBe(true);
    expect(s.dc.world.invites.filter((i) => i.groupId === s.news.id).every((i) => i.method === 'channels.InviteToChannel')).toBe(true);
    expect((await targets(s, news)).p_private).toMatchObject({ status: 'SKIPPED', error_code: 'USER_PRIVACY_RESTRICTED' });
    expect((await targets(s, basic)).p_mutual).toMatchObject({ status: 'SKIPPED', error_code: 'USER_NOT_MUTUAL_CONTACT' });
  });

  it('a DM campaign renders {first_name} and sends each message once', async () => {
    const s = await scene();
    const id = await createTask(s, {
      type: 'direct_message',
      message_template: 'Hi {first_name}, welcome!',
      targets: [
        { username: 'p_alice', first_name: 'Alice' },
        { username: 'p_bob', first_name: 'Bob' },
        { username: 'p_deleted', first_name: 'Del' },
      ],
    });
    await run(s, 48);
    expect((await task(s, id)).status).toBe('COMPLETED');
    const msgs = s.dc.world.messages.map((m) => [s.dc.world.users.get(m.toUserId)!.username, m.text]);
    expect(msgs.sort()).toEqual([
      ['p_alice', 'Hi Alice, welcome!'],
      ['p_bob', 'Hi Bob, welcome!'],
    ]);
    expect(s.dc.world.messages.every((m) => m.fromUserId === s.alpha.id)).toBe(true);
    expect((await targets(s, id)).p_deleted).toMatchObject({ status: 'FAILED', error_code: 'INPUT_USER_DEACTIVATED' });
  });
});

describe('account-level errors from the DC', () => {
  it('FLOOD_WAIT_30: the account rests 30 + 60 s and nothing reaches the DC meanwhile; the person is invited later, once', async () => {
    const s = await scene();
    s.dc.world.injectError('channels.InviteToChannel', 'FLOOD_WAIT_30');
    const id = await createTask(s, { type: 'invite_to_group', target_group: '@dc_mega', targets: ['@p_alice', '@p_bob'] });
    const realStart = Date.now();
    await run(s, 1, { stop: () => s.dc.world.calls.some((c) => c.error === 'FLOOD_WAIT_30') });
    // GramJS did not sleep through the wait itself (floodSleepThreshold 0): the Account Manager owns the rest
    expect(Date.now() - realStart).toBeLessThan(20_000);
    const flood = s.dc.world.calls.find((c) => c.error === 'FLOOD_WAIT_30')!;
    const acc = await account(s, s.alphaAccount);
    expect(new Date(acc.rest_until).getTime()).toBe(flood.at + 90_000 - (flood.at % 1000));
    expect(acc.flood_wait_count).toBe(1);
    await run(s, 48);
    expect((await task(s, id)).status).toBe('COMPLETED');
    expect(invitedInto(s, s.mega)).toEqual(['p_alice', 'p_bob']);
    const afterFlood = s.dc.world.calls.filter((c) => c.at > flood.at && c.userId === s.alpha.id);
    expect(afterFlood.length).toBeGreaterThan(0);
    expect(Math.min(...afterFlood.map((c) => c.at)) - flood.at).toBeGreaterThanOrEqual(90_000);
  });

  it('contacts.ImportContacts out of allowance (retry_contacts): the account rests an hour, the person waits and is invited later', async () => {
    const s = await scene();
    s.dc.world.contactImportsLeft = 0;
    const id = await createTask(s, { type: 'invite_to_group', target_group: '@dc_mega', targets: [{ phone: s.people.p_hidden!.phone }] });
    await run(s, 1, { stop: () => s.dc.world.callsOf('contacts.ImportContacts').length > 0 });
    const refused = s.dc.world.callsOf('contacts.ImportContacts')[0]!;
    const acc = await account(s, s.alphaAccount);
    expect(acc.status).toBe('FLOOD_WAIT');
    expect(new Date(acc.rest_until).getTime() - refused.at).toBeGreaterThanOrEqual(3600_000);
    const ru = (await api(s)({ method: 'GET', url: '/api/v1/invite/accounts', headers: { 'accept-language': 'ru' } })).json.items[0];
    expect(ru.status_reason).toBe('Telegram временно ограничил аккаунту поиск людей по номеру телефона');
    const told = (await api(s)({ method: 'GET', url: '/api/v1/invite/notifications', headers: { 'accept-language': 'ru' } })).json.items;
    expect(told.map((n: any) => [n.event, n.text])).toEqual([
      [
        'account_rested',
        'Telegram временно ограничил аккаунту «Alpha» поиск людей по номеру телефона: он вернётся к работе через 1 ч 1 мин. Люди с юзернеймами находятся без этого ограничения.',
      ],
    ]);
    expect((await targets(s, id))[`+${s.people.p_hidden!.phone}`]).toMatchObject({ status: 'PENDING', error_code: null });
    // The allowance comes back; nothing was tried before the rest ended, and the person is then invited once.
    s.dc.world.contactImportsLeft = undefined;
    await run(s, 48);
    expect((await task(s, id)).status).toBe('COMPLETED');
    expect(invitedInto(s, s.mega)).toEqual(['p_hidden']);
    const imports = s.dc.world.callsOf('contacts.ImportContacts');
    expect(imports).toHaveLength(2);
    expect(imports[1]!.at - refused.at).toBeGreaterThanOrEqual(3600_000);
    expect([...(s.dc.world.contacts.get(s.alpha.id) ?? [])]).toEqual([]);
    // Counted with the rate limits met (the Mailing page's statistics), not as a FloodWait Telegram asked for.
    expect(await s.t.ctx.stats.executionSummary(id)).toMatchObject({ rate_limited: 1, flood_wait: 0 });
  });

  it('PEER_FLOOD: the account rests 24 h', async () => {
    const s = await scene();
    s.dc.world.injectError('channels.InviteToChannel', 'PEER_FLOOD');
    await createTask(s, { type: 'invite_to_group', target_group: '@dc_mega', targets: ['@p_alice', '@p_bob'] });
    await run(s, 1, { stop: () => s.dc.world.calls.some((c) => c.error === 'PEER_FLOOD') });
    const flood = s.dc.world.calls.find((c) => c.error === 'PEER_FLOOD')!;
    const acc = await account(s, s.alphaAccount);
    expect(new Date(acc.rest_until).getTime() - flood.at).toBeGreaterThanOrEqual(86_400_000 - 1000);
    await run(s, 23);
    expect(s.dc.world.calls.filter((c) => c.at > flood.at && c.method === 'channels.InviteToChannel')).toHaveLength(0);
    await run(s, 24);
    expect(invitedInto(s, s.mega)).toEqual(['p_alice', 'p_bob']);
  });

  it('USER_RESTRICTED (spam reports): rested like PeerFlood, its owner told why', async () => {
    const s = await scene();
    s.dc.world.injectError('channels.InviteToChannel', 'USER_RESTRICTED', { code: 403 });
    await createTask(s, { type: 'invite_to_group', target_group: '@dc_mega', targets: ['@p_alice'] });
    await run(s, 1, { stop: () => s.dc.world.calls.some((c) => c.error === 'USER_RESTRICTED') });
    const refused = s.dc.world.calls.find((c) => c.error === 'USER_RESTRICTED')!;
    const ru = { 'accept-language': 'ru' };
    const acc = (await api(s)({ method: 'GET', url: '/api/v1/invite/accounts', headers: ru })).json.items[0];
    expect(acc).toMatchObject({ status: 'PEER_FLOOD', status_reason: 'Telegram ограничил аккаунт из-за жалоб на спам' });
    expect(new Date(acc.rest_until).getTime() - refused.at).toBeGreaterThanOrEqual(86_400_000 - 1000);
    const told = (await api(s)({ method: 'GET', url: '/api/v1/invite/notifications', headers: ru })).json.items;
    expect(told.map((n: any) => n.text)).toEqual([
      'Telegram ограничил аккаунт «Alpha» из-за жалоб на спам: он отдыхает 24 ч, задачи идут медленнее. Если это повторяется, смените текст или аудиторию.',
    ]);
  });

  it('PRIVACY_PREMIUM_REQUIRED: a DM to someone who takes messages only from contacts and Premium users is skipped with the reason', async () => {
    const s = await scene();
    s.dc.world.injectError('messages.SendMessage', 'PRIVACY_PREMIUM_REQUIRED', { times: 1 });
    const id = await createTask(s, { type: 'direct_message', message_template: 'Hi {first_name}', targets: ['@p_alice', '@p_bob'] });
    await run(s, 48);
    expect((await task(s, id)).status).toBe('COMPLETED');
    const people = (await api(s)({ method: 'GET', url: `/api/v1/invite/tasks/${id}/targets`, headers: { 'accept-language': 'ru' } })).json.items;
    expect(people.map((p: any) => [p.status, p.error_code, p.error_message])).toEqual([
      ['SKIPPED', 'PRIVACY_PREMIUM_REQUIRED', 'пользователь принимает сообщения только от контактов и пользователей Telegram Premium'],
      ['SENT', null, null],
    ]);
  });

  it('AUTH_KEY_UNREGISTERED (sessions revoked mid-campaign): the account is retired as DEAUTHORIZED', async () => {
    const s = await scene();
    await createTask(s, { type: 'invite_to_group', target_group: '@dc_mega', targets: ['@p_alice', '@p_bob', '@p_carol'] });
    await run(s, 48, { stop: () => s.dc.world.invites.length >= 1 });
    s.dc.world.revokeSessions(s.alpha.id);
    await run(s, 48);
    const acc = await account(s, s.alphaAccount);
    expect(acc.status).toBe('DEAUTHORIZED');
    expect(s.dc.world.calls.some((c) => c.error === 'AUTH_KEY_UNREGISTERED')).toBe(true);
    expect(invitedInto(s, s.mega)).toEqual(['p_alice']);
  });

  it('USER_DEACTIVATED_BAN: the account is retired as BANNED and acts no more', async () => {
    const s = await scene();
    s.dc.world.injectError('channels.InviteToChannel', 'USER_DEACTIVATED_BAN', { userId: s.alpha.id });
    const id = await createTask(s, { type: 'invite_to_group', target_group: '@dc_mega', targets: ['@p_alice', '@p_bob'] });
    await run(s, 48);
    expect((await account(s, s.alphaAccount)).status).toBe('BANNED');
    expect(s.dc.world.callsOf('channels.InviteToChannel').map((c) => c.error)).toEqual(['USER_DEACTIVATED_BAN']);
    expect(s.dc.world.invites).toHaveLength(0);
    expect(Object.values(await targets(s, id)).every((x) => x.status === 'PENDING')).toBe(true);
  });

  it('AUTH_KEY_DUPLICATED: the session is retired as DEAUTHORIZED (not retried as an unknown error)', async () => {
    const s = await scene();
    s.dc.world.injectError('channels.InviteToChannel', 'AUTH_KEY_DUPLICATED', { userId: s.alpha.id, code: 406 });
    await createTask(s, { type: 'invite_to_group', target_group: '@dc_mega', targets: ['@p_alice'] });
    await run(s, 48);
    expect(await account(s, s.alphaAccount)).toMatchObject({ status: 'DEAUTHORIZED', status_reason: expect.stringMatching(/two places at once/) });
    expect(s.dc.world.callsOf('channels.InviteToChannel')).toHaveLength(1);
    // The custom DC is named wherever it is set: start-up log and /health/detailed.
    expect((await s.t.app.inject({ url: '/health/detailed' })).json().telegram_dc).toMatch(/^custom Telegram DC 2@127\.0\.0\.1:\d+ — not Telegram production$/);
  });

  it('CHAT_ADMIN_REQUIRED: a group error — the account stops serving that task, the person is not failed', async () => {
    const s = await scene();
    s.dc.world.injectError('channels.InviteToChannel', 'CHAT_ADMIN_REQUIRED');
    const id = await createTask(s, { type: 'invite_to_group', target_group: '@dc_mega', targets: ['@p_alice'] });
    await run(s, 48);
    const acc = await account(s, s.alphaAccount);
    expect(acc.status).toBe('ACTIVE');
    expect(s.dc.world.callsOf('channels.InviteToChannel').map((c) => c.error)).toEqual(['CHAT_ADMIN_REQUIRED']);
    expect((await targets(s, id)).p_alice!.status).not.toMatch(/FAILED|SKIPPED|INVITED/);
    const logs = (await api(s)({ method: 'GET', url: `/api/v1/invite/tasks/${id}/logs?page_size=100` })).json.items;
    expect(logs.some((l: any) => l.error_code === 'CHAT_ADMIN_REQUIRED')).toBe(true);
  });

  it('a connection killed mid-campaign is recovered: the next action succeeds', async () => {
    const s = await scene();
    const id = await createTask(s, { type: 'invite_to_group', target_group: '@dc_mega', targets: ['@p_alice', '@p_bob', '@p_carol'] });
    await run(s, 48, { stop: () => s.dc.world.invites.length >= 1 });
    const killedAt = s.dc.world.calls.length;
    s.dc.killConnections();
    await run(s, 48);
    expect((await task(s, id)).status).toBe('COMPLETED');
    // GramJS reconnected on its own: the very next invite went through, nothing had to be retried
    expect(
      s.dc.world.calls
        .slice(killedAt)
        .filter((c) => c.method === 'channels.InviteToChannel')
        .map((c) => c.error ?? 'ok'),
    ).toEqual(['ok', 'ok']);
    const logs = (await api(s)({ method: 'GET', url: `/api/v1/invite/tasks/${id}/logs?page_size=100` })).json.items;
    expect(logs.filter((l: any) => l.result !== 'SUCCESS')).toEqual([]);
    expect(invitedInto(s, s.mega)).toEqual(['p_alice', 'p_bob', 'p_carol']);
    const byName = await targets(s, id);
    expect(Object.values(byName).every((x) => x.status === 'INVITED')).toBe(true);
  });

  it('Telegram unreachable mid-campaign: a network retry, then a rest that costs nobody, never a retired account; once it is back, everyone is invited once', async () => {
    const s = await scene({ callTimeoutMs: 2500 });
    const id = await createTask(s, { type: 'invite_to_group', target_group: '@dc_mega', targets: ['@p_alice', '@p_bob', '@p_carol'] });
    await run(s, 48, { stop: () => s.dc.world.invites.length >= 1 });
    s.dc.setDown(true);
    const realStart = Date.now();
    // 1st action: the open client's call times out (it may have reached Telegram: the person is tried again later);
    // 2nd: connecting again fails, so nothing was sent: the person keeps their attempts and the account rests.
    // Neither may hang or retire.
    await run(s, 48, { maxActions: 2 });
    expect(Date.now() - realStart).toBeLessThan(25_000); // no hang: GramJS alone would wait for ever
    const logs = (await api(s)({ method: 'GET', url: `/api/v1/invite/tasks/${id}/logs?page_size=100` })).json.items;
    // (a connection that is accepted and dropped at once makes GramJS's connect() hang: it times out too)
    expect(logs.filter((l: any) => l.result === 'RETRY').map((l: any) => l.error_code)).toEqual([expect.stringMatching(/^(TIMEOUT|CONNECT_FAILED)$/)]);
    expect(logs.filter((l: any) => l.result === 'ACCOUNT_ERROR').map((l: any) => l.error_code)).toEqual(['TELEGRAM_UNREACHABLE']);
    expect(await account(s, s.alphaAccount)).toMatchObject({
      status: 'RESTING',
      status_reason: 'Telegram could not be reached from the server; it tries again after a pause',
    });
    s.dc.setDown(false);
    await run(s, 48);
    expect((await task(s, id)).status).toBe('COMPLETED');
    expect(invitedInto(s, s.mega)).toEqual(['p_alice', 'p_bob', 'p_carol']);
    expect((await account(s, s.alphaAccount)).status).toBe('ACTIVE');
  });
});
