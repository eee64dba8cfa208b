import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import { RETIRED_ACCOUNT_STATUSES, type PlatformMode } from '../shared/enums.js';
import { ACCOUNT_ERROR_KINDS, PlatformError } from '../platform/platform-error.js';
import type { ResolvedGroup } from '../platform/platform.js';
import type { PlatformConnections } from '../platform/connections.js';
import type { AccountManager } from './account-manager.js';
import { mapLimit } from '../shared/map-limit.js';
import { withTimeout } from '../shared/with-timeout.js';
import { hasMessage, localised, type LocalisedText } from '../shared/messages.js';
import { joinTexts, limitText } from './limit-reasons.js';
import { GROUP_CHECK_SENTENCES, PROBE_FAILED_PREFIX } from './account-reasons.js';

/** Accounts probed on the platform at once during an admin check. */
const PROBE_CONCURRENCY = 5;
/**
 * How long one account's probe may take. The create form asks as the group is typed, and an account whose proxy has
 * just died keeps an open client that waits for its connection up to the platform's call limit (a minute): the form
 * would wait with it. Past this the account is said unavailable ("Telegram did not answer in time").
 */
export const PROBE_TIMEOUT_MS = 15_000;

export interface ReadyAccount {
  account_id: number;
  label: string;
  role: string;
  remaining_today: number;
  next_action_at: string | null;
}
export interface UnavailableAccount {
  account_id: number;
  label: string;
  reason: string;
  /** The reason in both languages: the API answers the reader's (src/accounts/account-routes.ts). */
  reason_text: LocalisedText;
  /** When it could invite here again; null if never without the owner's action. */
  available_at: string | null;
  /** Admin with the invite right (it may just be resting): it stays eligible for the task. */
  is_admin: boolean;
}
export interface GroupCheckResult {
  platform_mode: string;
  group: { key: string; title: string; kind: string } | null;
  ready: ReadyAccount[];
  unavailable: UnavailableAccount[];
  /** Why the group could not be resolved by any account, if so. */
  error: string | null;
  /** The error in both languages. */
  error_text: LocalisedText | null;
  resolved: ResolvedGroup | null;
  peers: Record<number, ResolvedGroup>;
  /**
   * How many more invites into this group the user's admin accounts may ever make (each has its lifetime allowance
   * per group, attempts counted; resting ones count, they come back): more people than this can never all be invited.
   */
  lifetime_left: number;
  /** No account reached Telegram (each probe failed to connect or timed out): nothing is known of the group. */
  unreached: boolean;
}

/**
 * The admin check: resolve the group with each of the user's accounts and keep only those that are
 * admins with the invite right (the creator counts). Used before start and by the create form.
 */
