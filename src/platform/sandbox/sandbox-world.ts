import { createHash } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import type { TargetIdentity } from '../../targets/identity.js';
import { platformError, PlatformError, refusedBeforeAction } from '../platform-error.js';

/**
 * SANDBOX: an in-process stand-in for Telegram, used by tests and the default demo.
 * It is deterministic for a given seed and behaves like the real platform where it matters:
 * people with privacy settings, unknown usernames, already-members, and FloodWait / PeerFlood
 * when an account is pushed faster than Telegram would tolerate. Nothing here ever reaches Telegram.
 */
export interface SandboxGroup {
  key: string;
  username?: string;
  title: string;
  kind: 'channel' | 'megagroup' | 'basic';
  /** True for the group no sandbox account administers, to demonstrate the admin check. */
  noAdmins?: boolean;
}

export const SANDBOX_GROUPS: SandboxGroup[] = [
  { key: '-1001000000001', username: 'sandbox_marketing', title: 'Sandbox Marketing Chat', kind: 'megagroup' },
  { key: '-1001000000002', username: 'sandbox_news', title: 'Sandbox News Channel', kind: 'channel' },
  { key: '-4000000003', title: 'Sandbox Basic Group', kind: 'basic' },
  { key: '-1001000000004', username: 'sandbox_no_admin', title: 'Sandbox Group Without Your Admins', kind: 'megagroup', noAdmins: true },
];

export interface SandboxOptions {
  seed: number;
  /** Share of people (by stable hash) whose privacy settings refuse invites. */
  privacyRate: number;
  /** Chance that any single action hits a random FloodWait (benchmarks inject load with this). */
  floodWaitRate: number;
  floodWaitSeconds: [number, number];
  /** Actions per account per rolling hour / day beyond which the sandbox answers like Telegram does. */
  floodWaitAfterPerHour: number;
  peerFloodAfterPerDay: number;
  networkErrorRate: number;
  /** Extra generated megagroups @sandbox_group_1 … (benchmarks need many groups). */
  extraGroups: number;
  /** Simulated round-trip time of each action, in real milliseconds (0 = instant). */
  actionDelayMs: number;
}

export const DEFAULT_SANDBOX_OPTIONS: SandboxOptions = {
  seed: 42,
  privacyRate: 0.02,
  floodWaitRate: 0,
  floodWaitSeconds: [60, 600],
  floodWaitAfterPerHour: 20,
  peerFloodAfterPerDay: 80,
  networkErrorRate: 0,
  extraGroups: 0,
  actionDelayMs: 0,
};

export interface SandboxEvent {
  accountId: number;
  action: 'invite' | 'message';
  groupKey?: string;
  person: string;
  text?: string;
  at: Date;
}

export class SandboxWorld {
  readonly options: SandboxOptions;
  readonly events: SandboxEvent[] = [];
  private members = new Map<string, Set<string>>();
  private recent = new Map<number, number[]>();
  private injected = new Map<number, PlatformError[]>();
  private retired = new Map<number, string>();
  private rngState: number;
  readonly groups: SandboxGroup[];

  constructor(
    private readonly clock: Clock,
    options: Partial<SandboxOptions> = {},
  ) {
    this.options = { ...DEFAULT_SANDBOX_OPTIONS, ...options };
    this.rngState = this.options.seed >>> 0 || 1;
    this.groups = [
      ...SANDBOX_GROUPS,
      ...Array.from(
        { length: this.options.extraGroups },
        (_, i): SandboxGroup => ({
          key: `-10020000${String(i + 1).padStart(5, '0')}`,
          username: `sandbox_group_${i + 1}`,
          title: `Sandbox Group ${i + 1}`,
          kind: 'megagroup',
        }),
      ),
    ];
  }

  /** Queue an error for the account's next action (tests and demos). */
  injectError(accountId: number, code: string, seconds?: number): void {
    const list = this.injected.get(accountId) ?? [];
    list.push(platformError(code, seconds));
    this.injected.set(accountId, list);
  }

  /** Queue an arbitrary platform error (e.g. a network failure) for the account's next action. */
  injectPlatformError(accountId: number, err: PlatformError): void {
    const list = this.injected.get(accountId) ?? [];
    list.push(err);
    this.injected.set(accountId, list);
  }

  /** Simulate Telegram banning or logging out an account: every later call fails with `code`. */
  retireAccount(accountId: number, code: 'USER_DEACTIVATED_BAN' | 'AUTH_KEY_UNREGISTERED'): void {
    this.retired.set(accountId, code);
  }

