import { useCallback, useEffect, useState } from 'react';
import { api } from '../api/client';
import type { AccountJson } from '../api/types';
import { useI18n } from '../i18n';
import { ErrorNotice, StatusBadge } from '../components/ui';
import { formatTime } from '../format';

/** Live countdown for a resting account. */
function Countdown({ until }: { until: string }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => { const h = setInterval(() => setNow(Date.now()), 1000); return () => clearInterval(h); }, []);
  const s = Math.max(0, Math.round((new Date(until).getTime() - now) / 1000));
  return <span className="mono">{Math.floor(s / 3600)}:{String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:{String(s % 60).padStart(2, '0')}</span>;
}

export function AccountsPage() {
  const { t, lang } = useI18n();
  const [data, setData] = useState<{ items: AccountJson[]; sandbox: boolean } | null>(null);
  const [label, setLabel] = useState('');
  const [session, setSession] = useState('');
  const [phone, setPhone] = useState('');
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try { setData(await api('/api/v1/invite/accounts')); } catch (e) { setError((e as Error).message); }
  }, []);
  useEffect(() => { void load(); const h = setInterval(load, 10_000); return () => clearInterval(h); }, [load]);

  async function add(e: React.FormEvent) {
    e.preventDefault();
    try {
      await api('/api/v1/invite/accounts', { method: 'POST', json: { label, ...(phone ? { phone } : {}), ...(data?.sandbox ? {} : { session_string: session }) } });
      setLabel(''); setSession(''); setPhone(''); setError(null);
      await load();
    } catch (err) { setError((err as Error).message); }
  }

  async function toggle(a: AccountJson) {
    try { await api(`/api/v1/invite/accounts/${a.id}`, { method: 'PATCH', json: { enabled: a.status === 'DISABLED' } }); await load(); }
    catch (err) { setError((err as Error).message); }
  }

  return (
    <section>
      <h1>{t('accounts')}</h1>
      <ErrorNotice error={error} />
      {!data ? <p className="muted">{t('loading')}</p> : data.items.length === 0 ? <p className="muted">{t('noAccounts')}</p> : (
        <div className="account-grid">
          {data.items.map((a) => (
            <article className="card" key={a.id} data-testid={`account-${a.id}`}>
              <div className="toolbar"><strong>{a.label}</strong><StatusBadge status={a.status} /></div>
              {a.phone_masked && <div className="muted small">{a.phone_masked}</div>}
              {a.status_reason && <div className="small">{a.status_reason}</div>}
              {a.rest_until && <div className="small">{t('restUntil', { at: formatTime(a.rest_until, lang) })} · <Countdown until={a.rest_until} /></div>}
              <div className="small">{t('todayUsage')}: {a.usage_today.invites}/{a.usage_today.invites_limit} · {a.usage_today.messages}/{a.usage_today.messages_limit}</div>
              {Object.keys(a.lifetime_by_group).length > 0 && (
                <div className="small">{t('lifetimePerGroup')}: {Object.entries(a.lifetime_by_group).map(([g, n]) => `${g}: ${n}/${a.group_lifetime_limit}`).join(', ')}</div>
              )}
              {!['BANNED', 'DEAUTHORIZED'].includes(a.status) && <button onClick={() => toggle(a)}>{a.status === 'DISABLED' ? t('enable') : t('disable')}</button>}
            </article>
          ))}
        </div>
      )}
      <form className="form card" onSubmit={add}>
        <h3>{t('addAccount')}</h3>
        {data?.sandbox && <p className="muted small">{t('sandboxAccountHint')}</p>}
        <label>{t('label')}<input name="label" required value={label} onChange={(e) => setLabel(e.target.value)} /></label>
        {!data?.sandbox && <label>{t('sessionString')}<textarea name="session" required rows={3} value={session} onChange={(e) => setSession(e.target.value)} autoComplete="off" /></label>}
        <label>{t('phone')}<input name="phone" value={phone} onChange={(e) => setPhone(e.target.value)} placeholder="+14155550123" /></label>
        <button type="submit" className="primary">{t('addAccount')}</button>
      </form>
    </section>
  );
}
