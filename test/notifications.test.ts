import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createContext, type AppContext } from '../src/app-context.js';
import { createLogger } from '../src/observability/logger.js';
import { SandboxPlatform } from '../src/platform/sandbox/sandbox-platform.js';
import { runVirtual } from '../src/scheduler/worker-loop.js';
import { completeDoneTasks } from '../src/tasks/task-status.js';
import { platformError } from '../src/platform/platform-error.js';
import { addSandboxAccount, createInviteTask, ENGINE, makeTestApp, seededRandom, WITH_REDIS, type TestApp } from './helpers/test-app.js';
import { multipartBody } from './helpers/multipart.js';

/**
 * Issue 11: notifications in the page and the signed webhook, against the real counterparts: the worker on a
 * virtual clock, the jobs subsystem, and a real HTTP receiver on a real loopback socket.
 */
const fastLimits = {
  LIMIT_INVITES_PER_ACCOUNT_DAY: '1000',
  LIMIT_INVITES_PER_GROUP_DAY: '1000',
  LIMIT_INVITES_PER_GROUP_LIFETIME: '1000',
  PAUSE_MIN_SECONDS: '1',
  PAUSE_MAX_SECONDS: '2',
};

let t: TestApp | undefined;
let second: AppContext | null = null;
let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  await second?.close();
  second = null;
  await t?.close();
  t = undefined;
});

const ru = { 'accept-language': 'ru-RU,ru;q=0.9' };
const en = { 'accept-language': 'en' };

async function notifications(app: TestApp, user = 1, headers: Record<string, string> = en) {
  const res = await app.api({ method: 'GET', url: '/api/v1/invite/notifications', user, headers });
  expect(res.statusCode).toBe(200);
  return res.json as { items: any[]; total: number; unread: number; latest_unread_id: number | null };
}

async function runToEnd(app: TestApp, hours = 6) {
  const worker = app.ctx.createWorker('notify-worker');
  await runVirtual(worker, app.clock, app.clock.now().getTime() + hours * 3600_000);
}

/** A webhook receiver on a real socket: records each request and answers with the next planned status (then 200). */
interface Receiver {
  url: string;
  requests: Array<{ headers: IncomingHttpHeaders; body: string }>;
  plan: number[];
  close(): Promise<void>;
}
async function startReceiver(plan: number[] = []): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = r.plan.shift() ?? 200;
      if (status >= 300 && status < 400) res.setHeader('location', 'http://127.0.0.1:1/elsewhere');
      res.writeHead(status).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const r: Receiver = {
    url: `http://127.0.0.1:${port}/hooks/invites?source=io`,
    requests,
    plan,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return r;
}

/** What a receiver does with the README's recipe: recompute the HMAC over "<timestamp>.<body>" and compare. */
function verify(secret: string, req: { headers: IncomingHttpHeaders; body: string }): boolean {
  const ts = String(req.headers['x-invite-timestamp']);
  const expected = `sha256=${createHmac('sha256', secret).update(`${ts}.${req.body}`).digest('hex')}`;
  return req.headers['x-invite-signature'] === expected;
}

