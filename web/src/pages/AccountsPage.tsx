import { useCallback, useEffect, useState } from 'react';
import { useServiceNow } from '../server-info';
import { MAX_ACCOUNT_LABEL } from '../../../src/shared/limits';
import { RETIRED_ACCOUNT_STATUSES, type AccountStatus } from '../../../src/shared/enums';
import { api, ApiError } from '../api/client';
import type { AccountJson } from '../api/types';
import { useI18n } from '../i18n';
import { ErrorNotice, StatusBadge } from '../components/ui';
import { ConnectAccount } from '../components/ConnectAccount';
import { FieldError, serverFieldErrors } from '../components/FieldError';
import { formatTime } from '../format';

/** A moment as the reader's clock shows it (03:00). */
const clockTime = (iso: string, lang: string) => new Date(iso).toLocaleTimeString(lang === 'ru' ? 'ru-RU' : 'en-GB', { hour: '2-digit', minute: '2-digit' });

/** Live countdown for a resting account. */
function Countdown({ until }: { until: string }) {
  // On the service's clock: the rest ends at its time, whatever this browser's clock says.
  const now = useServiceNow();
  const s = Math.max(0, Math.round((new Date(until).getTime() - now) / 1000));
  return (
    <span className="mono">
      {Math.floor(s / 3600)}:{String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:{String(s % 60).padStart(2, '0')}
    </span>
  );
}

/** One sender account: who it is, its state and today's use; check, rename, disable, remove. */
function AccountCard({ a, sandbox, reload, onError }: { a: AccountJson; sandbox: boolean; reload: () => Promise<void>; onError: (e: string | null) => void }) {
  const { t, lang } = useI18n();
  const [editing, setEditing] = useState(false);
  const [label, setLabel] = useState(a.label);
  const [checking, setChecking] = useState(false);
  const [checkResult, setCheckResult] = useState<string | null>(null);
  // The proxy form: what is typed, and the refusal said under it (the proxy is tried before it is kept).
  const [proxyEditing, setProxyEditing] = useState(false);
  const [proxy, setProxy] = useState('');
  const [proxyError, setProxyError] = useState<string | null>(null);
  const [proxyBusy, setProxyBusy] = useState(false);
  const retired = RETIRED_ACCOUNT_STATUSES.includes(a.status as AccountStatus);
  // Every group the account has invited into: today's count against the daily 15, and for good against the 200.
  const groups = [...new Set([...Object.keys(a.usage_today.invites_by_group), ...Object.keys(a.lifetime_by_group)])];

  async function act(fn: () => Promise<unknown>) {
    try {
      await fn();
      onError(null);
      await reload();
    } catch (err) {
      onError((err as Error).message);
    }
  }
  async function check() {
    setChecking(true);
    setCheckResult(null);
    try {
      const res = await api<{ ok: boolean; reason: string | null }>(`/api/v1/invite/accounts/${a.id}/check`, { method: 'POST' });
      // A failed check retires the account: its badge and reason on the card say so.
      setCheckResult(res.ok ? t('checkOk') : null);
      onError(null);
      await reload();
    } catch (err) {
      onError((err as Error).message);
    } finally {
      setChecking(false);
    }
  }
  function remove() {
    if (!window.confirm(t('confirmDeleteAccount', { name: a.label }))) return;
    void act(() => api(`/api/v1/invite/accounts/${a.id}`, { method: 'DELETE' }));
  }
  async function saveProxy(value: string | null) {
    setProxyBusy(true);
    setProxyError(null);
    try {
      await api(`/api/v1/invite/accounts/${a.id}`, { method: 'PATCH', json: { proxy: value } });
      setProxyEditing(false);
      setCheckResult(value ? t('proxySaved') : null);
      await reload();
    } catch (err) {
      const details = err instanceof ApiError ? (err.body as { details?: Array<{ field: string; message: string }> } | undefined)?.details : undefined;
      setProxyError(details?.find((d) => d.field === 'proxy')?.message ?? (err as Error).message);
    } finally {
      setProxyBusy(false);
    }
  }
  function saveLabel(e: React.FormEvent) {
    e.preventDefault();
    void act(async () => {
      await api(`/api/v1/invite/accounts/${a.id}`, { method: 'PATCH', json: { label } });
      setEditing(false);
    });
  }

  return (
    <article className={`card${retired ? ' card-retired' : ''}`} data-testid={`account-${a.id}`}>
      <div className="toolbar">
        {editing ? (
          <form className="inline-form" onSubmit={saveLabel}>
            <input aria-label={t('label')} value={label} maxLength={MAX_ACCOUNT_LABEL} required autoFocus onChange={(e) => setLabel(e.target.value)} />
            <button type="submit" className="primary">
              {t('save')}
            </button>
            <button
              type="button"
              onClick={() => {
                setEditing(false);
                setLabel(a.label);
              }}
            >
              {t('cancel')}
            </button>
          </form>
        ) : (
          <strong className="account-label">{a.label}</strong>
        )}
        <StatusBadge status={a.status} />
      </div>
      {(a.tg_username || (a.tg_name && a.tg_name !== a.label)) && (
        <div className="small" data-testid="account-identity">
          {a.tg_name && a.tg_name !== a.label && <span>{a.tg_name}</span>}
          {a.tg_username && <span className="muted"> @{a.tg_username}</span>}
        </div>
      )}
      {a.phone_masked && (
        <div className="muted small" data-testid="account-phone">
          {a.phone_masked}
        </div>
      )}
      {!sandbox && (
        <div className="muted small" data-testid="account-proxy">
          {a.proxy ? t('proxyLine', { proxy: a.proxy }) : t('proxyNone')}
        </div>
      )}
      {proxyEditing && (
        <form
          className="inline-form proxy-form"
          onSubmit={(e) => {
            e.preventDefault();
            void saveProxy(proxy);
          }}
        >
          <input
            aria-label={t('proxyEdit')}
            name="proxy"
            value={proxy}
            placeholder={t('proxyPlaceholder')}
            required
            autoFocus
            autoComplete="off"
            spellCheck={false}
            aria-invalid={!!proxyError}
            onChange={(e) => setProxy(e.target.value)}
          />
          <button type="submit" className="primary" disabled={proxyBusy}>
            {proxyBusy ? t('checking2') : t('save')}
          </button>
          {a.proxy && (
            <button type="button" disabled={proxyBusy} onClick={() => void saveProxy(null)}>
              {t('proxyRemove')}
            </button>
          )}
          <button
            type="button"
            onClick={() => {
              setProxyEditing(false);
              setProxyError(null);
            }}
          >
            {t('cancel')}
          </button>
        </form>
      )}
      {proxyError && (
        <div className="error-text small" role="alert" data-testid="proxy-error">
          {proxyError}
        </div>
      )}
      {a.status_reason && (
        <div className={`small${retired ? ' error-text' : ''}`} data-testid="account-reason">
          {a.status_reason}
        </div>
      )}
      {retired && !sandbox && <div className="muted small">{t('reconnectHint')}</div>}
      {a.rest_until && (
        <div className="small">
          {t('restUntil', { at: formatTime(a.rest_until, lang) })} · <Countdown until={a.rest_until} />
        </div>
      )}
      <div className="small" data-testid="today-usage">
        {t('todayUsage', {
          invites: a.usage_today.invites,
          invitesLimit: a.usage_today.invites_limit,
          messages: a.usage_today.messages,
          messagesLimit: a.usage_today.messages_limit,
        })}
      </div>
      {/* "Today" is the limits' day (UTC unless LIMITS_TIME_ZONE says otherwise): when it starts again, in the reader's time. */}
      <div className="muted small" data-testid="day-resets">
        {t('dayResetsAt', { at: clockTime(a.usage_today.resets_at, lang) })}
      </div>
      {groups.length > 0 && (
        <div className="small" data-testid="group-usage">
          <div>{t('usageByGroup')}</div>
          <ul className="group-usage">
            {groups.map((g) => {
              const ever = a.lifetime_by_group[g] ?? 0;
              const usedUp = ever >= a.group_lifetime_limit;
              return (
                <li key={g} className={usedUp ? 'bad-item' : ''}>
                  {a.group_titles?.[g] ?? g}:{' '}
                  {t('groupUsageLine', {
                    today: a.usage_today.invites_by_group[g] ?? 0,
                    dayLimit: a.usage_today.group_day_limit,
                    ever,
                    limit: a.group_lifetime_limit,
                  })}
                  {usedUp && <strong> — {t('groupLifetimeUsedUp')}</strong>}
                </li>
              );
            })}
          </ul>
        </div>
      )}
      {a.checked_at && <div className="muted small">{t('checkedAt', { at: formatTime(a.checked_at, lang) })}</div>}
      {checkResult && (
        <div className="small" role="status" data-testid="check-result">
          {checkResult}
        </div>
      )}
      <div className="account-actions">
        {!sandbox && (
          <button type="button" onClick={check} disabled={checking}>
            {checking ? t('checking2') : t('check')}
          </button>
        )}
        {!editing && (
          <button
            type="button"
            onClick={() => {
              setLabel(a.label);
              setEditing(true);
            }}
          >
            {t('rename')}
          </button>
        )}
        {!sandbox && !retired && !proxyEditing && (
          <button
            type="button"
            onClick={() => {
              // The password is not sent back: typed again with the rest.
              setProxy('');
              setProxyEditing(true);
            }}
          >
            {t('proxyEdit')}
          </button>
        )}
        {!retired && (
          <button
            type="button"
            onClick={() => act(() => api(`/api/v1/invite/accounts/${a.id}`, { method: 'PATCH', json: { enabled: a.status === 'DISABLED' } }))}
          >
            {a.status === 'DISABLED' ? t('enable') : t('disable')}
          </button>
        )}
        <button type="button" className="danger" onClick={remove}>
          {t('delete')}
        </button>
      </div>
    </article>
  );
}

const ADD_FIELDS = ['label', 'phone'] as const;

/**
 * Sandbox: a simulated account is created directly (admin of the demo groups). A refusal is said under its field and
 * stays with this form (it appeared at the top of the page, far from the phone field, and outlived the next action).
 */
function SandboxAddForm({ onAdded }: { onAdded: () => Promise<void> }) {
  const { t } = useI18n();
  const [label, setLabel] = useState('');
  const [phone, setPhone] = useState('');
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<(typeof ADD_FIELDS)[number], string>>>({});
  const [error, setError] = useState<string | null>(null);
  async function add(e: React.FormEvent) {
    e.preventDefault();
    setFieldErrors({});
    setError(null);
    try {
      await api('/api/v1/invite/accounts', { method: 'POST', json: { label, ...(phone ? { phone } : {}) } });
      setLabel('');
      setPhone('');
      await onAdded();
    } catch (err) {
      const { byField, rest } = err instanceof ApiError ? serverFieldErrors(err.body, ADD_FIELDS) : { byField: {}, rest: [] };
      setFieldErrors(byField);
      if (!Object.keys(byField).length || rest.length) setError(rest.length ? rest.join(' ') : (err as Error).message);
    }
  }
  return (
    <form className="form card" onSubmit={add} data-testid="sandbox-add-account">
      <h3>{t('addAccount')}</h3>
      <p className="muted small">{t('sandboxAccountHint')}</p>
      <label>
        {t('label')}
        <input
          name="label"
          required
          maxLength={MAX_ACCOUNT_LABEL}
          value={label}
          onChange={(e) => setLabel(e.target.value)}
          aria-invalid={!!fieldErrors.label}
        />
      </label>
      <FieldError field="label" text={fieldErrors.label} />
      <label>
        {t('phone')}
        <input
          name="phone"
          value={phone}
          onChange={(e) => {
            setPhone(e.target.value);
            setFieldErrors((f) => ({ ...f, phone: undefined }));
          }}
          placeholder={t('phonePlaceholder')}
          aria-invalid={!!fieldErrors.phone}
        />
      </label>
      <FieldError field="phone" text={fieldErrors.phone} />
      <ErrorNotice error={error} />
      <button type="submit" className="primary">
        {t('addAccount')}
      </button>
    </form>
  );
}

export function AccountsPage() {
  const { t, lang } = useI18n();
  const [data, setData] = useState<{ items: AccountJson[]; sandbox: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);

  // Not remounted on a language switch (a login under way would be abandoned): the list is fetched again instead.
  // biome-ignore lint/correctness/useExhaustiveDependencies: lang is a trigger (the server answers in it)
  const load = useCallback(async () => {
    try {
      setData(await api('/api/v1/invite/accounts'));
    } catch (e) {
      setError((e as Error).message);
    }
  }, [lang]);
  useEffect(() => {
    void load();
    const h = setInterval(load, 10_000);
    return () => clearInterval(h);
  }, [load]);

  return (
    <section>
      <h1>{t('accounts')}</h1>
      <ErrorNotice error={error} />
      {!data ? (
        <p className="muted">{t('loading')}</p>
      ) : data.items.length === 0 ? (
        <p className="muted">{t('noAccounts')}</p>
      ) : (
        <div className="account-grid">
          {data.items.map((a) => (
            <AccountCard key={a.id} a={a} sandbox={data.sandbox} reload={load} onError={setError} />
          ))}
        </div>
      )}
      {data && (data.sandbox ? <SandboxAddForm onAdded={load} /> : <ConnectAccount onConnected={() => void load()} />)}
    </section>
  );
}
