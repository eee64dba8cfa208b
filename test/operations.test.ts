import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { addSandboxAccount, createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';
import { runVirtual } from '../src/scheduler/worker-loop.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp({ LOG_RETENTION_DAYS: '30', CORS_ORIGINS: 'https://app.example.com' });
});
afterAll(async () => {
  await t?.close();
});

describe('operations', () => {
  it('exposes the spec metrics after a campaign', async () => {
    await addSandboxAccount(t);
    const task = await createInviteTask(t, ['metric_one', 'private_metric'], { start: true });
    const worker = t.ctx.createWorker('metrics');
    await runVirtual(worker, t.clock, t.clock.now().getTime() + 6 * 3600_000);
    const body = (await t.app.inject({ url: '/metrics' })).body;
    expect(body).toMatch(/invite_targets_processed\{platform="telegram",result="success"\} 1/);
    expect(body).toMatch(/invite_targets_processed\{platform="telegram",result="skipped"\} 1/);
    expect(body).toMatch(/invite_tasks_total\{platform="telegram",status="COMPLETED"\} 1/);
    expect(body).toContain('invite_task_duration_seconds_count{platform="telegram"} 1');
    for (const name of ['invite_accounts_blocked', 'invite_floodwait_events', 'invite_active_tasks', 'invite_account_leases', 'invite_pending_targets'])
      expect(body).toContain(name);
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}` })).json.status).toBe('COMPLETED');
  });

  it('ships alert rules and a dashboard that only use metrics the service exports', async () => {
    const { readFile } = await import('node:fs/promises');
    const exported = new Set([...(await t.app.inject({ url: '/metrics' })).body.matchAll(/^# HELP (\w+)/gm)].map((m) => m[1]));
    for (const file of ['deploy/prometheus/alerts.yml', 'deploy/grafana/invite-orchestrator.json']) {
      const text = await readFile(new URL(`../${file}`, import.meta.url), 'utf8');
      const used = new Set([...text.matchAll(/\b(invite_[a-z_]+)/g)].map((m) => m[1]!.replace(/_(bucket|count|sum)$/, '')));
      expect(used.size, file).toBeGreaterThan(3);
      for (const name of used) expect(exported.has(name), `${file} uses ${name}`).toBe(true);
    }
  });

  it('keeps an audit trail of user actions, per user', async () => {
    const task = await createInviteTask(t, ['audit_person1']);
    await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${task.id}`, payload: { priority: 'LOW' } });
    const audit = (await t.api({ method: 'GET', url: '/api/v1/invite/audit' })).json;
    // Creating a task with an inline audience records the task and the targets it got.
    expect(audit.items.slice(0, 3).map((a: any) => a.action)).toEqual(['task.update', 'targets.add', 'task.create']);
    expect((await t.api({ method: 'GET', url: '/api/v1/invite/audit', user: 2 })).json.total).toBe(0);
  });

  it('says each journal entry as a sentence in the reader’s language, naming the task or account, even once it is deleted', async () => {
    const task = await createInviteTask(t, ['journal_one', 'journal_two'], { name: 'Журнальная' });
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/start` })).statusCode).toBe(200);
    expect((await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/cancel` })).statusCode).toBe(200);
    const account = await addSandboxAccount(t, 1, 'Временный');
    expect((await t.api({ method: 'PATCH', url: `/api/v1/invite/accounts/${account}`, payload: { enabled: false } })).statusCode).toBe(200);
    expect((await t.api({ method: 'DELETE', url: `/api/v1/invite/accounts/${account}` })).statusCode).toBe(204);
    expect((await t.api({ method: 'DELETE', url: `/api/v1/invite/tasks/${task.id}` })).statusCode).toBe(204);
    const journal = async (lang: string) =>
      (await t.api({ method: 'GET', url: '/api/v1/invite/audit?page_size=8', headers: { 'accept-language': lang } })).json.items.map((a: any) => [
        a.text,
        a.exists,
      ]);
    expect(await journal('ru')).toEqual([
      ['Удалена задача «Журнальная»', false],
      ['Удалён аккаунт «Временный»', false],
      ['Отключён аккаунт «Временный»', false],
      ['Добавлен аккаунт «Временный»', false],
      ['Отменена задача «Журнальная»', false],
      ['Запущена задача «Журнальная»', false],
      ['В задачу «Журнальная» добавлены люди: 2', false],
      ['Создана задача «Журнальная»', false],
    ]);
    expect((await journal('en')).slice(0, 2)).toEqual([
      ['Deleted task "Журнальная"', false],
      ['Removed account "Временный"', false],
    ]);
    // Deleted several at once, each is still named, and the deletion says how many.
    const first = await createInviteTask(t, ['journal_four'], { name: 'Первая из пачки' });
    const second = await createInviteTask(t, ['journal_five'], { name: 'Вторая из пачки' });
    await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${first.id}/start` });
    const bulk = await t.api({ method: 'POST', url: '/api/v1/invite/tasks/bulk', payload: { action: 'DELETE', task_ids: [first.id, second.id] } });
    expect(bulk.json.succeeded).toBe(2);
    expect((await journal('ru')).slice(0, 4)).toEqual([
      ['Удаление нескольких задач: 2', false],
      ['Удалена задача «Вторая из пачки»', false],
      ['Удалена задача «Первая из пачки»', false],
      ['Запущена задача «Первая из пачки»', false],
    ]);
    // People given of whom nobody was added: said so, and why.
    const full = await createInviteTask(t, ['journal_six'], { name: 'Никого нового' });
    const add = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${full.id}/targets`, payload: { targets: ['journal_six', 'not valid!'] } });
    expect(add.json.imported).toBe(0);
    expect((await journal('ru'))[0]).toEqual(['В задачу «Никого нового» никто не добавлен: уже были в ней — 1, с ошибкой — 1', true]);
    expect((await journal('en'))[0]).toEqual(['Nobody added to task "Никого нового": already in it — 1, invalid — 1', true]);
    // A task still there is named as it is now, and can be opened.
    const kept = await createInviteTask(t, ['journal_three'], { name: 'Живая' });
    await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${kept.id}`, payload: { name: 'Живая, переименована' } });
    expect((await journal('ru'))[0]).toEqual(['Изменена задача «Живая, переименована»: название', true]);
    await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${kept.id}`, payload: { priority: 'HIGH', scheduled_at: null } });
    expect((await journal('ru'))[0]).toEqual(['Изменена задача «Живая, переименована»: приоритет, время запуска', true]);
    expect((await journal('en'))[0]).toEqual(['Edited task "Живая, переименована": priority, scheduled at', true]);
    // Written on the service's clock, as every other time (a sped-up sandbox's journal reads in its own days).
    const [latest] = (await t.api({ method: 'GET', url: '/api/v1/invite/audit?page_size=1' })).json.items;
    expect(latest.created_at).toBe(t.clock.now().toISOString());
  });

  it('deletes execution logs past the retention period but keeps lifetime limits', async () => {
    const accountId = (await t.ctx.db.selectFrom('accounts').select('id').executeTakeFirstOrThrow()).id;
    const before = await t.ctx.accountManager.usage(accountId);
    const worker = t.ctx.createWorker('retention');
    t.clock.advanceSeconds(31 * 86400);
    expect(await worker.pruneExecutionLogs()).toBeGreaterThan(0);
    const { n } = await t.ctx.db.selectFrom('execution_logs').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(n).toBe(0);
    expect((await t.ctx.accountManager.usage(accountId)).lifetimeByGroup).toEqual(before.lifetimeByGroup);
  });

  it('sends security headers, CORS only to listed origins, and throttles unauthenticated endpoints', async () => {
    const res = await t.app.inject({ url: '/health', headers: { origin: 'https://app.example.com' } });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const other = await t.app.inject({ url: '/health', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    let limited = 0;
    for (let i = 0; i < 310; i++) if ((await t.app.inject({ url: '/health', remoteAddress: '10.1.2.3' })).statusCode === 429) limited++;
    expect(limited).toBeGreaterThan(0);
    expect((await t.app.inject({ url: '/health', remoteAddress: '10.9.9.9' })).statusCode).toBe(200);
  });

  it('refuses an oversized JSON body with a sentence', async () => {
    const res = await t.api({ method: 'POST', url: '/api/v1/invite/import/validate', payload: { rows: ['x'.repeat(2 * 1024 * 1024)] } });
    expect(res.statusCode).toBe(413);
    expect(res.json.message).toMatch(/larger than this server accepts/);
  });
});