describe(`in-page notifications (${ENGINE})`, () => {
  it('a completed task notifies its owner once, in Russian and English, and can be marked read', async () => {
    t = await makeTestApp(fastLimits, { sandbox: { privacyRate: 0 } });
    await addSandboxAccount(t);
    const created = await createInviteTask(t, ['note_alice', 'note_bob', 'note_carol'], { name: 'Осенняя волна', start: true });
    await runToEnd(t);
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${created.id}` })).json.status).toBe('COMPLETED');
    // Housekeeping and the next tick run again over the finished task: nothing more is said.
    await t.ctx.createWorker('again').housekeeping();

    const list = await notifications(t);
    expect(list.total).toBe(1);
    expect(list.unread).toBe(1);
    expect(list.items[0]).toMatchObject({ event: 'task_completed', task_id: created.id, read: false });
    expect(list.items[0].text).toBe('Task "Осенняя волна" completed: 3 of 3 invited, 0 skipped, 0 failed.');
    const inRussian = await notifications(t, 1, ru);
    expect(inRussian.items[0].text).toBe('Задача «Осенняя волна» завершена: приглашено 3 из 3, пропущено 0, не удалось 0.');

    const count = await t.api({ method: 'GET', url: '/api/v1/invite/notifications/unread-count', headers: ru });
    expect(count.json).toMatchObject({ unread: 1, latest_unread_id: list.items[0].id, latest: { text: inRussian.items[0].text } });

    const read = await t.api({ method: 'POST', url: `/api/v1/invite/notifications/${list.items[0].id}/read` });
    expect(read.statusCode).toBe(200);
    expect(read.json.read).toBe(true);
    expect((await t.api({ method: 'GET', url: '/api/v1/invite/notifications/unread-count' })).json).toMatchObject({ unread: 0, latest_unread_id: null });
  });

  it('two workers racing to close a task notify once', async () => {
    t = await makeTestApp(fastLimits, { sandbox: { privacyRate: 0 } });
    if (ENGINE === 'postgres') {
      // A second process in all but name: its own pool on the same database, the same clock and simulated Telegram.
      second = await createContext(t.ctx.config, {
        clock: t.clock,
        logger: createLogger('silent'),
        random: seededRandom(99),
        adapters: { sandbox: new SandboxPlatform(t.ctx.sandboxWorld) },
      });
    }
    for (let i = 0; i < 3; i++) await addSandboxAccount(t, 1, `Racer ${i}`);
    const people = Array.from({ length: 30 }, (_, i) => `race_note_${i}`);
    const created = await createInviteTask(t, people, { start: true });
    const a = t.ctx.createWorker('worker-a');
    const b = (second ?? t.ctx).createWorker('worker-b');
    const until = t.clock.now().getTime() + 6 * 3600_000;
    await Promise.all([runVirtual(a, t.clock, until), runVirtual(b, t.clock, until)]);
    // And the closing statement itself, raced from both pools at once after the fact.
    await Promise.all([completeDoneTasks(t.ctx.db, t.clock.now(), created.id), completeDoneTasks((second ?? t.ctx).db, t.clock.now(), created.id)]);
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${created.id}` })).json.status).toBe('COMPLETED');
    const list = await notifications(t);
    expect(list.items.filter((n) => n.event === 'task_completed' && n.task_id === created.id)).toHaveLength(1);
  });

  it('a ban tells the owner about the account, and the task that can no longer go on fails with its reason', async () => {
    t = await makeTestApp(fastLimits);
    const acc = await addSandboxAccount(t, 1, 'Главный');
    const created = await createInviteTask(t, ['ban_note_alice', 'ban_note_bob'], { name: 'Запуск', start: true });
    t.ctx.sandboxWorld.retireAccount(acc, 'USER_DEACTIVATED_BAN');
    await runToEnd(t, 2);
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${created.id}` })).json.status).toBe('FAILED');

    const list = await notifications(t);
    const byEvent = Object.fromEntries(list.items.map((n) => [n.event, n]));
    expect(list.items.map((n) => n.event).sort()).toEqual(['account_retired', 'task_failed']);
    expect(byEvent.account_retired).toMatchObject({ account_id: acc, task_id: null });
    expect(byEvent.account_retired.text).toBe(
      'Telegram banned account "Главный": it will no longer invite or send messages. Your other accounts carry on with the tasks.',
    );
    expect(byEvent.task_failed.task_id).toBe(created.id);
    // The reason is the task's stored reason, rendered in the reader's language when it is a code.
    expect(byEvent.task_failed.text).toMatch(/^Task "Запуск" failed: .*(banned|account).*\.$/i);
    const inRussian = Object.fromEntries((await notifications(t, 1, ru)).items.map((n) => [n.event, n.text]));
    expect(inRussian.account_retired).toBe(
      'Telegram заблокировал аккаунт «Главный»: он больше не будет приглашать и писать. Задачи продолжат другие ваши аккаунты.',
    );
    expect(inRussian.task_failed).toMatch(/^Задача «Запуск» остановлена с ошибкой: /);
  });

  it('a long rest Telegram imposes (PeerFlood, a FloodWait of an hour or more) is told once; routine short FloodWaits are not', async () => {
    t = await makeTestApp(fastLimits, { sandbox: { privacyRate: 0 } });
    const flagged = await addSandboxAccount(t, 1, 'Основной');
    const waiting = await addSandboxAccount(t, 1, 'Запасной');
    // The worker meets them: a PeerFlood on one account, a 30 s FloodWait on the other.
    t.ctx.sandboxWorld.injectError(flagged, 'PEER_FLOOD');
    t.ctx.sandboxWorld.injectError(waiting, 'FLOOD_WAIT', 30);
    await createInviteTask(t, ['rest_note_a', 'rest_note_b', 'rest_note_c', 'rest_note_d'], { start: true });
    await runToEnd(t, 1);
    const rested = async (headers = en) => (await notifications(t!, 1, headers)).items.filter((n) => n.event === 'account_rested');
    expect(await rested()).toHaveLength(1);
    const [peer] = await rested();
    expect(peer).toMatchObject({ account_id: flagged, task_id: null });
    expect(peer.text).toBe(
      'Telegram flagged account "Основной" for too many requests (PeerFlood): it rests for 24 h and tasks go slower. If this keeps happening, add accounts.',
    );
    expect((await rested(ru))[0].text).toBe(
      'Telegram ограничил аккаунт «Основной» за частые запросы (PeerFlood): он отдыхает 24 ч, задачи идут медленнее. Если это повторяется, добавьте аккаунтов.',
    );
    // The same rest reported again (another worker's lease) is not a second notification.
    await t.ctx.accountManager.reportError(flagged, platformError('PEER_FLOOD'));
    expect(await rested()).toHaveLength(1);
    // A FloodWait of two hours is told, with how long (the platform's seconds and the buffer).
    await t.ctx.accountManager.reportError(waiting, platformError('FLOOD_WAIT', 7200));
    const long = (await rested(ru)).find((n) => n.account_id === waiting);
    expect(long.text).toMatch(/^Telegram попросил аккаунт «Запасной» подождать \(FloodWait\): он вернётся к работе через 2 ч( \d+ мин)?\.$/);
    expect(await rested()).toHaveLength(2);
  });

  it('a running task whose every account the owner disabled asks for attention once per wait, in both languages', async () => {
    t = await makeTestApp(fastLimits, { sandbox: { privacyRate: 0 } });
    const acc = await addSandboxAccount(t, 1, 'Единственный');
    const created = await createInviteTask(t, ['attn_alice', 'attn_bob', 'attn_carol'], { name: 'Ждёт владельца', start: true });
    const setEnabled = async (enabled: boolean) => {
      const res = await t!.api({ method: 'PATCH', url: `/api/v1/invite/accounts/${acc}`, payload: { enabled } });
      expect(res.statusCode).toBe(200);
    };
    const attention = async (headers = en) => (await notifications(t!, 1, headers)).items.filter((n) => n.event === 'task_attention');

    await setEnabled(false);
    const worker = t.ctx.createWorker('attention');
    await worker.housekeeping();
    t.clock.advanceSeconds(3600);
    await worker.housekeeping();
    // The task keeps waiting (disabling is reversible), and the owner is told once, not at every round.
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${created.id}` })).json.status).toBe('IN_PROGRESS');
    expect((await attention()).map((n) => n.text)).toEqual([
      'Task "Ждёт владельца" needs your attention: You disabled every account of the task: enable one to continue.',
    ]);
    expect((await attention(ru)).map((n) => n.text)).toEqual([
      'Задаче «Ждёт владельца» нужно ваше внимание: Все аккаунты задачи отключены вами — включите аккаунт, чтобы продолжить.',
    ]);

    // Enabled, nothing to say; disabled again later, a new wait is told again.
    await setEnabled(true);
    t.clock.advanceSeconds(60);
    await worker.housekeeping();
    expect(await attention()).toHaveLength(1);
    t.clock.advanceSeconds(60);
    await setEnabled(false);
    t.clock.advanceSeconds(60);
    await worker.housekeeping();
    expect(await attention()).toHaveLength(2);
  });

  it("another user's notification is not found, and mark-all marks only the caller's", async () => {
    t = await makeTestApp(fastLimits, { sandbox: { privacyRate: 0 } });
    await addSandboxAccount(t, 1);
    await addSandboxAccount(t, 2);
    await createInviteTask(t, ['iso_alice'], { start: true }, 1);
    await createInviteTask(t, ['iso_bob'], { start: true }, 2);
    await runToEnd(t);
    const mine = await notifications(t, 1);
    const theirs = await notifications(t, 2);
    expect(mine.total).toBe(1);
    expect(theirs.total).toBe(1);
    const other = await t.api({ method: 'POST', url: `/api/v1/invite/notifications/${mine.items[0].id}/read`, user: 2, headers: ru });
    expect(other.statusCode).toBe(404);
    expect(other.json.message).toBe('Уведомление не найдено.');
    expect((await notifications(t, 1)).unread).toBe(1);
    const all = await t.api({ method: 'POST', url: '/api/v1/invite/notifications/read-all', user: 2 });
    expect(all.json).toEqual({ marked: 1 });
    expect((await notifications(t, 1)).unread).toBe(1);
    expect((await notifications(t, 2)).unread).toBe(0);
    // Unread first, then newest: user 1 reads the first and gets a newer one; the list and the unread filter say so.
    await t.api({ method: 'POST', url: `/api/v1/invite/notifications/${mine.items[0].id}/read` });
    const later = await createInviteTask(t, ['iso_carol'], { start: true }, 1);
    await runToEnd(t);
    const again = await createInviteTask(t, ['iso_dan'], { start: true }, 1);
    await runToEnd(t);
    await t.api({ method: 'POST', url: `/api/v1/invite/notifications/${(await notifications(t, 1)).items[0].id}/read` });
    const ordered = await notifications(t, 1);
    expect(ordered.items.map((n) => [n.task_id, n.read])).toEqual([
      [later.id, false],
      [again.id, true],
      [mine.items[0].task_id, true],
    ]);
    const unreadOnly = (await t.api({ method: 'GET', url: '/api/v1/invite/notifications?unread=true&page_size=1' })).json;
    expect(unreadOnly).toMatchObject({ total: 1, unread: 1, pages: 1 });
    const bad = await t.api({ method: 'GET', url: '/api/v1/invite/notifications?page_size=0', headers: ru });
    expect(bad.statusCode).toBe(400);
    expect(bad.json.details[0].field).toBe('page_size');
  });

  it('housekeeping deletes read notifications past NOTIFICATION_RETENTION_DAYS; unread and recent ones stay', async () => {
    t = await makeTestApp({ ...fastLimits, NOTIFICATION_RETENTION_DAYS: '3' }, { sandbox: { privacyRate: 0 } });
    await addSandboxAccount(t, 1);
    await createInviteTask(t, ['keep_unread'], { start: true }, 1);
    await runToEnd(t);
    await createInviteTask(t, ['old_read'], { start: true }, 1);
    await runToEnd(t);
    const [oldRead, oldUnread] = (await notifications(t, 1)).items;
    await t.api({ method: 'POST', url: `/api/v1/invite/notifications/${oldRead.id}/read` });
    // Four days later: a new one, read at once (recent), then housekeeping runs past the hour its retention waits for.
    t.clock.advanceSeconds(4 * 86400);
    await createInviteTask(t, ['new_read'], { start: true }, 1);
    await runToEnd(t, 2);
    const fresh = (await notifications(t, 1)).items.find((n) => n.id !== oldRead.id && n.id !== oldUnread.id);
    await t.api({ method: 'POST', url: `/api/v1/invite/notifications/${fresh.id}/read` });
    await runToEnd(t, 2);
    const left = await notifications(t, 1);
    expect(left.items.map((n) => n.id).sort()).toEqual([oldUnread.id, fresh.id].sort());
    expect(left.unread).toBe(1);
  });

  it('a failed import tells the owner why, in their language', async () => {
    t = await makeTestApp();
    const task = await createInviteTask(t, [], { name: 'Импорт' });
    const res = await t.api({
      method: 'POST',
      url: `/api/v1/invite/import/file?task_id=${task.id}&background=true`,
      ...multipartBody('broken.json', '[{"username": "ok_person"}, {"username": '),
    });
    expect(res.statusCode).toBe(202);
    await t.ctx.jobs.runDue();
    const [n] = (await notifications(t)).items;
    expect(n).toMatchObject({ event: 'import_failed', task_id: task.id, job_id: res.json.id });
    // The file's own problem, not only that it could not be read.
    expect(n.text).toBe(
      'The audience import into task "Импорт" failed: The file is not valid JSON: it ends before its list or object is closed (was it saved only in part?).',
    );
    expect((await notifications(t, 1, ru)).items[0].text).toBe(
      'Импорт аудитории в задачу «Импорт» не удался: Файл — не корректный JSON: он обрывается, не закрыв список или объект (возможно, выгрузка сохранилась не полностью).',
    );
  });
});

