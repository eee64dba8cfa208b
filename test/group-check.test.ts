import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSandboxAccount, createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';
import { SandboxWorld } from '../src/platform/sandbox/sandbox-world.js';
import { SandboxPlatform } from '../src/platform/sandbox/sandbox-platform.js';
import { ManualClock } from '../src/shared/clock.js';
import type { PlatformAdapter } from '../src/platform/platform.js';

/**
 * The admin check asks the platform once per account. With real accounts each probe is network round trips,
 * so probes run a few at a time; the answer keeps the accounts' order and judges each one as before.
 */
describe('admin check with many accounts', () => {
  let t: TestApp;
  let inFlight = 0;
  let maxInFlight = 0;
  let probes = 0;
  /** Accounts whose probe never answers (a client left open when its proxy died), and how often each was connected. */
  const hanging = new Set<number>();
  const connects = new Map<number, number>();
  beforeAll(async () => {
    const sandbox = new SandboxPlatform(new SandboxWorld(new ManualClock(), { seed: 3 }));
    // The sandbox with a slow resolveGroup that records how many probes overlap.
    const slow: PlatformAdapter = {
      mode: 'sandbox',
      async connect(account) {
        connects.set(account.id, (connects.get(account.id) ?? 0) + 1);
        const client = await sandbox.connect(account);
        return {
          ...client,
          async resolveGroup(reference) {
            if (hanging.has(account.id)) return new Promise(() => undefined);
            probes++;
            maxInFlight = Math.max(maxInFlight, ++inFlight);
            try {
              await new Promise((r) => setTimeout(r, 30));
              return await client.resolveGroup(reference);
            } finally {
              inFlight--;
            }
          },
        };
      },
    };
    t = await makeTestApp({}, { adapters: { sandbox: slow }, groupProbeTimeoutMs: 300 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('probes accounts a few at a time and answers in account order', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(await addSandboxAccount(t, 1, `Admin ${i}`, i === 4 ? [] : undefined));
    await t.api({ method: 'PATCH', url: `/api/v1/invite/accounts/${ids[7]}`, payload: { enabled: false } });
    const res = await t.api({ method: 'GET', url: '/api/v1/invite/groups/check?link=@sandbox_marketing' });
    expect(res.statusCode).toBe(200);
    expect(probes).toBe(11); // the disabled account is not asked
    expect(maxInFlight).toBe(5);
    expect(res.json.group.title).toBe('Sandbox Marketing Chat');
    expect(res.json.ready.map((r: { account_id: number }) => r.account_id)).toEqual(ids.filter((_, i) => i !== 4 && i !== 7));
    expect(res.json.unavailable.map((u: { account_id: number; reason: string }) => [u.account_id, u.reason])).toEqual([
      [ids[4], 'not an admin of this group'],
      [ids[7], expect.stringMatching(/disabled/i)],
    ]);
  });

  it('a new account is checked once per group of the running tasks, not once per task', async () => {
    const user = 2;
    await addSandboxAccount(t, user, 'First admin');
    const started: number[] = [];
    for (const group of ['@sandbox_marketing', '@sandbox_marketing', '@sandbox_marketing', '@sandbox_news']) {
      const task = await createInviteTask(t, [`@person_${started.length}`], { target_group: group }, user);
      expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/start`, user })).statusCode).toBe(200);
      started.push(task.id);
    }
    probes = 0;
    const second = await addSandboxAccount(t, user, 'Second admin');
    // Two accounts, two groups: four probes (one task at a time asking would make eight).
    expect(probes).toBe(4);
    for (const id of started) {
      const panel = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${id}/accounts`, user })).json;
      expect(panel.items.find((a: { account_id: number }) => a.account_id === second)).toMatchObject({ eligible: true });
    }
  });

  it('an account whose probe never answers is said unavailable after the probe time limit, and its connection is let go', async () => {
    const user = 3;
    const quiet = await addSandboxAccount(t, user, 'Quiet');
    const fine = await addSandboxAccount(t, user, 'Fine');
    hanging.add(quiet);
    const before = connects.get(quiet) ?? 0;
    const res = await t.api({ method: 'GET', url: '/api/v1/invite/groups/check?link=@sandbox_marketing', user, headers: { 'accept-language': 'ru' } });
    expect(res.statusCode).toBe(200);
    expect(res.json.ready.map((r: { account_id: number }) => r.account_id)).toEqual([fine]);
    expect(res.json.unavailable).toEqual([expect.objectContaining({ account_id: quiet, reason: 'не удалось проверить группу: Telegram не ответил вовремя' })]);
    // Let go: the next check connects it afresh (and, answering again, finds it ready).
    hanging.delete(quiet);
    const again = await t.api({ method: 'GET', url: '/api/v1/invite/groups/check?link=@sandbox_marketing', user });
    expect(connects.get(quiet)).toBe(before + 2); // once for each check: the first connection was let go
    expect(again.json.ready.map((r: { account_id: number }) => r.account_id)).toEqual([quiet, fine]);
  });
});
