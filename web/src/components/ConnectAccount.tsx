import { useCallback, useEffect, useRef, useState } from 'react';
import { MAX_ACCOUNT_LABEL } from '../../../src/shared/limits';
import { api, ApiError } from '../api/client';
import type { AccountJson } from '../api/types';
import { useI18n, type T } from '../i18n';

type Field = 'phone' | 'code' | 'password' | 'proxy';

interface Attempt {
  attempt_id: string;
  method: 'phone' | 'qr';
  state: string;
  expires_at: string;
  phone_masked: string | null;
  code_type?: string | null;
  hint?: string | null;
  qr_url?: string;
  qr_svg?: string;
  qr_expires_in?: number;
  reconnected?: boolean;
  account?: AccountJson;
}

const LOGIN = '/api/v1/invite/accounts/login';

function waitText(seconds: number, lang: string) {
  if (seconds >= 3600) return lang === 'ru' ? `${Math.ceil(seconds / 3600)} ч` : `${Math.ceil(seconds / 3600)} h`;
  if (seconds >= 60) return lang === 'ru' ? `${Math.ceil(seconds / 60)} мин` : `${Math.ceil(seconds / 60)} min`;
  return lang === 'ru' ? `${seconds} с` : `${seconds} s`;
}

/** The server's error code in the reader's language (its own sentence when the code is not known here). */
function describe(err: unknown, t: T, lang: string): { field: Field | null; text: string } {
  if (!(err instanceof ApiError)) return { field: null, text: (err as Error).message };
  const body = (err.body ?? {}) as { field?: Field | null; retry_after?: number };
  const key = `err_${err.code}`;
  const text = t(key as never, { wait: waitText(body.retry_after ?? 0, lang) });
  return { field: body.field ?? null, text: text === key ? err.message : text };
}

function FieldError({ error, field }: { error: { field: Field | null; text: string } | null; field: Field | null }) {
  if (!error || error.field !== field) return null;
  return (
    <div className="error-text small" role="alert" data-testid={`error-${field ?? 'form'}`}>
      {error.text}
    </div>
  );
}

/** The two-step verification password, asked after a code or a QR scan when the account has one. */
function PasswordStep(props: { id: string; value: string; onChange: (v: string) => void; disabled?: boolean; invalid: boolean; hint?: string | null }) {
  const { t } = useI18n();
  return (
    <>
      <div className="small">{t('passwordNeeded')}</div>
      <label>
        {t('password2fa')}
        <input
          id={props.id}
          name="password"
          type="password"
          autoComplete="current-password"
          required
          autoFocus
          value={props.value}
          disabled={props.disabled}
          onChange={(e) => props.onChange(e.target.value)}
          aria-invalid={props.invalid}
        />
      </label>
      {props.hint && <div className="muted small">{t('passwordHint', { hint: props.hint })}</div>}
    </>
  );
}

/** The proxy typed above the tabs, as a request's `proxy` (absent when empty). */
const withProxy = (proxy: string) => (proxy.trim() ? { proxy: proxy.trim() } : {});

