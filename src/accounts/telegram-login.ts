import { randomUUID } from 'node:crypto';
import { Api, type TelegramClient } from 'telegram';
import { computeCheck } from 'telegram/Password.js';
import QRCode from 'qrcode';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { TelegramConfig } from '../config/config.js';
import type { AccountRow, Database, TelegramLoginAttemptRow } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import { AppError, notFound } from '../shared/errors.js';
import { localised, type MessageParams } from '../shared/messages.js';
import { maskPhone, normalisePhone } from '../targets/identity.js';
import { mapGramJsError } from '../platform/telegram/gramjs-errors.js';
import { ACCOUNT_ERROR_KINDS, platformError } from '../platform/platform-error.js';
import { withTimeout } from '../shared/with-timeout.js';
import { isUniqueViolation } from '../db/db-errors.js';
import type { PlatformConnections } from '../platform/connections.js';
import type { AccountManager } from './account-manager.js';
import { accountPhone, assertSessionFormat, type AccountService } from './account-service.js';
import { ACCOUNT_TWIN_SENTENCES } from './account-reasons.js';
import type { SessionCrypto } from './session-crypto.js';
import { telegramClientFactory, type TelegramClientFactory } from './telegram-client-factory.js';
import { ProxyFormatError, parseProxy, type AccountProxy } from '../platform/telegram/telegram-proxy.js';
import { settleProxyKind } from '../platform/telegram/proxy-kind.js';

export type LoginField = 'phone' | 'code' | 'password' | 'proxy';

/** A refusal the person can act on, tied to the form field it concerns: `{error, message, field}`. */
export class LoginError extends AppError {
  constructor(
    statusCode: number,
    code: string,
    message: string,
    readonly field: LoginField | null,
    readonly retryAfter?: number,
    i18n?: { key?: string; params?: MessageParams },
    /** For routes outside the login's own (their answers carry `details`, not `field`). */
    details?: unknown,
  ) {
    super(statusCode, code, message, details, i18n);
  }
}

/** Telegram's login refusals, by TL error type, as stable codes and sentences (the UI translates by code). */
const LOGIN_REFUSALS: Record<string, { status: number; field: LoginField | null; message: string }> = {
  PHONE_NUMBER_INVALID: {
    status: 400,
    field: 'phone',
    message: 'Telegram does not accept this phone number; type it in international format, like +14155550123.',
  },
  PHONE_NUMBER_BANNED: { status: 400, field: 'phone', message: 'Telegram has banned this phone number.' },
  PHONE_NUMBER_FLOOD: {
    status: 429,
    field: 'phone',
    message: 'Telegram will not send more codes to this number for now; try again later or connect by QR code.',
  },
  PHONE_NUMBER_UNOCCUPIED: {
    status: 400,
    field: 'phone',
    message: 'No Telegram account uses this phone number; create the account in the Telegram app first.',
  },
  PHONE_CODE_INVALID: { status: 400, field: 'code', message: 'The code is wrong; check the code Telegram sent and type it again.' },
  PHONE_CODE_EMPTY: { status: 400, field: 'code', message: 'Type the code Telegram sent.' },
  PHONE_CODE_EXPIRED: { status: 400, field: 'code', message: 'The code has expired; request a new one.' },
  PASSWORD_HASH_INVALID: { status: 400, field: 'password', message: 'The two-step verification password is wrong.' },
  PASSWORD_EMPTY: { status: 400, field: 'password', message: 'Type the two-step verification password.' },
  SRP_ID_INVALID: { status: 400, field: 'password', message: 'Telegram asked for the password again; type it once more.' },
  API_ID_INVALID: {
    status: 503,
    field: null,
    message: "Telegram rejected this server's TELEGRAM_API_ID / TELEGRAM_API_HASH; the administrator must fix them.",
  },
  API_ID_PUBLISHED_FLOOD: {
    status: 503,
    field: null,
    message: "Telegram refuses logins with this server's TELEGRAM_API_ID; the administrator must use their own from my.telegram.org.",
  },
};

/** Codes after which the attempt cannot go on (the person starts again, with what they typed kept). */
const FATAL_CODES = new Set(['PHONE_CODE_EXPIRED', 'PHONE_NUMBER_INVALID', 'PHONE_NUMBER_BANNED', 'PHONE_NUMBER_UNOCCUPIED', 'PHONE_NUMBER_FLOOD']);

const OPEN_STATES = ['code_sent', 'password_needed', 'qr'] as const;
type OpenState = (typeof OPEN_STATES)[number];

export interface TelegramLoginOptions {
  /** How long a half-finished login lives (default 10 min). */
  attemptTtlMs?: number;
  /** Code requests per user and per phone number per hour (default 5). */
  codeRequestsPerHour?: number;
  /** QR logins started per user per hour (default 10). */
  qrPerHour?: number;
  /** How often a QR poll asks Telegram again even without an UpdateLoginToken (default 5 s). */
  qrRecheckMs?: number;
  /** Time limit of one Telegram step (default 30 s). */
  stepTimeoutMs?: number;
  /** Time limit of the best-effort auth.logOut when an account is removed (default 5 s). */
  logoutTimeoutMs?: number;
  factory?: TelegramClientFactory;
}

interface Live {
  client: TelegramClient;
  qr?: { url: string; svg: string; expires: number };
  lastExportAt: number;
  /** Telegram pushed UpdateLoginToken: the QR was scanned, ask again now. */
  scanned: boolean;
}

