import type { AccountRow } from '../db/schema.js';
import type { TargetIdentity } from '../targets/identity.js';
import type { PlatformMode } from '../shared/enums.js';

export interface ResolvedGroup {
  /** Canonical id used for per-group limits, identical whichever account resolved it (e.g. -1001234567890). */
  key: string;
  title: string;
  kind: 'channel' | 'megagroup' | 'basic';
  /** Adapter-specific data needed to act on the group later (ids, access hash). */
  peer: Record<string, unknown>;
}

export interface InviteRights {
  role: 'creator' | 'admin' | 'member' | 'none';
  canInvite: boolean;
}

/** One connected sender account. Every method throws PlatformError on failure. */
export interface PlatformClient {
  resolveGroup(reference: string): Promise<ResolvedGroup>;
  getInviteRights(group: ResolvedGroup): Promise<InviteRights>;
  inviteToGroup(group: ResolvedGroup, target: TargetIdentity): Promise<void>;
  sendMessage(target: TargetIdentity, text: string): Promise<void>;
  close(): Promise<void>;
}

export interface PlatformAdapter {
  readonly mode: PlatformMode;
  connect(account: AccountRow, decryptSession: (enc: string) => string): Promise<PlatformClient>;
}

/** Message templates live in src/shared/message-template.ts; re-exported for the worker and the adapters. */
export { renderTemplate } from '../shared/message-template.js';
