import { sql, type Kysely } from 'kysely';
import { DEFAULT_API_LANG, localised, type Lang } from '../shared/messages.js';
import { accountReasonText } from './account-reasons.js';
import type { AccountRow, Database } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import { AppError, notFound } from '../shared/errors.js';
import { maskPhone, normalisePhone } from '../targets/identity.js';
import { SANDBOX_GROUPS } from '../platform/sandbox/sandbox-world.js';
import { describeProxy, parseProxy, proxyToText, type AccountProxy } from '../platform/telegram/telegram-proxy.js';
import type { AccountManager } from './account-manager.js';
import type { SessionCrypto } from './session-crypto.js';

/** An account's phone as typed, normalised; a 400 at the phone field when it is not a phone number. */
export function accountPhone(raw: string | null | undefined): string | null {
  const phone = raw ? normalisePhone(raw) : null;
  if (raw && !phone)
    throw new AppError(400, 'INVALID_PHONE', 'The phone number must be in international format, like +14155550123.', [
      { field: 'phone', message: localised('INVALID_PHONE') },
    ]);
  return phone;
}

/** A 400 unless `session` has the shape of a GramJS StringSession (what it holds is Telegram's to say). */
export function assertSessionFormat(session: string): void {
  if (!/^1[A-Za-z0-9+/=_-]{100,}$/.test(session)) {
    throw new AppError(400, 'INVALID_SESSION', 'That does not look like a GramJS StringSession (it starts with "1" and is several hundred characters long).');
  }
}