interface SelfInfo {
  tgUserId: string;
  username: string | null;
  name: string | null;
  phone: string | null;
}

function codeType(type: Api.auth.TypeSentCodeType): string {
  if (type instanceof Api.auth.SentCodeTypeApp) return 'app';
  if (type instanceof Api.auth.SentCodeTypeSms) return 'sms';
  if (type instanceof Api.auth.SentCodeTypeCall) return 'call';
  if (type instanceof Api.auth.SentCodeTypeFlashCall) return 'flash_call';
  if (type instanceof Api.auth.SentCodeTypeMissedCall) return 'missed_call';
  if (type instanceof Api.auth.SentCodeTypeFragmentSms) return 'fragment_sms';
  if (type instanceof Api.auth.SentCodeTypeEmailCode) return 'email';
  return 'other';
}

function selfInfo(user: Api.TypeUser | undefined): SelfInfo {
  if (!(user instanceof Api.User)) throw new AppError(502, 'TELEGRAM_ERROR', 'Telegram did not return the signed-in user.');
  const name = [user.firstName, user.lastName].filter(Boolean).join(' ').trim() || null;
  return { tgUserId: user.id.toString(), username: user.username ?? null, name, phone: user.phone ? normalisePhone(`+${user.phone}`) : null };
}

/** The unique index of a Telegram account's user id (migration 13): one row per Telegram account. */
const TG_USER_INDEX = 'accounts_tg_user';

const unreachable = () => new AppError(502, 'TELEGRAM_UNREACHABLE', 'Telegram could not be reached from the server; try again in a minute.');
/** Telegram could not be reached through the proxy the person gave: said at that field. */
const proxyUnreachable = () =>
  new LoginError(
    502,
    'PROXY_UNREACHABLE',
    'Telegram could not be reached through this proxy: check its kind (socks5:// or http://), address, port, user and password.',
    'proxy',
    undefined,
    undefined,
    [{ field: 'proxy', message: localised('PROXY_UNREACHABLE') }],
  );

/** A proxy as typed, its kind asked of the proxy when none was typed (proxy-kind.ts). */
const settled = (proxy: AccountProxy | null) => (proxy ? settleProxyKind(proxy) : Promise.resolve(null));

/**
 * The `proxy` field as typed: null when empty, else parsed, or a 400 said at that field in the reader's language
 * (the login routes answer its `field`, the others its `details`).
 */
export function proxyInput(value: string | null | undefined): AccountProxy | null {
  if (value == null || !value.trim()) return null;
  try {
    return parseProxy(value);
  } catch (err) {
    if (!(err instanceof ProxyFormatError)) throw err;
    throw new LoginError(400, 'PROXY_INVALID', `proxy: ${err.text.en}`, 'proxy', undefined, { key: 'TEXT', params: { text: err.text } }, [
      { field: 'proxy', message: err.text },
    ]);
  }
}

/** Telegram's FloodWait while a session is asked who it is: wait that long before asking again. */
const checkFloodWait = (seconds: number | undefined) =>
  new AppError(429, 'FLOOD_WAIT', `Telegram asks to wait ${seconds ?? 0} s before checking again.`, undefined, {
    key: 'FLOOD_WAIT.check',
    params: { seconds: seconds ?? 0 },
  });

/**
 * Connecting a Telegram account from the web UI, as the platform's Integration Service did: by phone
 * (auth.sendCode → auth.signIn → 2FA password via SRP) or by QR (auth.exportLoginToken, polled), and the
 * account's health afterwards (users.getUsers self; a revoked session retires the account).
 *
 * A half-finished login is a row in telegram_login_attempts (its temporary session encrypted) plus the live
 * GramJS client in this process's memory; another process can resume it from the row. Sessions are never
 * returned or logged.
 */
