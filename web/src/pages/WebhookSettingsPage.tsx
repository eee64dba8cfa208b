import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { WebhookSettings } from '../api/notification-types';
import { ErrorNotice } from '../components/ui';
import { formatTime } from '../format';
import { useI18n } from '../i18n';
import '../components/notifications.css';

/** How a receiver checks a delivery (the README says the same). */
const VERIFY_SNIPPET = `const expected = 'sha256=' + crypto
  .createHmac('sha256', process.env.INVITE_WEBHOOK_SECRET)
  .update(req.headers['x-invite-timestamp'] + '.' + rawBody)
  .digest('hex');
const sig = String(req.headers['x-invite-signature']);
const ok = sig.length === expected.length && crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(sig));`;

/**
 * The optional webhook: where notifications are POSTed, on/off, the signing secret (shown once, when it is
 * created or rotated), a test send, and the latest delivery attempts.
 */
export function WebhookSettingsPage() {
  const { t, lang } = useI18n();
  const [settings, setSettings] = useState<WebhookSettings | null>(null);
  const [url, setUrl] = useState('');
  const [enabled, setEnabled] = useState(true);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const s = await api<WebhookSettings>('/api/v1/invite/notifications/webhook');
      setSettings(s);
      return s;
    } catch (e) {
      setError((e as Error).message);
      return null;
    }
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the delivery log's reasons are in the UI's language: reload on a switch
  useEffect(() => {
    void load().then((s) => {
      if (s?.configured) {
        setUrl(s.url ?? '');
        setEnabled(s.enabled);
      }
    });
  }, [load, lang]);

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFieldError(null);
    setNotice(null);
    try {
      const saved = await api<WebhookSettings>('/api/v1/invite/notifications/webhook', { method: 'PUT', json: { url, enabled } });
      if (saved.secret) setSecret(saved.secret);
      setNotice(t('webhookSaved'));
      await load();
    } catch (err) {
      const details = err instanceof ApiError ? (err.body as { details?: Array<{ field: string; message: string }> } | undefined)?.details : undefined;
      const onUrl = details?.find((d) => d.field === 'url');
      if (onUrl) setFieldError(onUrl.message);
      else setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function rotate() {
    if (!window.confirm(t('webhookRotateConfirm'))) return;
    setError(null);
    setNotice(null);
    try {
      const rotated = await api<WebhookSettings>('/api/v1/invite/notifications/webhook/rotate-secret', { method: 'POST' });
      setSecret(rotated.secret ?? null);
      await load();
    } catch (err) {
      setError((err as Error).message);
    }
  }

  async function test() {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const r = await api<{ delivered: boolean; status_code: number | null; error: string | null }>('/api/v1/invite/notifications/webhook/test', {
        method: 'POST',
      });
      setNotice(r.delivered ? t('webhookTestDelivered', { status: r.status_code ?? '' }) : t('webhookTestFailed', { reason: r.error ?? '' }));
      await load();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!window.confirm(t('webhookRemoveConfirm'))) return;
    try {
      await api('/api/v1/invite/notifications/webhook', { method: 'DELETE' });
      setSecret(null);
      setUrl('');
      setEnabled(true);
      setNotice(null);
      await load();
    } catch (err) {
      setError((err as Error).message);
    }
  }

  const copy = async () => {
    if (!secret) return;
    try {
      await navigator.clipboard.writeText(secret);
      setNotice(t('webhookCopied'));
    } catch {
      /* no clipboard permission: the secret is on screen to copy by hand */
    }
  };

  return (
    <div>
      <h1>{t('webhookTitle')}</h1>
      <p className="muted">{t('webhookIntro')}</p>
      <ErrorNotice error={error} />
      <form className="card webhook-form" onSubmit={save} data-testid="webhook-form">
        <label htmlFor="webhook-url">{t('webhookUrl')}</label>
        <input
          id="webhook-url"
          type="url"
          required
          placeholder="https://example.com/hooks/invites"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          aria-invalid={!!fieldError}
          aria-describedby={fieldError ? 'webhook-url-error' : undefined}
        />
        {fieldError && (
          <p className="error-text" id="webhook-url-error" data-testid="webhook-url-error">
            {fieldError}
          </p>
        )}
        <label>
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> {t('webhookEnabled')}
        </label>
        <div className="webhook-actions">
          <button type="submit" className="primary" disabled={busy}>
            {t('save')}
          </button>
          {settings?.configured && (
            <>
              <button type="button" onClick={() => void test()} disabled={busy}>
                {t('webhookSendTest')}
              </button>
              <button type="button" onClick={() => void rotate()}>
                {t('webhookRotate')}
              </button>
              <button type="button" className="danger" onClick={() => void remove()}>
                {t('webhookRemove')}
              </button>
            </>
          )}
        </div>
        {notice && (
          <div className="notice" role="status" data-testid="webhook-notice">
            {notice}
          </div>
        )}
        {secret && (
          <div className="notice notice-warn" data-testid="webhook-secret-box">
            <p>
              <strong>{t('webhookSecretOnce')}</strong>
            </p>
            <div className="webhook-secret" data-testid="webhook-secret">
              {secret}
            </div>
            <button type="button" onClick={() => void copy()}>
              {t('webhookCopy')}
            </button>
          </div>
        )}
        {settings?.configured && !secret && settings.secret_created_at && (
          <p className="muted">{t('webhookSecretHidden', { date: formatTime(settings.secret_created_at, lang) })}</p>
        )}
      </form>

      {settings?.configured && (
        <div className="card">
          <h2>{t('webhookLog')}</h2>
          {!settings.deliveries?.length ? (
            <p className="muted">{t('webhookLogEmpty')}</p>
          ) : (
            <table className="webhook-log" data-testid="webhook-log">
              <thead>
                <tr>
                  <th>{t('webhookLogTime')}</th>
                  <th>{t('webhookLogEvent')}</th>
                  <th>{t('webhookLogAttempt')}</th>
                  <th>{t('webhookLogStatus')}</th>
                  <th>{t('webhookLogResult')}</th>
                </tr>
              </thead>
              <tbody>
                {settings.deliveries.map((a) => (
                  <tr key={a.id} data-testid="webhook-attempt">
                    <td>{formatTime(a.created_at, lang)}</td>
                    <td>{t(`webhookEvent_${a.event}` as 'webhookEvent_test')}</td>
                    <td data-label={t('webhookLogAttempt')}>{a.attempt}</td>
                    <td data-label={t('webhookLogStatus')}>{a.status_code ?? '—'}</td>
                    <td className={`webhook-log-result outcome-${a.outcome}`}>
                      {t(`webhookOutcome_${a.outcome}` as 'webhookOutcome_delivered')}
                      {a.error ? `: ${a.error}` : ''} <span className="muted">({t('milliseconds', { n: a.duration_ms })})</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}

      <details className="card webhook-help">
        <summary>{t('webhookHowToVerify')}</summary>
        <p>{t('webhookVerifyText')}</p>
        <pre>{VERIFY_SNIPPET}</pre>
      </details>
    </div>
  );
}