/** Phone → code → (2FA password); what was typed stays when Telegram refuses a step. */
function PhoneLogin({ onDone, proxy }: { onDone: (a: Attempt) => void; proxy: string }) {
  const { t, lang } = useI18n();
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [attempt, setAttempt] = useState<Attempt | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ field: Field | null; text: string } | null>(null);
  const step: Field = attempt?.state === 'password_needed' ? 'password' : attempt?.state === 'code_sent' ? 'code' : 'phone';

  async function run(fn: () => Promise<Attempt>) {
    setBusy(true);
    setError(null);
    try {
      const res = await fn();
      if (res.state === 'done') {
        setAttempt(null);
        setPhone('');
        setCode('');
        setPassword('');
        onDone(res);
      } else setAttempt(res);
    } catch (err) {
      const e = describe(err, t, lang);
      setError(e);
      // The attempt is over (expired code, refused number, expired login): back to the phone, keeping it.
      if (err instanceof ApiError && ['PHONE_CODE_EXPIRED', 'LOGIN_EXPIRED', 'PHONE_NUMBER_UNOCCUPIED', 'ACCOUNT_OWNED_ELSEWHERE'].includes(err.code)) {
        setAttempt(null);
        setCode('');
        setPassword('');
        setError({ ...e, field: 'phone' });
      }
    } finally {
      setBusy(false);
    }
  }

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (step === 'phone') void run(() => api<Attempt>(`${LOGIN}/phone`, { method: 'POST', json: { phone, ...withProxy(proxy) } }));
    else if (step === 'code') void run(() => api<Attempt>(`${LOGIN}/${attempt!.attempt_id}/code`, { method: 'POST', json: { code } }));
    else void run(() => api<Attempt>(`${LOGIN}/${attempt!.attempt_id}/password`, { method: 'POST', json: { password } }));
  };

  function changePhone() {
    if (attempt) void api(`${LOGIN}/${attempt.attempt_id}`, { method: 'DELETE' }).catch(() => undefined);
    setAttempt(null);
    setCode('');
    setPassword('');
    setError(null);
  }

  const sentKey = `codeSent_${['app', 'sms', 'call'].includes(attempt?.code_type ?? '') ? attempt!.code_type : 'other'}`;
  return (
    <form className="form connect-form" onSubmit={submit} data-testid="connect-phone">
      <label>
        {t('phoneNumber')}
        <input
          id="connect-phone"
          name="phone"
          type="tel"
          inputMode="tel"
          autoComplete="tel"
          required
          value={phone}
          disabled={step !== 'phone' || busy}
          placeholder={t('phonePlaceholder')}
          onChange={(e) => setPhone(e.target.value)}
          aria-invalid={error?.field === 'phone'}
        />
      </label>
      {step === 'phone' && <div className="muted small">{t('phoneHint')}</div>}
      <FieldError error={error} field="phone" />
      {step !== 'phone' && (
        <div className="small muted">
          {step === 'code' && <>{t(sentKey as never, { phone: attempt?.phone_masked ?? phone })} </>}
          <button type="button" className="link" onClick={changePhone}>
            {t('changePhone')}
          </button>
        </div>
      )}
      {step === 'code' && (
        <label>
          {t('loginCode')}
          <input
            id="connect-code"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            autoFocus
            value={code}
            disabled={busy}
            onChange={(e) => setCode(e.target.value)}
            aria-invalid={error?.field === 'code'}
          />
        </label>
      )}
      <FieldError error={error} field="code" />
      {step === 'password' && (
        <PasswordStep
          id="connect-password"
          value={password}
          onChange={setPassword}
          disabled={busy}
          invalid={error?.field === 'password'}
          hint={attempt?.hint}
        />
      )}
      <FieldError error={error} field="password" />
      <FieldError error={error} field="proxy" />
      <FieldError error={error} field={null} />
      <div className="toolbar-start">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('connecting') : step === 'phone' ? t('sendCode') : step === 'code' ? t('signInBtn') : t('confirm')}
        </button>
        {step === 'code' && (
          <button
            type="button"
            disabled={busy}
            onClick={() => {
              setCode('');
              void run(() => api<Attempt>(`${LOGIN}/phone`, { method: 'POST', json: { phone, ...withProxy(proxy) } }));
            }}
          >
            {t('resendCode')}
          </button>
        )}
      </div>
    </form>
  );
}

/** A QR code that refreshes itself while Telegram's login token lives; polled until scanned. */
function QrLogin({ onDone, proxy }: { onDone: (a: Attempt) => void; proxy: string }) {
  const { t, lang } = useI18n();
  const [attempt, setAttempt] = useState<Attempt | null>(null);
  const [error, setError] = useState<{ field: Field | null; text: string } | null>(null);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [deadline, setDeadline] = useState(0);
  const [now, setNow] = useState(Date.now());
  const current = useRef<Attempt | null>(null);

  const accept = useCallback(
    (res: Attempt) => {
      current.current = res.state === 'done' ? null : res;
      if (res.state === 'done') {
        setAttempt(res);
        onDone(res);
        return;
      }
      setAttempt((prev) => {
        if (res.qr_expires_in !== undefined && res.qr_url !== prev?.qr_url) setDeadline(Date.now() + res.qr_expires_in * 1000);
        return res;
      });
    },
    [onDone],
  );

  const start = useCallback(async () => {
    setError(null);
    setPassword('');
    try {
      accept(await api<Attempt>(`${LOGIN}/qr`, { method: 'POST', json: withProxy(proxy) }));
    } catch (err) {
      setError(describe(err, t, lang));
    }
  }, [accept, t, lang, proxy]);

  // Once per opened QR tab: a language switch (which changes `start`) must not begin a new login.
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above
  useEffect(() => {
    void start();
    return () => {
      // Leaving the tab abandons the login (its client on the server is let go).
      const a = current.current;
      if (a) void api(`${LOGIN}/${a.attempt_id}`, { method: 'DELETE' }).catch(() => undefined);
    };
  }, []);

  useEffect(() => {
    if (attempt?.state !== 'qr') return;
    const h = setInterval(async () => {
      try {
        accept(await api<Attempt>(`${LOGIN}/${attempt.attempt_id}`));
      } catch (err) {
        setError(describe(err, t, lang));
      }
    }, 2000);
    return () => clearInterval(h);
  }, [attempt?.state, attempt?.attempt_id, accept, t, lang]);

  useEffect(() => {
    const h = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(h);
  }, []);

  async function submitPassword(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      accept(await api<Attempt>(`${LOGIN}/${attempt!.attempt_id}/password`, { method: 'POST', json: { password } }));
    } catch (err) {
      setError(describe(err, t, lang));
    } finally {
      setBusy(false);
    }
  }

  if (attempt?.state === 'password_needed') {
    return (
      <form className="form connect-form" onSubmit={submitPassword} data-testid="connect-qr-password">
        <PasswordStep id="connect-qr-password" value={password} onChange={setPassword} invalid={error?.field === 'password'} hint={attempt.hint} />
        <FieldError error={error} field="password" />
        <FieldError error={error} field={null} />
        <div className="toolbar-start">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('connecting') : t('confirm')}
          </button>
        </div>
      </form>
    );
  }
  const finished = attempt?.state === 'done';
  const over = attempt && attempt.state !== 'qr' && !finished;
  const left = Math.max(0, Math.round((deadline - now) / 1000));
  return (
    <div className="qr-login" data-testid="connect-qr">
      {attempt?.qr_svg && !over && <img className="qr-image" src={attempt.qr_svg} alt={t('qrAlt')} width={220} height={220} data-testid="qr-image" />}
      <div className="qr-side">
        <p className="small">{t('qrInstructions')}</p>
        {attempt?.state === 'qr' && (
          <p className="muted small">
            {t('qrWaiting')} {t('qrRefreshIn', { s: left })}
          </p>
        )}
        {over && <p className="small">{t('qrExpired')}</p>}
        <FieldError error={error} field={null} />
        <FieldError error={error} field="password" />
        <FieldError error={error} field="proxy" />
        {(over || error || finished) && (
          <button type="button" onClick={() => void start()}>
            {t('qrNew')}
          </button>
        )}
      </div>
    </div>
  );
}

