import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { addSandboxAccount, createInviteTask, makeTestApp, WITH_REDIS, type TestApp } from './helpers/test-app.js';

/**
 * What the Account Manager's hot state may and may not change, on every engine (with TEST_REDIS_URL, on Redis too):
 * it never hides a ready account from the worker, and its lease fast path never lets two holders in.
 */
let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp({}, { sandbox: { privacyRate: 0 } });
});
afterEach(async () => {
  await t?.close();
});

describe('the hot state', () => {
  it('never hides a ready account: more ready accounts than one decision looks at all act at the same instant', async () => {
    // More than the 20 candidates one decision confirms: the hot state once set every unconfirmed candidate aside
    // for a minute, so accounts 21–25 sat idle although ready.
    const accounts = 25;
    for (let i = 0; i < accounts; i++) await addSandboxAccount(t, 1, `S${i}`);
    await createInviteTask(
      t,
      Array.from({ length: 40 }, (_, i) => `hot_person_${i}`),
      { start: true },
    );
    const worker = t.ctx.createWorker('hot');
    let acted = 0;
    // The clock stands still: every account may act once (then it pauses), none twice.
    while (acted < accounts + 5 && (await worker.tick())) acted++;
    expect(acted).toBe(accounts);
    const logs = await t.ctx.db.selectFrom('execution_logs').select('account_id').execute();
    expect(new Set(logs.map((l) => l.account_id)).size).toBe(accounts);
  });

  it('lets one holder at a time take an account, and the next one after release', async () => {
    const id = await addSandboxAccount(t, 1, 'Solo');
    const am = t.ctx.accountManager;
    const first = await am.lease(id, 'a', 'invite', null);
    expect(first).not.toBeNull();
    if (WITH_REDIS) {
      // The fast path is in use: the lease is mirrored in Redis under the app's prefix.
      const redis = new Redis(t.ctx.config.redis!.url);
      try {
        expect(await redis.exists(`${t.ctx.config.redis!.prefix}lease:${id}`)).toBe(1);
      } finally {
        redis.disconnect();
      }
    }
    expect(await am.lease(id, 'b', 'invite', null)).toBeNull();
    await am.release(first!, { acted: false });
    const second = await am.lease(id, 'b', 'invite', null);
    expect(second?.holder).toBe('b');
  });
});