export class GroupCheckService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly accounts: AccountManager,
    private readonly connections: PlatformConnections,
    private readonly probeTimeoutMs = PROBE_TIMEOUT_MS,
  ) {}

  /**
   * The group a link names (its key and title) as the user's accounts resolve it, or null when none can now. Learnt
   * when an invite task is created or its group changes, so that audience hygiene knows the group from the first
   * import (people already invited into it come in skipped) instead of only from the start, whose check sets it again.
   */
  async identify(userId: number, reference: string, mode: PlatformMode): Promise<{ key: string; title: string } | null> {
    const group = (await this.check(userId, reference, mode).catch(() => null))?.group;
    return group ? { key: group.key, title: group.title } : null;
  }

  async check(userId: number, reference: string, mode: PlatformMode): Promise<GroupCheckResult> {
    const rows = await this.db.selectFrom('accounts').selectAll().where('user_id', '=', userId).where('platform_mode', '=', mode).orderBy('id').execute();
    const result: GroupCheckResult = {
      platform_mode: mode,
      group: null,
      ready: [],
      unavailable: [],
      error: null,
      error_text: null,
      resolved: null,
      peers: {},
      lifetime_left: 0,
      unreached: false,
    };
    const now = this.clock.now();
    const errors: string[] = [];
    const errorTexts = new Map<string, LocalisedText>();
    const codes = new Set<string>();
    // Whether some account's probe was answered about the group (a refusal), not only failed to reach Telegram.
    let answered = false;
    // Ask the platform with every usable account at once (a few at a time): with real accounts each
    // probe is two network round trips, and the create form runs this as the group is typed.
    const probes = await mapLimit(rows, PROBE_CONCURRENCY, async (account) => {
      const status = account.status;
      if (RETIRED_ACCOUNT_STATUSES.includes(status) || status === 'DISABLED') return null;
      try {
        return await withTimeout(
          (async () => {
            const client = await this.connections.get(account);
            const group = await client.resolveGroup(reference);
            return { ok: true as const, group, rights: await client.getInviteRights(group) };
          })(),
          this.probeTimeoutMs,
          () => new PlatformError('NETWORK', 'TIMEOUT', `no answer from Telegram within ${this.probeTimeoutMs / 1000} s`),
        );
      } catch (err) {
        const error = err instanceof PlatformError ? err : new PlatformError('UNKNOWN', 'UNKNOWN', (err as Error).message);
        // A connection that failed or hung is let go: the next probe, or the worker, connects afresh.
        if (error.kind === 'NETWORK' || error.kind === 'UNKNOWN') await this.connections.drop(account.id);
        return { ok: false as const, error };
      }
    });
    for (const [i, account] of rows.entries()) {
      const entry = { account_id: account.id, label: account.label };
      const probe = probes[i]!;
      if (probe === null) {
        const verdict = this.accounts.checkStatus(account, now);
        result.unavailable.push({
          ...entry,
          reason: verdict.reason!,
          reason_text: limitText(verdict, this.accounts.limits),
          available_at: null,
          is_admin: false,
        });
        continue;
      }
      if (!probe.ok) {
        const e = probe.error;
        if (ACCOUNT_ERROR_KINDS.has(e.kind)) await this.accounts.reportError(account.id, e, account.session_encrypted);
        errors.push(e.message);
        codes.add(e.code);
        if (e.kind !== 'NETWORK' && e.kind !== 'UNKNOWN') answered = true;
        const why = hasMessage(`REASON.${e.code}`) ? localised(`REASON.${e.code}`) : { ru: e.message, en: e.message };
        errorTexts.set(e.message, why);
        result.unavailable.push({
          ...entry,
          reason: `${PROBE_FAILED_PREFIX}${e.message}`,
          reason_text: localised('GROUP_CHECK.probe_failed', { why }),
          available_at: null,
          is_admin: false,
        });
        continue;
      }
      const { group, rights } = probe;
      result.resolved ??= group;
      result.group ??= { key: group.key, title: group.title, kind: group.kind };
      result.peers[account.id] = group;
      if (!rights.canInvite) {
        const kind = rights.role === 'admin' ? 'admin_no_invite' : 'not_admin';
        result.unavailable.push({
          ...entry,
          reason: GROUP_CHECK_SENTENCES[kind],
          reason_text: localised(`GROUP_CHECK.${kind}`),
          available_at: null,
          is_admin: false,
        });
        continue;
      }
      const statusVerdict = this.accounts.checkStatus(account, now);
      const usage = await this.accounts.usage(account.id);
      const quota = this.accounts.checkQuota(usage, 'invite', group.key);
      const verdict = statusVerdict.allowed ? quota : statusVerdict;
      result.lifetime_left += this.accounts.groupLifetimeLeft(usage.lifetimeByGroup[group.key] ?? 0);
      if (!verdict.allowed) {
        const available_at = verdict.wait_seconds === null ? null : new Date(now.getTime() + verdict.wait_seconds * 1000).toISOString();
        result.unavailable.push({ ...entry, reason: verdict.reason!, reason_text: limitText(verdict, this.accounts.limits), available_at, is_admin: true });
        continue;
      }
      result.ready.push({
        ...entry,
        role: rights.role,
        remaining_today: this.accounts.remainingToday(usage, [group.key], false),
        next_action_at: account.next_action_at && account.next_action_at > now ? account.next_action_at.toISOString() : null,
      });
    }
    if (!result.group) {
      result.unreached = codes.size > 0 && !answered;
      result.error =
        rows.length === 0
          ? `You have no ${mode} accounts yet: add a sender account first.`
          : `The group could not be found: ${[...new Set(errors)].join('; ') || 'unknown reason'}`;
      result.error_text =
        rows.length === 0
          ? localised('GROUP_CHECK.no_accounts', { mode })
          : // «Группа не найдена: группа не существует» said one thing twice: a plain "not found" says it once, with what to check.
            [...codes].every((c) => c === 'CHANNEL_INVALID') && codes.size
            ? localised('WHY.group_not_found')
            : // No account reached Telegram: nothing is known of the group, and "not found" would send the person to the link.
              result.unreached
              ? localised('GROUP_CHECK.unreachable', { why: joinTexts([...errorTexts.values()]) })
              : localised('GROUP_CHECK.not_found', { why: errorTexts.size ? joinTexts([...errorTexts.values()]) : localised('GROUP_CHECK.unknown') });
    }
    return result;
  }
}