/** Sender accounts as the owner sees them; the session itself never leaves the server. */
export class AccountService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly manager: AccountManager,
    private readonly crypto: SessionCrypto,
    private readonly platformMode: 'sandbox' | 'telegram',
  ) {}

  async toJson(a: AccountRow, lang: Lang = DEFAULT_API_LANG) {
    const usage = await this.manager.usage(a.id);
    const now = this.clock.now();
    const status = this.manager.checkStatus(a, now);
    return {
      id: a.id,
      label: a.label,
      platform: a.platform,
      platform_mode: a.platform_mode,
      sandbox: a.platform_mode === 'sandbox',
      phone_masked: maskPhone(a.phone),
      tg_name: a.tg_name ?? null,
      tg_username: a.tg_username ?? null,
      checked_at: a.checked_at?.toISOString() ?? null,
      status: a.status,
      status_reason: accountReasonText(a.status_reason, lang),
      rest_until: a.rest_until && a.rest_until > now ? a.rest_until.toISOString() : null,
      next_action_at: a.next_action_at && a.next_action_at > now ? a.next_action_at.toISOString() : null,
      available: status.allowed,
      usage_today: {
        invites: usage.invitesToday,
        invites_limit: this.manager.limits.invitesPerAccountDay,
        messages: usage.messagesToday,
        messages_limit: this.manager.limits.messagesPerAccountDay,
        invites_by_group: usage.invitesTodayByGroup,
        group_day_limit: this.manager.limits.invitesPerGroupDay,
        /** When "today" ends and the daily counts start again (the day is LIMITS_TIME_ZONE's, UTC by default). */
        resets_at: usage.dayEnd.toISOString(),
      },
      lifetime_by_group: usage.lifetimeByGroup,
      group_titles: await this.groupTitles(a.user_id, [...Object.keys(usage.lifetimeByGroup), ...Object.keys(usage.invitesTodayByGroup)]),
      group_lifetime_limit: this.manager.limits.invitesPerGroupLifetime,
      error_count: a.error_count,
      flood_wait_count: a.flood_wait_count,
      last_used_at: a.last_used_at?.toISOString() ?? null,
      created_at: a.created_at.toISOString(),
      sandbox_admin_of: a.sandbox_profile?.adminOf ?? null,
      /** The SOCKS proxy it reaches Telegram through, without its password; null: straight to Telegram. */
      proxy: a.proxy_encrypted ? describeProxy(this.proxyOf(a)!) : null,
    };
  }

  /** The account's (or a login attempt's) proxy, decrypted; null: none. */
  proxyOf(a: Pick<AccountRow, 'proxy_encrypted'>): AccountProxy | null {
    return a.proxy_encrypted ? parseProxy(this.crypto.decrypt(a.proxy_encrypted)) : null;
  }

  /** A proxy as `proxy_encrypted` stores it (the inverse of proxyOf). */
  storedProxy(proxy: AccountProxy | null | undefined): string | null {
    return proxy ? this.crypto.encrypt(proxyToText(proxy)) : null;
  }

  /** A person reads group titles, not ids: the titles of the owner's tasks' groups (resolved when each task started). */
  private async groupTitles(userId: number, keys: string[]): Promise<Record<string, string>> {
    if (!keys.length) return {};
    const rows = await this.db
      .selectFrom('tasks')
      .select(['target_group_key', sql<string>`max(target_group_title)`.as('title')])
      .where('user_id', '=', userId)
      .where('target_group_key', 'in', [...new Set(keys)])
      .where('target_group_title', 'is not', null)
      .groupBy('target_group_key')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.target_group_key!, r.title]));
  }

  async list(userId: number, lang: Lang = DEFAULT_API_LANG) {
    const rows = await this.db.selectFrom('accounts').selectAll().where('user_id', '=', userId).orderBy('id').execute();
    return Promise.all(rows.map((r) => this.toJson(r, lang)));
  }

  async getOwned(userId: number, id: number): Promise<AccountRow> {
    const row = await this.db.selectFrom('accounts').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    if (!row) throw notFound('Account');
    return row;
  }

  /** `identity`: who a Telegram session is (telegram-login's keep()), stored with the row so its uniqueness holds at once. */
  async create(
    userId: number,
    input: { label: string; phone?: string | null; session_string?: string; sandbox_admin_of?: string[] },
    identity?: Pick<AccountRow, 'tg_user_id' | 'tg_username' | 'tg_name' | 'checked_at' | 'proxy_encrypted'>,
  ): Promise<AccountRow> {
    const now = this.clock.now();
    const phone = accountPhone(input.phone);
    if (this.platformMode === 'telegram') {
      if (!input.session_string) throw new AppError(400, 'SESSION_REQUIRED', "Paste the account's GramJS StringSession to add a Telegram account.");
      assertSessionFormat(input.session_string.trim());
    } else if (input.session_string) {
      throw new AppError(
        400,
        'SANDBOX_MODE',
        'This server runs the sandbox platform: add a sandbox account (no session string), or run it with PLATFORM_MODE=telegram.',
      );
    }
    const adminOf = input.sandbox_admin_of ?? SANDBOX_GROUPS.filter((g) => !g.noAdmins).map((g) => g.key);
    const row = await this.db
      .insertInto('accounts')
      .values({
        user_id: userId,
        platform_mode: this.platformMode,
        label: input.label,
        phone,
        session_encrypted: input.session_string ? this.crypto.encrypt(input.session_string.trim()) : null,
        sandbox_profile: this.platformMode === 'sandbox' ? JSON.stringify({ adminOf }) : null,
        status: 'ACTIVE',
        status_reason: null,
        rest_until: null,
        next_action_at: null,
        idle_until: null,
        last_used_at: null,
        created_at: now,
        updated_at: now,
        ...identity,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return row;
  }

  /** Rename, disable or re-enable. A retired (banned / logged-out) account cannot simply be re-enabled. */
  async update(userId: number, id: number, patch: { label?: string; enabled?: boolean }): Promise<AccountRow> {
    const account = await this.getOwned(userId, id);
    const set: Record<string, unknown> = { updated_at: this.clock.now() };
    if (patch.label !== undefined) set.label = patch.label;
    if (patch.enabled === false) Object.assign(set, { status: 'DISABLED', status_reason: 'disabled by its owner' });
    if (patch.enabled === true) {
      if (account.status === 'BANNED' || account.status === 'DEAUTHORIZED') {
        throw new AppError(
          409,
          'ACCOUNT_RETIRED',
          `This account is ${account.status.toLowerCase()} (${account.status_reason ?? 'retired'}); add it again with a fresh session.`,
        );
      }
      if (account.status === 'DISABLED') Object.assign(set, { status: 'ACTIVE', status_reason: null });
    }
    const updated = await this.db.updateTable('accounts').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    if (patch.enabled === true) await this.manager.wake(userId);
    return updated;
  }

  async delete(userId: number, id: number): Promise<void> {
    await this.getOwned(userId, id);
    await this.db.deleteFrom('accounts').where('id', '=', id).execute();
  }
}
