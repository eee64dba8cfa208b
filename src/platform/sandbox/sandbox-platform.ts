import type { AccountRow } from '../../db/schema.js';
import type { PlatformAdapter, PlatformClient, ResolvedGroup } from '../platform.js';
import { platformError } from '../platform-error.js';
import type { SandboxWorld } from './sandbox-world.js';

/** Connects sandbox accounts to the simulated world. Labelled "sandbox" wherever results are shown. */
export class SandboxPlatform implements PlatformAdapter {
  readonly mode = 'sandbox' as const;
  constructor(readonly world: SandboxWorld) {}

  async connect(account: AccountRow): Promise<PlatformClient> {
    const world = this.world;
    const adminOf = new Set(account.sandbox_profile?.adminOf ?? []);
    const latency = () => (world.options.actionDelayMs > 0 ? new Promise((r) => setTimeout(r, world.options.actionDelayMs)) : Promise.resolve());
    return {
      async resolveGroup(reference) {
        world.gate(account.id);
        const g = world.findGroup(reference);
        if (!g) throw platformError('CHANNEL_INVALID');
        return { key: g.key, title: g.title, kind: g.kind, peer: { sandboxKey: g.key } };
      },
      async getInviteRights(group: ResolvedGroup) {
        const g = world.findGroup(group.key);
        const isAdmin = !!g && !g.noAdmins && (adminOf.has('*') || adminOf.has(g.key));
        return isAdmin ? { role: 'admin', canInvite: true } : { role: 'member', canInvite: false };
      },
      async inviteToGroup(group, target) {
        await latency();
        const g = world.findGroup(group.key);
        if (!g || g.noAdmins || !(adminOf.has('*') || adminOf.has(g.key))) throw platformError('CHAT_ADMIN_REQUIRED');
        world.act(account.id, 'invite', target, g.key);
      },
      async sendMessage(target, text) {
        await latency();
        world.act(account.id, 'message', target, undefined, text);
      },
      async close() {},
    };
  }
}