describe(`the signed webhook (${ENGINE})`, () => {
  it('delivers a completed task signed, retrying after a 500, and logs each attempt; the secret is shown once and never logged', async () => {
    let logged = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        logged += chunk.toString();
        done();
      },
    });
    t = await makeTestApp({ ...fastLimits, WEBHOOK_ALLOW_PRIVATE_URLS: 'true' }, { sandbox: { privacyRate: 0 }, logger: createLogger('trace', sink) });
    receiver = await startReceiver([500]);
    const saved = await t.api({ method: 'PUT', url: '/api/v1/invite/notifications/webhook', payload: { url: receiver.url, enabled: true } });
    expect(saved.statusCode).toBe(201);
    const secret: string = saved.json.secret;
    expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    // Never again: not on reading, not on a later save.
    const settings = await t.api({ method: 'GET', url: '/api/v1/invite/notifications/webhook' });
    expect(settings.body).not.toContain(secret);
    expect(settings.json).toMatchObject({ configured: true, url: receiver.url, enabled: true });
    const resaved = await t.api({ method: 'PUT', url: '/api/v1/invite/notifications/webhook', payload: { url: receiver.url, enabled: true } });
    expect(resaved.statusCode).toBe(200);
    expect(resaved.json.secret).toBeUndefined();
    // Stored encrypted, like account sessions.
    const stored = await t.ctx.db.selectFrom('webhook_settings').select('secret_encrypted').executeTakeFirstOrThrow();
    expect(stored.secret_encrypted).not.toContain(secret.slice(6));

    await addSandboxAccount(t);
    const created = await createInviteTask(t, ['hook_alice', 'hook_bob'], { name: 'Webhook task', start: true });
    await runToEnd(t);
    await t.ctx.jobs.runDue();
    expect(receiver.requests).toHaveLength(1);
    t.clock.advanceSeconds(31);
    await t.ctx.jobs.runDue();
    expect(receiver.requests).toHaveLength(2);
    t.clock.advanceSeconds(600);
    await t.ctx.jobs.runDue();
    expect(receiver.requests).toHaveLength(2);

    const [first, delivered] = receiver.requests;
    expect(first!.body).toBe(delivered!.body);
    for (const req of receiver.requests) {
      expect(verify(secret, req)).toBe(true);
      expect(req.headers['content-type']).toMatch(/^application\/json/);
    }
    expect(verify('whsec_wrong', delivered!)).toBe(false);
    const body = JSON.parse(delivered!.body);
    const [notification] = (await notifications(t)).items;
    expect(body).toEqual({
      id: notification.id,
      event: 'task_completed',
      occurred_at: notification.created_at,
      task: {
        id: created.id,
        name: 'Webhook task',
        type: 'invite_to_group',
        status: 'COMPLETED',
        counters: { total: 2, invited: 2, sent: 0, skipped: 0, failed: 0 },
      },
      text: {
        ru: 'Задача «Webhook task» завершена: приглашено 2 из 2, пропущено 0, не удалось 0.',
        en: 'Task "Webhook task" completed: 2 of 2 invited, 0 skipped, 0 failed.',
      },
    });

    const log = (await t.api({ method: 'GET', url: '/api/v1/invite/notifications/webhook', headers: ru })).json.deliveries;
    expect(log.map((a: any) => [a.attempt, a.status_code, a.outcome])).toEqual([
      [2, 200, 'delivered'],
      [1, 500, 'retrying'],
    ]);
    expect(log[1].error).toBe('получатель ответил кодом 500');

    // A rotated secret signs from then on; the old one no longer verifies.
    const rotated = await t.api({ method: 'POST', url: '/api/v1/invite/notifications/webhook/rotate-secret' });
    expect(rotated.json.secret).toMatch(/^whsec_/);
    expect(rotated.json.secret).not.toBe(secret);
    const test = await t.api({ method: 'POST', url: '/api/v1/invite/notifications/webhook/test', headers: en });
    expect(test.json).toMatchObject({ delivered: true, status_code: 200, outcome: 'delivered', event: 'test' });
    const testReq = receiver.requests.at(-1)!;
    expect(verify(rotated.json.secret, testReq)).toBe(true);
    expect(verify(secret, testReq)).toBe(false);
    expect(JSON.parse(testReq.body)).toMatchObject({ event: 'test', text: { en: 'Webhook test: if you can read this, notifications reach you.' } });

    // Both secrets went out in responses and signatures, and into no log line.
    expect(logged).toContain('webhook attempt');
    expect(logged).not.toContain(secret);
    expect(logged).not.toContain(rotated.json.secret);
  });

  it(`a running consumer delivers it on its own (${WITH_REDIS ? 'BullMQ' : 'embedded poller'})`, async () => {
    t = await makeTestApp({ ...fastLimits, WEBHOOK_ALLOW_PRIVATE_URLS: 'true' }, { sandbox: { privacyRate: 0 } });
    receiver = await startReceiver();
    const stop = new AbortController();
    const consuming = t.ctx.jobs.consume(stop.signal);
    try {
      expect(t.ctx.jobs.transport.name).toBe(WITH_REDIS ? 'bullmq' : 'embedded');
      await t.api({ method: 'PUT', url: '/api/v1/invite/notifications/webhook', payload: { url: receiver.url } });
      await addSandboxAccount(t);
      const created = await createInviteTask(t, ['consumed_alice'], { start: true });
      // Stop the virtual clock right at the completion: the delivery is due now, not long overdue.
      const status = async () => (await t!.api({ method: 'GET', url: `/api/v1/invite/tasks/${created.id}` })).json.status;
      await runVirtual(t.ctx.createWorker('consumer-test'), t.clock, t.clock.now().getTime() + 6 * 3600_000, {
        stop: async () => (await status()) === 'COMPLETED',
      });
      expect(await status()).toBe('COMPLETED');
      // Queued in the transition's transaction, where the transport is out of reach: the consumer finds it by itself.
      await expect.poll(() => receiver!.requests.length, { timeout: 30_000, interval: 200 }).toBe(1);
      expect(JSON.parse(receiver.requests[0]!.body).event).toBe('task_completed');
    } finally {
      stop.abort();
      await consuming;
    }
  }, 60_000);

  it('a switched-off webhook gets nothing, and a receiver that refuses (4xx, redirect) is not retried', async () => {
    t = await makeTestApp({ ...fastLimits, WEBHOOK_ALLOW_PRIVATE_URLS: 'true' }, { sandbox: { privacyRate: 0 } });
    receiver = await startReceiver([410, 302]);
    await t.api({ method: 'PUT', url: '/api/v1/invite/notifications/webhook', payload: { url: receiver.url, enabled: false } });
    await addSandboxAccount(t);
    await createInviteTask(t, ['off_alice'], { start: true });
    await runToEnd(t);
    await t.ctx.jobs.runDue();
    expect(receiver.requests).toHaveLength(0);

    await t.api({ method: 'PUT', url: '/api/v1/invite/notifications/webhook', payload: { url: receiver.url, enabled: true } });
    await createInviteTask(t, ['on_alice'], { start: true });
    await runToEnd(t);
    await t.ctx.jobs.runDue();
    t.clock.advanceSeconds(3600);
    await t.ctx.jobs.runDue();
    expect(receiver.requests).toHaveLength(1);
    const redirect = await t.api({ method: 'POST', url: '/api/v1/invite/notifications/webhook/test' });
    expect(redirect.json).toMatchObject({ delivered: false, status_code: 302, outcome: 'failed' });
    expect(redirect.json.error).toMatch(/redirects are not followed/);
    expect(receiver.requests).toHaveLength(2);
    const log = (await t.api({ method: 'GET', url: '/api/v1/invite/notifications/webhook' })).json.deliveries;
    expect(log.map((a: any) => [a.status_code, a.outcome])).toEqual([
      [302, 'failed'],
      [410, 'failed'],
    ]);
  });

  it('says why a test could not connect in words a person can act on, the socket code beside them', async () => {
    t = await makeTestApp({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
    // A port that was open a moment ago and is closed now: nothing accepts connections there.
    const closed = await startReceiver();
    const url = closed.url;
    await closed.close();
    await t.api({ method: 'PUT', url: '/api/v1/invite/notifications/webhook', payload: { url, enabled: true } });
    const res = await t.api({ method: 'POST', url: '/api/v1/invite/notifications/webhook/test', headers: ru });
    expect(res.json).toMatchObject({ delivered: false, error: 'по этому адресу никто не принимает соединения (ECONNREFUSED)' });
    const enRes = await t.api({ method: 'POST', url: '/api/v1/invite/notifications/webhook/test', headers: en });
    expect(enRes.json.error).toBe('nothing accepts connections at this address (ECONNREFUSED)');
  });

  it('refuses non-http(s) URLs and internal addresses unless the deployment allows them', async () => {
    t = await makeTestApp();
    receiver = await startReceiver();
    const put = (url: string, headers = en) => t!.api({ method: 'PUT', url: '/api/v1/invite/notifications/webhook', payload: { url }, headers });
    for (const url of [
      receiver.url,
      'http://localhost:8080/hook',
      'http://10.1.2.3/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]:8080/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://192.168.1.10/hook',
    ]) {
      const res = await put(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json.error, url).toBe('WEBHOOK_URL_REFUSED');
      expect(res.json.details, url).toEqual([{ field: 'url', message: expect.stringMatching(/private, loopback/) }]);
    }
    for (const url of ['ftp://example.com/hook', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url', 'http://user:pw@example.com/']) {
      const res = await put(url, ru);
      expect(res.statusCode, url).toBe(400);
      expect(res.json.details[0].message, url).toMatch(/^Адрес вебхука должен быть полным адресом http/);
    }
    expect((await t.api({ method: 'GET', url: '/api/v1/invite/notifications/webhook' })).json.configured).toBe(false);
    const test = await t.api({ method: 'POST', url: '/api/v1/invite/notifications/webhook/test' });
    expect(test.statusCode).toBe(404);
    expect(receiver.requests).toHaveLength(0);
  });
});
