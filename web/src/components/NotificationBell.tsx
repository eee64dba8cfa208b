import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import type { AppNotification, NotificationPage, UnreadCount } from '../api/notification-types';
import { formatTime } from '../format';
import { useI18n } from '../i18n';
import { navigate } from '../router';
import './notifications.css';

/** The unread count is cheap (a partial index): polled this often, and whenever the tab comes back into view. */
const POLL_MS = 10_000;
const TOAST_MS = 12_000;

/**
 * The bell in the header: the unread count, a panel of notifications as sentences (with a link to the task),
 * mark read / mark all read, and a toast when a new one arrives while the page is open.
 */
export function NotificationBell() {
  const { t, lang } = useI18n();
  const [count, setCount] = useState<UnreadCount | null>(null);
  const [open, setOpen] = useState(false);
  const [page, setPage] = useState<NotificationPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [toast, setToast] = useState<AppNotification | null>(null);
  // The newest unread id already seen: a larger one is news (the first poll only sets it, it never toasts history).
  const seen = useRef<number | null | undefined>(undefined);
  const box = useRef<HTMLDivElement>(null);

  const loadList = useCallback(async () => {
    try {
      setPage(await api<NotificationPage>('/api/v1/invite/notifications?page_size=30'));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);

  const poll = useCallback(async () => {
    try {
      const c = await api<UnreadCount>('/api/v1/invite/notifications/unread-count');
      setCount(c);
      const newest = c.latest_unread_id;
      if (seen.current !== undefined && newest !== null && (seen.current === null || newest > seen.current) && c.latest) setToast(c.latest);
      seen.current = newest ?? (seen.current === undefined ? null : seen.current);
    } catch {
      /* signed out or offline: the next poll tries again */
    }
  }, []);

  useEffect(() => {
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    const onVisible = () => document.visibilityState === 'visible' && void poll();
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener('auth-changed', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener('auth-changed', onVisible);
    };
  }, [poll]);

  // Texts come from the server in the UI's language: switching language reloads them.
  // biome-ignore lint/correctness/useExhaustiveDependencies: lang is the reason to reload, not an input
  useEffect(() => {
    void poll();
    if (open) void loadList();
  }, [lang]);

  useEffect(() => {
    if (!toast) return;
    const timer = setTimeout(() => setToast(null), TOAST_MS);
    return () => clearTimeout(timer);
  }, [toast]);

  // Following a link (a task, the webhook settings) closes the panel.
  useEffect(() => {
    const close = () => setOpen(false);
    window.addEventListener('hashchange', close);
    return () => window.removeEventListener('hashchange', close);
  }, []);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const markRead = async (n: AppNotification) => {
    if (n.read) return;
    try {
      await api(`/api/v1/invite/notifications/${n.id}/read`, { method: 'POST' });
    } catch (e) {
      setError((e as Error).message);
    }
    // The item stays where it is, now read: reloading would move it down among the read ones under the reader's finger.
    setPage((p) => p && { ...p, items: p.items.map((x) => (x.id === n.id ? { ...x, read: true } : x)) });
    await poll();
  };

  const openTask = async (n: AppNotification) => {
    setOpen(false);
    setToast(null);
    if (n.task_id !== null) navigate(`/tasks/${n.task_id}`);
    else if (n.event === 'account_retired' || n.event === 'account_rested') navigate('/accounts');
    await markRead(n);
  };

  const markAll = async () => {
    try {
      await api('/api/v1/invite/notifications/read-all', { method: 'POST' });
    } catch (e) {
      setError((e as Error).message);
    }
    await Promise.all([poll(), loadList()]);
  };

  const unread = count?.unread ?? 0;
  return (
    <div className="notify" ref={box}>
      <button
        type="button"
        className="notify-bell"
        data-testid="notification-bell"
        aria-label={unread ? t('notifyBellUnread', { n: unread }) : t('notifyBell')}
        aria-expanded={open}
        onClick={() => {
          setOpen(!open);
          if (!open) void loadList();
        }}
      >
        <svg className="notify-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <path
            d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"
            fill="currentColor"
          />
        </svg>
        {unread > 0 && (
          <span className="notify-count" data-testid="notification-count">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && (
        <div className="notify-panel" role="dialog" aria-label={t('notifyTitle')} data-testid="notification-panel">
          <div className="notify-head">
            <strong>{t('notifyTitle')}</strong>
            <span className="notify-head-actions">
              {unread > 0 && (
                <button type="button" className="link-button" onClick={() => void markAll()}>
                  {t('notifyMarkAll')}
                </button>
              )}
              <a href="#/notifications/webhook">{t('notifyWebhookLink')}</a>
            </span>
          </div>
          {error && <div className="notice notice-error">{error}</div>}
          {!page ? (
            <p className="muted notify-empty">{t('loading')}</p>
          ) : page.items.length === 0 ? (
            <p className="muted notify-empty">{t('notifyEmpty')}</p>
          ) : (
            <ul className="notify-list">
              {page.items.map((n) => (
                <li key={n.id} className={`notify-item notify-${n.event}${n.read ? '' : ' notify-unread'}`} data-testid="notification-item" data-read={n.read}>
                  <div className="notify-text">{n.text}</div>
                  <div className="notify-meta">
                    <span className="muted">{formatTime(n.created_at, lang)}</span>
                    {(n.task_id !== null || n.event === 'account_retired' || n.event === 'account_rested') && (
                      <button type="button" className="link-button" onClick={() => void openTask(n)}>
                        {n.task_id !== null ? t('notifyOpenTask') : t('notifyOpenAccounts')}
                      </button>
                    )}
                    {!n.read && (
                      <button type="button" className="link-button" onClick={() => void markRead(n)}>
                        {t('notifyMarkRead')}
                      </button>
                    )}
                  </div>
                </li>
              ))}
            </ul>
          )}
          {page && page.total > page.items.length && <p className="muted notify-more">{t('notifyMore', { n: page.total - page.items.length })}</p>}
        </div>
      )}
      {toast && (
        <div className={`notify-toast notify-${toast.event}`} role="status" data-testid="notification-toast">
          <div className="notify-text">{toast.text}</div>
          <div className="notify-meta">
            {(toast.task_id !== null || toast.event === 'account_retired' || toast.event === 'account_rested') && (
              <button type="button" className="link-button" onClick={() => void openTask(toast)}>
                {toast.task_id !== null ? t('notifyOpenTask') : t('notifyOpenAccounts')}
              </button>
            )}
            <button type="button" className="link-button" aria-label={t('notifyDismiss')} onClick={() => setToast(null)}>
              {t('notifyDismiss')}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
