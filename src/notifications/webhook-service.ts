import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { SessionCrypto } from '../accounts/session-crypto.js';
import type { BackgroundJobRow, Database } from '../db/schema.js';
import type { JobOutcome, JobService } from '../jobs/job-service.js';
import type { Clock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import { renderMessage, type Lang } from '../shared/messages.js';
import type { NotificationRow, WebhookAttemptRow, WebhookSettingsRow } from './notification-schema.js';
import { notificationTexts } from './notification-texts.js';
import { isRefusal, parseWebhookUrl, postWebhook, resolveWebhookTarget, type PostResult } from './webhook-http.js';

export interface WebhookOptions {
  allowPrivateUrls: boolean;
  timeoutMs: number;
}

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
/** Entries of the delivery log the settings show. */
const LOG_SIZE = 20;
/** Entries of the delivery log kept per user. */
const KEEP_ATTEMPTS = 200;

/** `whsec_` and 32 random bytes: generated here, shown to the user once, stored only encrypted. */
const newSecret = () => `whsec_${randomBytes(32).toString('hex')}`;

/** One attempt of the delivery log as the API shows it: the failure reason in the request's language. */
export function attemptJson(a: WebhookAttemptRow, lang: Lang) {
  return {
    id: Number(a.id),
    notification_id: a.notification_id === null ? null : Number(a.notification_id),
    event: a.event,
    url: a.url,
    attempt: a.attempt,
    status_code: a.status_code,
    outcome: a.outcome,
    error: a.error ? (renderMessage(a.error, lang, (a.error_params ?? {}) as Record<string, string>) ?? a.error) : null,
    duration_ms: a.duration_ms,
    created_at: iso(a.created_at),
  };
}

/**
 * A user's optional webhook: settings (URL, on/off, a secret the server generates, shows once and keeps encrypted
 * like account sessions), signed deliveries as background jobs (retried with the job service's back-off), a test
 * send, and the delivery log. The secret never appears in a response other than the one that created it, nor in a log.
 */
export class WebhookService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly crypto: SessionCrypto,
    jobs: JobService,
    private readonly logger: Logger,
    private readonly options: WebhookOptions,
  ) {
    jobs.register('webhook_delivery', (job) => this.deliver(job));
  }

  /** The settings (without the secret) and the latest attempts. */
  async get(userId: number, lang: Lang) {
    const [row, attempts] = await Promise.all([
      this.db.selectFrom('webhook_settings').selectAll().where('user_id', '=', userId).executeTakeFirst(),
      this.db.selectFrom('webhook_attempts').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').limit(LOG_SIZE).execute(),
    ]);
    return { ...settingsJson(row), deliveries: attempts.map((a) => attemptJson(a, lang)) };
  }

  /**
   * Saves the URL and the switch. The first save generates the secret and returns it (the only time it is shown);
   * later saves keep it. A URL the guard refuses is a 400 naming the field.
   */
  async save(userId: number, input: { url: string; enabled: boolean }, lang: Lang) {
    const url = await this.checkUrl(input.url, lang);
    const now = this.clock.now();
    const existing = await this.db.selectFrom('webhook_settings').select('user_id').where('user_id', '=', userId).executeTakeFirst();
    if (existing) {
      const row = await this.db
        .updateTable('webhook_settings')
        .set({ url, enabled: input.enabled, updated_at: now })
        .where('user_id', '=', userId)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { created: false, settings: settingsJson(row) };
    }
    const secret = newSecret();
    const row = await this.db
      .insertInto('webhook_settings')
      .values({
        user_id: userId,
        url,
        enabled: input.enabled,
        secret_encrypted: this.crypto.encrypt(secret),
        secret_created_at: now,
        created_at: now,
        updated_at: now,
      })
      // Two first saves at once: the second keeps the first one's secret, which was the one shown.
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ url, enabled: input.enabled, updated_at: now }))
      .returningAll()
      .executeTakeFirstOrThrow();
    return { created: true, settings: settingsJson(row), secret: this.crypto.decrypt(row.secret_encrypted) };
  }

  /** A new secret (the old one stops working at once); returned this once. */
  async rotateSecret(userId: number) {
    const secret = newSecret();
    const now = this.clock.now();
    const row = await this.db
      .updateTable('webhook_settings')
      .set({ secret_encrypted: this.crypto.encrypt(secret), secret_created_at: now, updated_at: now })
      .where('user_id', '=', userId)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notConfigured();
    return { settings: settingsJson(row), secret };
  }

  async remove(userId: number): Promise<void> {
    const res = await this.db.deleteFrom('webhook_settings').where('user_id', '=', userId).executeTakeFirst();
    if (!Number(res.numDeletedRows)) throw notConfigured();
  }

  /** Sends a signed test event now (even while the webhook is switched off) and logs the attempt like any other. */
  async test(userId: number, lang: Lang) {
    const settings = await this.db.selectFrom('webhook_settings').selectAll().where('user_id', '=', userId).executeTakeFirst();
    if (!settings) throw notConfigured();
    const now = this.clock.now();
    const body = {
      id: 0,
      event: 'test',
      occurred_at: now.toISOString(),
      task: null,
      text: { ru: renderMessage('NOTIFY.webhook_test', 'ru')!, en: renderMessage('NOTIFY.webhook_test', 'en')! },
    };
    const { result, attempt } = await this.attempt(settings, JSON.stringify(body), {
      event: 'test',
      notificationId: null,
      jobId: null,
      attempt: 1,
      lastAttempt: true,
    });
    return { delivered: result.ok, ...attemptJson(attempt, lang) };
  }

  private async checkUrl(raw: string, lang: Lang): Promise<string> {
    const parsed = parseWebhookUrl(raw);
    const refusal = isRefusal(parsed) ? parsed : await resolveWebhookTarget(parsed, this.options.allowPrivateUrls);
    if (isRefusal(refusal)) {
      const message = renderMessage(refusal.code, lang, refusal.params)!;
      throw new AppError(400, 'WEBHOOK_URL_REFUSED', renderMessage(refusal.code, 'en', refusal.params)!, [{ field: 'url', message }], {
        key: refusal.code,
        params: refusal.params,
      });
    }
    return (parsed as URL).toString();
  }

  /**
   * The job: POST the notification to the user's webhook. A webhook switched off or removed since the event drops
   * the delivery; a failure worth retrying throws a 5xx error so the job service retries it with back-off; a
   * refusal (4xx, redirect, a URL the guard now refuses) fails the job at once.
   */
  private async deliver(job: BackgroundJobRow): Promise<JobOutcome> {
    const notificationId = Number((job.params as { notification_id?: unknown }).notification_id);
    const [settings, notification] = await Promise.all([
      this.db.selectFrom('webhook_settings').selectAll().where('user_id', '=', job.user_id).executeTakeFirst(),
      this.db.selectFrom('notifications').selectAll().where('id', '=', notificationId).where('user_id', '=', job.user_id).executeTakeFirst(),
    ]);
    if (!notification) return { result: { skipped: 'notification_deleted' } };
    if (!settings?.enabled) return { result: { skipped: 'webhook_disabled' } };
    const lastAttempt = job.attempts >= job.max_attempts;
    const { result } = await this.attempt(settings, webhookBody(notification), {
      event: notification.event,
      notificationId,
      jobId: job.id,
      attempt: job.attempts,
      lastAttempt,
    });
    if (result.ok) return { result: { delivered: true, status_code: result.status, attempts: job.attempts } };
    const reason = renderMessage(result.code, 'en', result.params as Record<string, string>) ?? result.code;
    throw new AppError(result.retry ? 502 : 422, 'WEBHOOK_DELIVERY_FAILED', `The webhook delivery failed: ${reason}.`);
  }

  /** One signed POST and its line in the delivery log. The log says "retrying" when the job will try again. */
  private async attempt(
    settings: WebhookSettingsRow,
    body: string,
    meta: { event: string; notificationId: number | null; jobId: string | null; attempt: number; lastAttempt: boolean },
  ): Promise<{ result: PostResult; attempt: WebhookAttemptRow }> {
    const started = Date.now();
    const result = await postWebhook({
      url: settings.url,
      body,
      secret: this.crypto.decrypt(settings.secret_encrypted),
      timestamp: String(Math.floor(this.clock.now().getTime() / 1000)),
      timeoutMs: this.options.timeoutMs,
      allowInternal: this.options.allowPrivateUrls,
    });
    const outcome = result.ok ? 'delivered' : result.retry && !meta.lastAttempt ? 'retrying' : 'failed';
    const attempt = await this.db
      .insertInto('webhook_attempts')
      .values({
        user_id: settings.user_id,
        notification_id: meta.notificationId,
        job_id: meta.jobId,
        event: meta.event,
        url: settings.url,
        attempt: meta.attempt,
        status_code: result.status,
        outcome,
        error: result.ok ? null : result.code,
        error_params: result.ok ? null : JSON.stringify(result.params),
        duration_ms: Date.now() - started,
        created_at: this.clock.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    // The log is for looking back a little, not an archive: each user keeps their latest KEEP_ATTEMPTS attempts.
    await sql`DELETE FROM webhook_attempts WHERE user_id = ${settings.user_id} AND id < (
      SELECT id FROM webhook_attempts WHERE user_id = ${settings.user_id} ORDER BY id DESC OFFSET ${KEEP_ATTEMPTS - 1} LIMIT 1)`.execute(this.db);
    // The URL may carry a receiver's token in its query: it is logged without it, and the secret never.
    this.logger.info(
      { user: settings.user_id, event: meta.event, attempt: meta.attempt, status: result.status, outcome, host: new URL(settings.url).host },
      'webhook attempt',
    );
    return { result, attempt };
  }
}

/** The body of a delivery: the same bytes on every attempt of one notification (its id and time do not change). */
export function webhookBody(n: NotificationRow): string {
  const p = n.params as Record<string, unknown>;
  const task =
    n.task_id === null || !('name' in p) || n.event === 'account_retired'
      ? null
      : {
          id: n.task_id,
          name: p.name,
          ...(n.event === 'import_failed'
            ? {}
            : {
                type: p.type,
                status: p.status,
                counters: { total: p.total, invited: p.invited, sent: p.sent, skipped: p.skipped, failed: p.failed },
              }),
        };
  return JSON.stringify({
    id: Number(n.id),
    event: n.event,
    occurred_at: new Date(n.created_at).toISOString(),
    task,
    ...(n.account_id !== null ? { account: { id: n.account_id, label: p.label, status: p.status } } : {}),
    text: notificationTexts({ event: n.event, params: p }),
  });
}

function settingsJson(row: WebhookSettingsRow | undefined) {
  if (!row) return { configured: false, url: null, enabled: false, secret_created_at: null, updated_at: null };
  return { configured: true, url: row.url, enabled: row.enabled, secret_created_at: iso(row.secret_created_at), updated_at: iso(row.updated_at) };
}

const notConfigured = () => new AppError(404, 'WEBHOOK_NOT_CONFIGURED', 'Save a webhook URL first.', undefined, { key: 'WEBHOOK.not_configured' });