  findGroup(reference: string): SandboxGroup | undefined {
    const ref = reference
      .trim()
      .replace(/^(https?:\/\/)?(t\.me|telegram\.me)\//i, '')
      .replace(/^@/, '');
    return this.groups.find((g) => g.key === ref || (g.username && g.username.toLowerCase() === ref.toLowerCase()));
  }

  /** Checks that apply to every call an account makes. */
  gate(accountId: number): void {
    const retired = this.retired.get(accountId);
    if (retired) throw platformError(retired);
    const queue = this.injected.get(accountId);
    if (queue?.length) throw queue.shift()!;
  }

  /** Resolves a person to a stable key, or throws the error Telegram would. */
  resolvePerson(t: TargetIdentity): string {
    if (t.username) {
      const u = t.username.toLowerCase();
      if (/ghost|missing|deleted/.test(u)) throw platformError('USERNAME_NOT_OCCUPIED');
      return `u:${u}`;
    }
    // A bare id works only if the session has met the user (has its access hash): most it has not.
    if (t.user_id_platform) {
      if (this.hash(`seen:${t.user_id_platform}`) < 0.5) throw platformError('PEER_ID_INVALID');
      return `id:${t.user_id_platform}`;
    }
    if (t.phone) {
      if (t.phone.endsWith('0')) throw platformError('PHONE_NOT_FOUND');
      return `p:${t.phone}`;
    }
    throw platformError('USER_ID_INVALID');
  }

  /** Performs the side effects of one action after all checks; throws what Telegram would. */
  act(accountId: number, action: 'invite' | 'message', target: TargetIdentity, groupKey?: string, text?: string): void {
    this.gate(accountId);
    const person = this.resolvePerson(target);
    // As the GramJS adapter decides before sending (PlatformError.beforeAction): a bot (Telegram's bot usernames end in
    // "bot"), or someone already in the group.
    if (/^u:.*bot$/.test(person)) throw refusedBeforeAction('USER_IS_BOT');
    if (action === 'invite' && this.members.get(groupKey!)?.has(person)) throw refusedBeforeAction('USER_ALREADY_PARTICIPANT');
    const now = this.clock.now().getTime();
    const history = (this.recent.get(accountId) ?? []).filter((t) => now - t < 86_400_000);
    this.recent.set(accountId, history);
    const lastHour = history.filter((t) => now - t < 3_600_000).length;
    if (history.length >= this.options.peerFloodAfterPerDay) throw platformError('PEER_FLOOD');
    if (lastHour >= this.options.floodWaitAfterPerHour) throw platformError('FLOOD_WAIT', this.randomSeconds());
    if (this.options.floodWaitRate > 0 && this.random() < this.options.floodWaitRate) {
      throw platformError('FLOOD_WAIT', this.randomSeconds());
    }
    if (this.options.networkErrorRate > 0 && this.random() < this.options.networkErrorRate) {
      throw new PlatformError('NETWORK', 'NETWORK_TIMEOUT', 'the connection to Telegram timed out');
    }
    history.push(now);
    const name = person.slice(person.indexOf(':') + 1);
    if (action === 'invite') {
      const set = this.members.get(groupKey!) ?? new Set<string>();
      this.members.set(groupKey!, set);
      if (/private/.test(name) || this.hash(`privacy:${person}`) < this.options.privacyRate) throw platformError('USER_PRIVACY_RESTRICTED');
      if (/mutual/.test(name)) throw platformError('USER_NOT_MUTUAL_CONTACT');
      if (/toomany/.test(name)) throw platformError('USER_CHANNELS_TOO_MUCH');
      if (/kicked/.test(name)) throw platformError('USER_KICKED');
      set.add(person);
    } else if (/private|blocked/.test(name)) {
      throw platformError(/blocked/.test(name) ? 'USER_IS_BLOCKED' : 'USER_PRIVACY_RESTRICTED');
    }
    this.events.push({ accountId, action, groupKey, person, text, at: new Date(now) });
  }

  /** Stable pseudo-random number in [0,1) for a key, so a person's privacy setting never changes. */
  private hash(key: string): number {
    const h = createHash('sha256').update(`${this.options.seed}:${key}`).digest();
    return h.readUInt32BE(0) / 0x1_0000_0000;
  }

  private random(): number {
    // xorshift32: a seeded, repeatable stream for injected faults.
    let x = this.rngState;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.rngState = x;
    return x / 0x1_0000_0000;
  }

  private randomSeconds(): number {
    const [lo, hi] = this.options.floodWaitSeconds;
    return Math.round(lo + this.random() * (hi - lo));
  }
}
