import type { AccountRow } from '../db/schema.js';
import type { PlatformMode } from '../shared/enums.js';
import type { SessionCrypto } from '../accounts/session-crypto.js';
import type { PlatformAdapter, PlatformClient } from './platform.js';

/**
 * Keeps one open client per sender account inside this process (an MTProto connection is costly
 * to set up) and hands the right adapter to each account by its mode.
 */
export class PlatformConnections {
  private clients = new Map<number, Promise<PlatformClient>>();
  /** What each open client was made from (its session and proxy as stored): another process may have changed them. */
  private madeFrom = new Map<number, string>();
  constructor(
    private readonly adapters: Partial<Record<PlatformMode, PlatformAdapter>>,
    private readonly crypto: SessionCrypto,
  ) {}

  adapterFor(mode: PlatformMode): PlatformAdapter {
    const adapter = this.adapters[mode];
    if (!adapter) throw new Error(`No platform adapter configured for mode "${mode}"`);
    return adapter;
  }

  async get(account: AccountRow): Promise<PlatformClient> {
    // A new session (the account connected again) or a new proxy, written by any process (an API process, while this
    // is a worker): the open client is let go and the next one made from the row as it is now.
    const from = `${account.session_encrypted ?? ''}|${account.proxy_encrypted ?? ''}`;
    if (this.clients.has(account.id) && this.madeFrom.get(account.id) !== from) await this.drop(account.id);
    this.madeFrom.set(account.id, from);
    let client = this.clients.get(account.id);
    if (!client) {
      client = this.adapterFor(account.platform_mode).connect(account, (enc) => this.crypto.decrypt(enc));
      this.clients.set(account.id, client);
      client.catch(() => this.clients.delete(account.id));
    }
    return client;
  }

  async drop(accountId: number): Promise<void> {
    const client = this.clients.get(accountId);
    this.clients.delete(accountId);
    if (client) await (await client.catch(() => null))?.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.clients.keys()].map((id) => this.drop(id)));
  }
}