export class TelegramLoginService {
  private readonly live = new Map<string, Live>();
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Short-lived clients of health checks and log-outs, destroyed on close if still running. */
  private readonly transient = new Set<TelegramClient>();
  private readonly factory: TelegramClientFactory;
  private readonly opts: Required<Omit<TelegramLoginOptions, 'factory'>>;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly crypto: SessionCrypto,
    private readonly accounts: AccountService,
    private readonly manager: AccountManager,
    private readonly connections: PlatformConnections,
    private readonly logger: Logger,
    private readonly telegram: TelegramConfig,
    readonly platformMode: 'sandbox' | 'telegram',
    options: TelegramLoginOptions = {},
  ) {
    this.factory = options.factory ?? telegramClientFactory(telegram);
    this.opts = {
      attemptTtlMs: options.attemptTtlMs ?? 10 * 60_000,
      codeRequestsPerHour: options.codeRequestsPerHour ?? 5,
      qrPerHour: options.qrPerHour ?? 10,
      qrRecheckMs: options.qrRecheckMs ?? 5_000,
      stepTimeoutMs: options.stepTimeoutMs ?? 30_000,
      logoutTimeoutMs: options.logoutTimeoutMs ?? 5_000,
    };
    if (platformMode === 'telegram') {
      this.sweeper = setInterval(() => {
        this.sweep().catch((err) => this.logger.warn({ err: (err as Error).message }, 'login attempt sweep failed'));
      }, 30_000);
      this.sweeper.unref();
    }
  }

  // ---------------------------------------------------------------- public steps

  /** `proxy`: the proxy the login, and then the account, goes through (src/platform/telegram/telegram-proxy.ts). */
  async startPhone(userId: number, rawPhone: string, typedProxy: AccountProxy | null = null) {
    this.requireTelegram();
    const phone = normalisePhone(rawPhone);
    if (!phone) throw new LoginError(400, 'PHONE_NUMBER_INVALID', 'Type the phone number in international format, like +14155550123.', 'phone');
    const hourAgo = new Date(this.clock.now().getTime() - 3_600_000);
    const [byUser, byPhone] = await Promise.all([this.countSince(hourAgo, 'phone', { userId }), this.countSince(hourAgo, 'phone', { phone })]);
    if (byUser >= this.opts.codeRequestsPerHour || byPhone >= this.opts.codeRequestsPerHour) {
      throw new LoginError(
        429,
        'TOO_MANY_CODE_REQUESTS',
        `At most ${this.opts.codeRequestsPerHour} login codes can be requested per hour${byPhone >= this.opts.codeRequestsPerHour ? ' for this phone number' : ''}; wait a while or connect by QR code.`,
        'phone',
      );
    }
    const proxy = await settled(typedProxy);
    await this.cancelOpen(userId);
    const row = await this.insertAttempt(userId, 'phone', 'code_sent', phone, proxy);
    return this.locked(row.id, async () => {
      try {
        // Inside: Telegram (or the proxy) not reached ends the attempt with the person's error, like any refusal.
        const live = await this.open(row, '');
        const sent = await this.step(
          live.client.invoke(
            new Api.auth.SendCode({
              phoneNumber: phone,
              apiId: this.telegram.apiId!,
              apiHash: this.telegram.apiHash!,
              settings: new Api.CodeSettings({}),
            }),
          ),
        );
        if (sent instanceof Api.auth.SentCodeSuccess) {
          if (!(sent.authorization instanceof Api.auth.Authorization))
            throw new AppError(502, 'TELEGRAM_ERROR', 'Telegram answered the code request in an unexpected way.');
          return await this.finish(row, live);
        }
        const updated = await this.update(row.id, {
          phone_code_hash: sent.phoneCodeHash,
          code_type: codeType(sent.type),
          session_encrypted: this.saveSession(live),
        });
        this.logger.info({ attempt: row.id, user_id: userId, method: 'phone', state: 'code_sent' }, 'telegram login: code sent');
        return this.view(updated);
      } catch (err) {
        throw await this.fail(row, err, 'phone', true);
      }
    });
  }

  async submitCode(userId: number, attemptId: string, code: string) {
    return this.locked(attemptId, async () => {
      const row = await this.openAttempt(userId, attemptId, 'code');
      if (row.state !== 'code_sent') throw this.wrongStep(row);
      const live = await this.resume(row);
      try {
        const res = await this.step(live.client.invoke(new Api.auth.SignIn({ phoneNumber: row.phone!, phoneCodeHash: row.phone_code_hash!, phoneCode: code })));
        if (res instanceof Api.auth.AuthorizationSignUpRequired) {
          throw new LoginError(400, 'PHONE_NUMBER_UNOCCUPIED', LOGIN_REFUSALS.PHONE_NUMBER_UNOCCUPIED!.message, 'phone');
        }
        return await this.finish(row, live);
      } catch (err) {
        if (rpcCode(err) === 'SESSION_PASSWORD_NEEDED') return this.toPassword(row, live);
        throw await this.fail(row, err, 'code');
      }
    });
  }

  async submitPassword(userId: number, attemptId: string, password: string) {
    return this.locked(attemptId, async () => {
      const row = await this.openAttempt(userId, attemptId, 'password');
      if (row.state !== 'password_needed') throw this.wrongStep(row);
      const live = await this.resume(row);
      try {
        const srp = await this.step(live.client.invoke(new Api.account.GetPassword()));
        const check = await computeCheck(srp, password);
        await this.step(live.client.invoke(new Api.auth.CheckPassword({ password: check })));
        return await this.finish(row, live);
      } catch (err) {
        throw await this.fail(row, err, 'password');
      }
    });
  }

  async startQr(userId: number, typedProxy: AccountProxy | null = null) {
    this.requireTelegram();
    const hourAgo = new Date(this.clock.now().getTime() - 3_600_000);
    if ((await this.countSince(hourAgo, 'qr', { userId })) >= this.opts.qrPerHour) {
      throw new LoginError(429, 'TOO_MANY_QR_REQUESTS', `At most ${this.opts.qrPerHour} QR logins can be started per hour; wait a while.`, null);
    }
    const proxy = await settled(typedProxy);
    await this.cancelOpen(userId);
    const row = await this.insertAttempt(userId, 'qr', 'qr', null, proxy);
    return this.locked(row.id, async () => {
      try {
        const live = await this.open(row, '');
        return await this.exportQr(row, live);
      } catch (err) {
        throw await this.fail(row, err, null, true);
      }
    });
  }

  /** The poll: where the attempt is now. A QR attempt asks Telegram whether it was scanned (and refreshes the code). */
  async poll(userId: number, attemptId: string) {
    return this.locked(attemptId, async () => {
      const row = await this.owned(userId, attemptId);
      if (this.isOpen(row) && row.expires_at <= this.clock.now()) return this.view(await this.expire(row));
      if (row.state !== 'qr') return this.view(row);
      const live = await this.resume(row);
      const due = live.scanned || !live.qr || Date.now() / 1000 >= live.qr.expires - 5 || Date.now() - live.lastExportAt >= this.opts.qrRecheckMs;
      if (!due) return this.view(row, live);
      try {
        return await this.exportQr(row, live);
      } catch (err) {
        throw await this.fail(row, err, null);
      }
    });
  }

  async cancel(userId: number, attemptId: string): Promise<void> {
    await this.locked(attemptId, async () => {
      const row = await this.owned(userId, attemptId);
      if (this.isOpen(row)) await this.update(row.id, { state: 'cancelled', session_encrypted: null });
      await this.dropLive(row.id);
    });
  }

  // ---------------------------------------------------------------- account health and removal

  /**
   * Health check (on demand, and after a StringSession is pasted): users.getUsers([self]) refreshes name,
   * @username and phone; a logged-out, revoked or deactivated session retires the account through the
   * Account Manager (the same path a worker takes).
   */
  async checkAccount(userId: number, accountId: number): Promise<{ ok: boolean; code: string | null; reason: string | null }> {
    const account = await this.accounts.getOwned(userId, accountId);
    if (account.platform_mode !== 'telegram') return { ok: true, code: null, reason: null };
    if (!account.session_encrypted) {
      const err = platformError('AUTH_KEY_UNREGISTERED');
      await this.manager.reportError(account.id, err);
      return { ok: false, code: err.code, reason: err.message };
    }
    try {
      const info = await this.askSelf(this.crypto.decrypt(account.session_encrypted), this.accounts.proxyOf(account));
      const twinOf = () =>
        this.db
          .selectFrom('accounts')
          .select(['id', 'user_id'])
          .where('platform_mode', '=', 'telegram')
          .where('tg_user_id', '=', info.tgUserId)
          .where('id', '<>', account.id)
          .executeTakeFirst();
      let twin = await twinOf();
      if (!twin) {
        try {
          await this.db
            .updateTable('accounts')
            .set({
              tg_user_id: info.tgUserId,
              tg_username: info.username,
              tg_name: info.name,
              checked_at: this.clock.now(),
              ...(info.phone ? { phone: info.phone } : {}),
            })
            .where('id', '=', account.id)
            .execute();
        } catch (err) {
          // Another row took this Telegram account since the look above (a connection racing the check).
          if (!isUniqueViolation(err, TG_USER_INDEX)) throw err;
          twin = await twinOf();
          // …and gone again before this look: the check starts over.
          if (!twin) return await this.checkAccount(userId, accountId);
        }
      }
      if (twin) return await this.retireTwin(account.id, twin.user_id === userId);
      // Telegram answered through the account's connection: a rest for not reaching it is over.
      await this.manager.reachable(account.id);
      return { ok: true, code: null, reason: null };
    } catch (err) {
      if (err instanceof AppError) throw err;
      const perr = mapGramJsError(err);
      if (perr.kind === 'ACCOUNT_DEAUTHORIZED' || perr.kind === 'ACCOUNT_BANNED') {
        await this.manager.reportError(account.id, perr);
        await this.db.updateTable('accounts').set({ checked_at: this.clock.now() }).where('id', '=', account.id).execute();
        await this.connections.drop(account.id);
        this.logger.info({ account_id: account.id, code: perr.code }, 'account health check: account retired');
        return { ok: false, code: perr.code, reason: perr.message };
      }
      if (perr.kind === 'FLOOD_WAIT') throw checkFloodWait(perr.seconds);
      this.logger.warn({ account_id: account.id, code: perr.code }, 'account health check failed');
      throw perr.kind === 'NETWORK' || perr.code === 'UNKNOWN'
        ? unreachable()
        : new AppError(502, 'TELEGRAM_ERROR', `Telegram answered the check with ${perr.code}.`, undefined, {
            key: 'TELEGRAM_ERROR.check',
            params: { code: perr.code },
          });
    }
  }

  /**
   * The health check found that this row's session is a Telegram account another row already holds: a row connected
   * before the service asked sessions who they were (migration 13 merged the rows it could tell apart). Two rows would
   * be two sets of limits for one account, so this one is retired, with the reason; the other stays.
   */
  private async retireTwin(accountId: number, sameOwner: boolean): Promise<{ ok: false; code: string; reason: string }> {
    const code = sameOwner ? 'ACCOUNT_CONNECTED_TWICE' : 'ACCOUNT_OWNED_ELSEWHERE';
    const reason = sameOwner ? ACCOUNT_TWIN_SENTENCES.connected_twice : ACCOUNT_TWIN_SENTENCES.owned_elsewhere;
    await this.db
      .updateTable('accounts')
      .set({ status: 'DEAUTHORIZED', status_reason: reason, rest_until: null, checked_at: this.clock.now(), updated_at: this.clock.now() })
      .where('id', '=', accountId)
      .execute();
    await this.connections.drop(accountId);
    this.logger.warn({ account_id: accountId, code }, 'account health check: the same Telegram account is another row; this one retired');
    return { ok: false, code, reason };
  }

  /**
   * Who a session is (users.getUsers self), asked on a client of its own that is let go afterwards, within one step's
   * time limit: the health check and a pasted session both ask this.
   */
  private async askSelf(session: string, proxy: AccountProxy | null): Promise<SelfInfo> {
    const client = this.factory(session, proxy);
    this.transient.add(client);
    try {
      return selfInfo(
        await withTimeout(
          (async () => {
            // connect() answers false, not an error, when nothing answers (a proxy that is down): said at once
            // rather than after the step's time limit.
            if ((await client.connect()) === false) throw unreachable();
            return (await client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] })))[0];
          })(),
          this.opts.stepTimeoutMs,
          unreachable,
        ),
      );
    } finally {
      this.transient.delete(client);
      await client.destroy().catch(() => undefined);
    }
  }

  /**
   * A new proxy for an account (null: none). With a proxy, Telegram is first asked who the session is through it, so
   * one that does not work is refused at its field and nothing changes. The account's open connection is dropped:
   * its next action connects the new way.
   */
  async setProxy(userId: number, accountId: number, typedProxy: AccountProxy | null): Promise<AccountRow> {
    this.requireTelegram();
    const account = await this.accounts.getOwned(userId, accountId);
    const proxy = await settled(typedProxy);
    if (proxy && account.session_encrypted) {
      try {
        await this.askSelf(this.crypto.decrypt(account.session_encrypted), proxy);
      } catch (err) {
        const perr = err instanceof AppError ? null : mapGramJsError(err);
        // Telegram answered about the account (it refused the session, or asked it to wait): the proxy itself works.
        if (!perr || !ACCOUNT_ERROR_KINDS.has(perr.kind)) {
          this.logger.warn(
            { account_id: accountId, detail: err instanceof Error ? err.message : String(err) },
            'account proxy refused: Telegram not reached through it',
          );
          throw proxyUnreachable();
        }
      }
    }
    const updated = await this.db
      .updateTable('accounts')
      .set({ proxy_encrypted: this.accounts.storedProxy(proxy), updated_at: this.clock.now() })
      .where('id', '=', account.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.connections.drop(account.id);
    // A proxy Telegram answered through, or none: an account resting because its old proxy was down tries at once.
    await this.manager.reachable(account.id);
    return updated.unreachable_count > 0 ? await this.accounts.getOwned(userId, accountId) : updated;
  }

  /** Before an account is deleted: auth.logOut its session (best effort, short time limit). Never throws. */
  async logOutAccount(account: AccountRow): Promise<boolean> {
    if (account.platform_mode !== 'telegram' || !account.session_encrypted || this.platformMode !== 'telegram') return false;
    await this.connections.drop(account.id).catch(() => undefined);
    return this.logOutSession(this.crypto.decrypt(account.session_encrypted), this.accounts.proxyOf(account));
  }

  /** Expired attempts lose their session and their client; old finished rows go. Runs every 30 s. */
  async sweep(): Promise<void> {
    const now = this.clock.now();
    const expired = await this.db
      .updateTable('telegram_login_attempts')
      .set({ state: 'expired', session_encrypted: null, updated_at: now })
      .where('state', 'in', [...OPEN_STATES])
      .where('expires_at', '<=', now)
      .returning('id')
      .execute();
    for (const { id } of expired) await this.dropLive(id);
    // Rows are kept a day: they are what the hourly code-request limits count.
    await this.db
      .deleteFrom('telegram_login_attempts')
      .where('created_at', '<', new Date(now.getTime() - 86_400_000))
      .execute();
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.transient].map((c) => c.destroy().catch(() => undefined)));
    await Promise.all([...this.live.keys()].map((id) => this.dropLive(id)));
  }

  // ---------------------------------------------------------------- internals

  private requireTelegram() {
    if (this.platformMode !== 'telegram') {
      throw new LoginError(
        409,
        'SANDBOX_MODE',
        'This server runs the sandbox platform: simulated accounts are added directly with "Add account"; connecting a real Telegram account needs PLATFORM_MODE=telegram.',
        null,
      );
    }
  }

  /** Attempts of one method since `since`, by one user or for one phone number: what the hourly limits count. */
  private async countSince(since: Date, method: 'phone' | 'qr', by: { userId: number } | { phone: string }): Promise<number> {
    let q = this.db
      .selectFrom('telegram_login_attempts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('method', '=', method)
      .where('created_at', '>', since);
    q = 'userId' in by ? q.where('user_id', '=', by.userId) : q.where('phone', '=', by.phone);
    const row = await q.executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  private async insertAttempt(
    userId: number,
    method: 'phone' | 'qr',
    state: OpenState,
    phone: string | null,
    proxy: AccountProxy | null,
  ): Promise<TelegramLoginAttemptRow> {
    const now = this.clock.now();
    return this.db
      .insertInto('telegram_login_attempts')
      .values({
        id: randomUUID(),
        user_id: userId,
        method,
        state,
        phone,
        phone_code_hash: null,
        code_type: null,
        password_hint: null,
        session_encrypted: null,
        proxy_encrypted: this.accounts.storedProxy(proxy),
        account_id: null,
        error_code: null,
        created_at: now,
        updated_at: now,
        expires_at: new Date(now.getTime() + this.opts.attemptTtlMs),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  private update(id: string, set: Partial<Omit<TelegramLoginAttemptRow, 'id'>>): Promise<TelegramLoginAttemptRow> {
    return this.db
      .updateTable('telegram_login_attempts')
      .set({ ...set, updated_at: this.clock.now() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** One person's attempt; anyone else's (or none) is 404. */
  private async owned(userId: number, id: string): Promise<TelegramLoginAttemptRow> {
    const row = /^[0-9a-f-]{36}$/i.test(id)
      ? await this.db.selectFrom('telegram_login_attempts').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()
      : undefined;
    if (!row) throw notFound('Login attempt');
    return row;
  }

  private async openAttempt(userId: number, id: string, field: LoginField): Promise<TelegramLoginAttemptRow> {
    const row = await this.owned(userId, id);
    if (this.isOpen(row) && row.expires_at <= this.clock.now()) await this.expire(row);
    else if (this.isOpen(row)) return row;
    const why =
      row.state === 'done'
        ? 'This account is already connected.'
        : row.state === 'cancelled'
          ? 'This login was cancelled; start again.'
          : 'This login has expired or ended; start again.';
    throw new LoginError(410, row.state === 'done' ? 'LOGIN_FINISHED' : 'LOGIN_EXPIRED', why, field);
  }

  private isOpen(row: TelegramLoginAttemptRow): boolean {
    return (OPEN_STATES as readonly string[]).includes(row.state);
  }

  private wrongStep(row: TelegramLoginAttemptRow) {
    return new LoginError(
      409,
      'WRONG_STEP',
      row.state === 'password_needed'
        ? 'This login now needs the two-step verification password.'
        : row.state === 'qr'
          ? 'This is a QR-code login; scan the code with the Telegram app.'
          : 'This login is waiting for the code Telegram sent.',
      null,
    );
  }

  private async expire(row: TelegramLoginAttemptRow) {
    const updated = await this.update(row.id, { state: 'expired', session_encrypted: null });
    await this.dropLive(row.id);
    return updated;
  }

  /** Users start one login at a time: a new one ends their earlier open attempts (and frees their clients). */
  private async cancelOpen(userId: number) {
    const rows = await this.db
      .updateTable('telegram_login_attempts')
      .set({ state: 'cancelled', session_encrypted: null, updated_at: this.clock.now() })
      .where('user_id', '=', userId)
      .where('state', 'in', [...OPEN_STATES])
      .returning('id')
      .execute();
    for (const { id } of rows) await this.dropLive(id);
  }

  /** Serialises the steps of one attempt (a double-clicked button, overlapping polls). */
  private async locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const run = prev.catch(() => undefined).then(fn);
    this.locks.set(id, run);
    try {
      return await run;
    } finally {
      if (this.locks.get(id) === run) this.locks.delete(id);
    }
  }

  private step<T>(p: Promise<T>): Promise<T> {
    return withTimeout(p, this.opts.stepTimeoutMs, unreachable);
  }

  private async open(row: TelegramLoginAttemptRow, session: string): Promise<Live> {
    const client = this.factory(session, this.accounts.proxyOf(row));
    const live: Live = { client, lastExportAt: 0, scanned: false };
    this.live.set(row.id, live);
    if (row.method === 'qr') {
      client.addEventHandler((update: unknown) => {
        if (update instanceof Api.UpdateLoginToken) live.scanned = true;
      });
    }
    if ((await this.step(client.connect())) === false) throw unreachable();
    return live;
  }

  /** The live client of this process, or the attempt resumed from its encrypted session (another process began it). */
  private async resume(row: TelegramLoginAttemptRow): Promise<Live> {
    const live = this.live.get(row.id);
    if (live) return live;
    if (!row.session_encrypted) throw new LoginError(410, 'LOGIN_EXPIRED', 'This login has expired or ended; start again.', null);
    return this.open(row, this.crypto.decrypt(row.session_encrypted));
  }

  private saveSession(live: Live): string {
    return this.crypto.encrypt(live.client.session.save() as unknown as string);
  }

  private async dropLive(id: string) {
    const live = this.live.get(id);
    this.live.delete(id);
    if (live) await live.client.destroy().catch(() => undefined);
  }

  private async toPassword(row: TelegramLoginAttemptRow, live: Live) {
    try {
      const srp = await this.step(live.client.invoke(new Api.account.GetPassword()));
      const updated = await this.update(row.id, { state: 'password_needed', password_hint: srp.hint ?? null, session_encrypted: this.saveSession(live) });
      this.logger.info({ attempt: row.id, user_id: row.user_id, method: row.method, state: 'password_needed' }, 'telegram login: 2FA password needed');
      return this.view(updated);
    } catch (err) {
      throw await this.fail(row, err, null);
    }
  }

  private async exportQr(row: TelegramLoginAttemptRow, live: Live) {
    live.scanned = false;
    live.lastExportAt = Date.now();
    const { client } = live;
    try {
      let res = await this.step(client.invoke(new Api.auth.ExportLoginToken({ apiId: this.telegram.apiId!, apiHash: this.telegram.apiHash!, exceptIds: [] })));
      if (res instanceof Api.auth.LoginTokenMigrateTo) {
        // The scanning account lives on another DC: move there and import the token (what GramJS's own QR login does).
        await this.step(client._switchDC(res.dcId));
        res = await this.step(client.invoke(new Api.auth.ImportLoginToken({ token: res.token })));
      }
      if (res instanceof Api.auth.LoginTokenSuccess) return await this.finish(row, live);
      if (res instanceof Api.auth.LoginToken) {
        const url = `tg://login?token=${Buffer.from(res.token).toString('base64url')}`;
        if (live.qr?.url !== url) {
          const svg = await QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
          live.qr = { url, svg: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`, expires: res.expires };
        }
        const updated = await this.update(row.id, { session_encrypted: this.saveSession(live) });
        return this.view(updated, live);
      }
      throw new AppError(502, 'TELEGRAM_ERROR', 'Telegram answered the QR login in an unexpected way.');
    } catch (err) {
      if (rpcCode(err) === 'SESSION_PASSWORD_NEEDED') return this.toPassword(row, live);
      throw err;
    }
  }

  /** Signed in: who is it, then a new account, a refreshed one, or a refusal (another person's account). */
  private async finish(row: TelegramLoginAttemptRow, live: Live) {
    const me = selfInfo((await this.step(live.client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }))))[0]);
    const session = live.client.session.save() as unknown as string;
    const { account, reconnected } = await this.keep(row.user_id, me, session, null, row.proxy_encrypted ?? null, async () => {
      // The new authorization is this login's own: it is logged out again, nothing is stored.
      await this.update(row.id, { state: 'failed', error_code: 'ACCOUNT_OWNED_ELSEWHERE', session_encrypted: null });
      await this.logOutClient(live.client);
      await this.dropLive(row.id);
    });
    await this.update(row.id, { state: 'done', account_id: account.id, session_encrypted: null, phone_code_hash: null });
    await this.dropLive(row.id);
    this.logger.info({ attempt: row.id, user_id: row.user_id, method: row.method, account_id: account.id, reconnected }, 'telegram login: account connected');
    return { attempt_id: row.id, method: row.method, state: 'done' as const, reconnected, account: await this.accounts.toJson(account) };
  }

  /**
   * A pasted GramJS StringSession: asked who it is first (users.getUsers self), then kept as a finished login is. One
   * Telegram account is one row, so one set of limits: pasted twice, or pasted after connecting it by code, it used to
   * become a second account with its own 30 invites a day. A session Telegram no longer accepts, or that cannot be
   * checked because Telegram is unreachable, is not stored (the person tries again); another user's account is refused
   * and the session is left alone (it may be the one that user's account runs on).
   */
  async addBySession(userId: number, input: { label: string; session: string; phone?: string | null; proxy?: AccountProxy | null }) {
    this.requireTelegram();
    const session = input.session.trim();
    assertSessionFormat(session);
    const typedPhone = accountPhone(input.phone);
    const proxy = await settled(input.proxy ?? null);
    let me: SelfInfo;
    try {
      me = await this.askSelf(session, proxy);
    } catch (err) {
      if (err instanceof AppError) throw err;
      const perr = mapGramJsError(err);
      if (perr.kind === 'ACCOUNT_DEAUTHORIZED' || perr.kind === 'ACCOUNT_BANNED')
        throw new AppError(400, 'SESSION_REVOKED', `Telegram does not accept this session (${perr.code}): it was logged out, revoked or the account is gone.`, [
          { field: 'session_string', message: localised('SESSION_REVOKED') },
        ]);
      if (perr.kind === 'FLOOD_WAIT') throw checkFloodWait(perr.seconds);
      throw unreachable();
    }
    const phone = me.phone ?? typedPhone;
    const kept = await this.keep(userId, { ...me, phone }, session, input.label, this.accounts.storedProxy(proxy), async () => undefined);
    this.logger.info({ user_id: userId, method: 'session', account_id: kept.account.id, reconnected: kept.reconnected }, 'telegram login: account connected');
    return kept;
  }

  /**
   * A signed-in session of `me`: a new account, the same marketer's account with its session replaced (a retired one
   * comes back), or, when another user of this service owns that Telegram account, `refused()` and a 409.
   */
  private async keep(
    userId: number,
    me: SelfInfo,
    session: string,
    label: string | null,
    /** The proxy the session was made through (encrypted), which the account then keeps; null: none. */
    proxyEncrypted: string | null,
    refused: () => Promise<void>,
    raced = false,
  ): Promise<{ account: AccountRow; reconnected: boolean }> {
    const now = this.clock.now();
    const same = await this.db.selectFrom('accounts').selectAll().where('platform_mode', '=', 'telegram').where('tg_user_id', '=', me.tgUserId).execute();
    if (same.some((a) => a.user_id !== userId)) {
      await refused();
      throw new LoginError(
        409,
        'ACCOUNT_OWNED_ELSEWHERE',
        'This Telegram account is already connected by another user of this service; each Telegram account can belong to one user only. It was not connected.',
        null,
      );
    }
    const identity = { tg_user_id: me.tgUserId, tg_username: me.username, tg_name: me.name, checked_at: now };
    const mine = same[0];
    if (mine) {
      // The same marketer connects the same account again: its session is replaced, a retired account comes back.
      const old = mine.session_encrypted ? this.crypto.decrypt(mine.session_encrypted) : null;
      const oldProxy = this.accounts.proxyOf(mine);
      const retired = mine.status === 'BANNED' || mine.status === 'DEAUTHORIZED';
      await this.connections.drop(mine.id);
      const account = await this.db
        .updateTable('accounts')
        .set({
          ...identity,
          session_encrypted: this.crypto.encrypt(session),
          proxy_encrypted: proxyEncrypted,
          updated_at: now,
          ...(me.phone ? { phone: me.phone } : {}),
          ...(retired ? { status: 'ACTIVE', status_reason: null, rest_until: null } : {}),
        })
        .where('id', '=', mine.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (old && old !== session) await this.logOutSession(old, oldProxy);
      return { account, reconnected: true };
    }
    const name = label ?? (me.name ?? (me.username ? `@${me.username}` : null) ?? maskPhone(me.phone) ?? 'Telegram').slice(0, 100);
    try {
      return {
        account: await this.accounts.create(
          userId,
          { label: name, phone: me.phone, session_string: session },
          { ...identity, proxy_encrypted: proxyEncrypted },
        ),
        reconnected: false,
      };
    } catch (err) {
      // Two connections of the same Telegram account at once (a double click, two tabs): the unique index let one row
      // in, and this one becomes a reconnection of it — or a refusal, when it was another user's.
      if (!raced && isUniqueViolation(err, TG_USER_INDEX)) return this.keep(userId, me, session, label, proxyEncrypted, refused, true);
      throw err;
    }
  }

  /**
   * Turns a failure into the person's error. Fatal ones (an expired code, a refused number) end the attempt;
   * a wrong code or password leaves it usable.
   */
  private async fail(row: TelegramLoginAttemptRow, err: unknown, field: LoginField | null, startStep = false): Promise<AppError> {
    const reached = toLoginError(err, field);
    // Through a proxy, "unreachable" is most likely the proxy's doing: said at its field.
    const e = row.proxy_encrypted && reached.code === 'TELEGRAM_UNREACHABLE' ? proxyUnreachable() : reached;
    const fatal = startStep || FATAL_CODES.has(e.code) || e.code === 'ACCOUNT_OWNED_ELSEWHERE';
    if (e.code === 'TELEGRAM_UNREACHABLE' || !(e instanceof LoginError) || e.statusCode >= 500) {
      this.logger.warn(
        { attempt: row.id, user_id: row.user_id, code: e.code, detail: err instanceof Error ? err.message : String(err) },
        'telegram login step failed',
      );
    }
    if (fatal) {
      const current = await this.db.selectFrom('telegram_login_attempts').select('state').where('id', '=', row.id).executeTakeFirst();
      if (current && this.isOpen(current as TelegramLoginAttemptRow)) {
        await this.update(row.id, { state: 'failed', error_code: e.code, session_encrypted: null });
      }
      await this.dropLive(row.id);
    }
    return e;
  }

  private async logOutClient(client: TelegramClient): Promise<boolean> {
    try {
      await withTimeout(client.invoke(new Api.auth.LogOut()), this.opts.logoutTimeoutMs, unreachable);
      return true;
    } catch {
      return false;
    }
  }

  private async logOutSession(session: string, proxy: AccountProxy | null): Promise<boolean> {
    let client: TelegramClient | undefined;
    try {
      client = this.factory(session, proxy);
      this.transient.add(client);
      const c = client;
      await withTimeout(
        (async () => {
          await c.connect();
          await c.invoke(new Api.auth.LogOut());
        })(),
        this.opts.logoutTimeoutMs,
        unreachable,
      );
      return true;
    } catch (err) {
      this.logger.info({ code: mapGramJsError(err).code }, 'auth.logOut of a removed session did not complete (best effort)');
      return false;
    } finally {
      if (client) this.transient.delete(client);
      await client?.destroy().catch(() => undefined);
    }
  }

  private view(row: TelegramLoginAttemptRow, live?: Live) {
    const qr = row.state === 'qr' ? (live?.qr ?? this.live.get(row.id)?.qr) : undefined;
    return {
      attempt_id: row.id,
      method: row.method,
      state: row.state,
      expires_at: row.expires_at.toISOString(),
      phone_masked: maskPhone(row.phone),
      ...(row.state === 'code_sent' ? { code_type: row.code_type } : {}),
      ...(row.state === 'password_needed' ? { hint: row.password_hint } : {}),
      ...(qr
        ? {
            qr_url: qr.url,
            qr_svg: qr.svg,
            qr_expires_at: new Date(qr.expires * 1000).toISOString(),
            qr_expires_in: Math.max(0, Math.round(qr.expires - Date.now() / 1000)),
          }
        : {}),
      ...(row.error_code ? { error: row.error_code } : {}),
      ...(row.account_id ? { account_id: row.account_id } : {}),
    };
  }
}

function rpcCode(err: unknown): string | null {
  const m = (err as { errorMessage?: unknown })?.errorMessage;
  return typeof m === 'string' ? m : null;
}

export function toLoginError(err: unknown, field: LoginField | null): AppError {
  if (err instanceof AppError) return err;
  const perr = mapGramJsError(err);
  if (perr.kind === 'FLOOD_WAIT') {
    const s = perr.seconds ?? 0;
    const [n, en, ru] = s >= 3600 ? [Math.ceil(s / 3600), 'h', 'ч'] : s >= 60 ? [Math.ceil(s / 60), 'min', 'мин'] : [s, 's', 'с'];
    return new LoginError(429, 'FLOOD_WAIT', `Telegram asks to wait ${n} ${en} before trying again.`, field, s, {
      key: 'FLOOD_WAIT.login',
      params: { wait: { ru: `${n} ${ru}`, en: `${n} ${en}` } },
    });
  }
  if (perr.code === 'NOT_CONFIGURED')
    return new LoginError(503, 'NOT_CONFIGURED', 'This server has no TELEGRAM_API_ID / TELEGRAM_API_HASH; the administrator must set them.', null);
  const known = LOGIN_REFUSALS[perr.code];
  if (known) return new LoginError(known.status, perr.code, known.message, known.field);
  if (perr.kind === 'NETWORK' || perr.code === 'UNKNOWN') return unreachable();
  return new LoginError(502, 'TELEGRAM_ERROR', `Telegram refused the login (${perr.code}).`, field, undefined, {
    key: 'TELEGRAM_ERROR.refused',
    params: { code: perr.code },
  });
}
