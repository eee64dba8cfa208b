import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';

/**
 * A standalone sandbox (no PARSING_SERVICE_URL) answers its own labelled demo bases through the Parsing Service client,
 * so «База из сервиса парсинга» can be tried end to end without the platform; switched off, or with a real service
 * configured, it is not there.
 */
describe('the sandbox’s demo Parsing Service', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists labelled demo bases, the running one not importable with why, and says it is the sandbox’s', async () => {
    const res = await t.api({ method: 'GET', url: '/api/v1/invite/import/parsing/bases', headers: { 'accept-language': 'ru' } });
    expect(res.statusCode).toBe(200);
    expect(res.json.items.map((b: any) => [b.task_id, b.total_results, b.importable])).toEqual([
      ['sandbox-marketing-chat', 240, true],
      ['sandbox-ecommerce-channel', 1500, true],
      ['sandbox-parse-running', 0, false],
    ]);
    for (const b of res.json.items) expect(b.title).toMatch(/^Песочница: /);
    expect(res.json.items[2].disabled_reason).toBe('В этой базе ещё нет результатов: импортировать нечего.');
    const health = (await t.app.inject({ method: 'GET', url: '/health/detailed' })).json();
    expect(health.parsing_service).toMatchObject({ configured: true, sandbox: true, reachable: true });
  });

  it('previews and imports a base through the client’s paging and field mapping, the same people every time', async () => {
    const preview = await t.api({ method: 'GET', url: '/api/v1/invite/import/parsing/bases/sandbox-marketing-chat/preview?limit=10' });
    expect(preview.statusCode).toBe(200);
    expect(preview.json.total).toBe(240);
    expect(preview.json.items).toHaveLength(10);
    const again = await t.api({ method: 'GET', url: '/api/v1/invite/import/parsing/bases/sandbox-marketing-chat/preview?limit=10' });
    expect(again.json.items).toEqual(preview.json.items);

    const task = await createInviteTask(t, []);
    // 1,500 people: three pages of 500, as the client asks the real service.
    const res = await t.api({
      method: 'POST',
      url: '/api/v1/invite/import/parsing',
      payload: { task_id: task.id, parsing_task_id: 'sandbox-ecommerce-channel' },
    });
    expect(res.statusCode).toBe(200);
    // All 1,500 read; as many as the task's cap allows added, the rest said over it.
    const cap = Math.min(1500, t.ctx.config.maxTargetsPerTask);
    expect(res.json).toMatchObject({ total_rows: 1500, imported: cap, over_limit: 1500 - cap, duplicates: 0, invalid: 0 });
    // Some are known by username, some only by their Telegram id; names from the service's fields.
    const rows = await t.ctx.db.selectFrom('targets').select(['username', 'user_id_platform', 'first_name']).where('task_id', '=', task.id).execute();
    expect(rows.filter((r) => r.username === null && r.user_id_platform !== null).length).toBeGreaterThan(cap / 20);
    expect(rows.filter((r) => r.first_name !== null).length).toBeGreaterThan(cap * 0.8);
    // A base it does not have is said at its field, as the real service's empty answer is.
    const unknown = await t.api({ method: 'POST', url: '/api/v1/invite/import/parsing', payload: { task_id: task.id, parsing_task_id: 'no-such-base' } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json.code ?? unknown.json.error).toBe('PARSING_BASE_NOT_FOUND');
  });

  it('is not there when switched off, or when a real Parsing Service is configured', async () => {
    const off = await makeTestApp({ SANDBOX_PARSING_SERVICE: 'false' });
    try {
      expect((await off.app.inject({ method: 'GET', url: '/health/detailed' })).json().parsing_service).toMatchObject({ configured: false });
      expect((await off.api({ method: 'GET', url: '/api/v1/invite/import/parsing/bases' })).statusCode).toBe(503);
    } finally {
      await off.close();
    }
    const real = await makeTestApp({ PARSING_SERVICE_URL: 'http://127.0.0.1:9' });
    try {
      const health = (await real.app.inject({ method: 'GET', url: '/health/detailed' })).json().parsing_service;
      expect(health).toMatchObject({ configured: true, reachable: false });
      expect(health.sandbox).toBeUndefined();
    } finally {
      await real.close();
    }
  });
});