/**
 * The advanced path: paste a GramJS StringSession. The server asks Telegram who it is before keeping it, so the card
 * shows who it is, and an account already connected is refreshed rather than added twice.
 */
function SessionForm({ onAdded, proxy }: { onAdded: (account: AccountJson & { reconnected?: boolean }) => void; proxy: string }) {
  const { t } = useI18n();
  const [label, setLabel] = useState('');
  const [session, setSession] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function add(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const account = await api<AccountJson & { reconnected?: boolean }>('/api/v1/invite/accounts', {
        method: 'POST',
        json: { label, session_string: session, ...withProxy(proxy) },
      });
      setLabel('');
      setSession('');
      onAdded(account);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="form connect-form" onSubmit={add} data-testid="connect-session">
      <p className="muted small">{t('sessionHint')}</p>
      <label>
        {t('label')}
        <input name="label" required maxLength={MAX_ACCOUNT_LABEL} value={label} onChange={(e) => setLabel(e.target.value)} />
      </label>
      <label>
        {t('sessionString')}
        <textarea name="session" required rows={3} value={session} onChange={(e) => setSession(e.target.value)} autoComplete="off" spellCheck={false} />
      </label>
      {error && (
        <div className="error-text small" role="alert">
          {error}
        </div>
      )}
      <div className="toolbar-start">
        <button type="submit" className="primary" disabled={busy}>
          {t('addBySession')}
        </button>
      </div>
    </form>
  );
}

/** "Connect an account" in telegram mode: by phone, by QR code, or (advanced) by StringSession. */
export function ConnectAccount({ onConnected }: { onConnected: () => void }) {
  const { t } = useI18n();
  const [tab, setTab] = useState<'phone' | 'qr' | 'session'>('phone');
  const [notice, setNotice] = useState<string | null>(null);
  const [proxy, setProxy] = useState('');
  const done = useCallback(
    (a: Pick<Attempt, 'account' | 'reconnected'>) => {
      const name = a.account ? (a.account.tg_name ?? a.account.label) : '';
      setNotice(t(a.reconnected ? 'reconnected' : 'connected', { name }));
      onConnected();
    },
    [onConnected, t],
  );
  const tabs: Array<['phone' | 'qr' | 'session', string]> = [
    ['phone', t('byPhone')],
    ['qr', t('byQr')],
    ['session', t('bySession')],
  ];
  return (
    <section className="card connect-card" data-testid="connect-account">
      <h3>{t('connectAccount')}</h3>
      <div className="tabs" role="tablist">
        {tabs.map(([key, label]) => (
          <button
            key={key}
            type="button"
            role="tab"
            aria-selected={tab === key}
            className={tab === key ? 'tab active' : 'tab'}
            onClick={() => {
              setTab(key);
              setNotice(null);
            }}
          >
            {label}
          </button>
        ))}
      </div>
      {notice && (
        <div className="notice notice-ok" role="status" data-testid="connect-notice">
          {notice}
        </div>
      )}
      {/* Above the tabs: the login, and then the account's work, go through it (a QR login takes it when its tab opens). */}
      <div className="form connect-form">
        <label>
          {t('proxyOptional')}
          <input
            name="proxy"
            data-testid="connect-proxy"
            value={proxy}
            placeholder={t('proxyPlaceholder')}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setProxy(e.target.value)}
          />
        </label>
        <div className="muted small">{t('proxyHint')}</div>
      </div>
      {tab === 'phone' && <PhoneLogin onDone={done} proxy={proxy} />}
      {tab === 'qr' && <QrLogin onDone={done} proxy={proxy} />}
      {tab === 'session' && <SessionForm onAdded={(account) => done({ account, reconnected: account.reconnected })} proxy={proxy} />}
    </section>
  );
}
