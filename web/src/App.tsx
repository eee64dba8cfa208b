import { useEffect, useState } from 'react';
import { api, auth, goToPlatformLogin, uiConfig } from './api/client';
import { useServerInfo } from './server-info';
import { useI18n } from './i18n';
import { useRoute } from './router';
import { LoginDialog } from './components/LoginDialog';
import { SandboxBanner } from './components/ui';
import { TasksPage } from './pages/TasksPage';
import { CreateTaskPage } from './pages/CreateTaskPage';
import { TaskDetailPage } from './pages/TaskDetailPage';
import { AccountsPage } from './pages/AccountsPage';
import { DashboardPage } from './pages/DashboardPage';
import { DoNotContactPage } from './pages/DoNotContactPage';
import { AuditPage } from './pages/AuditPage';
import { WebhookSettingsPage } from './pages/WebhookSettingsPage';
import { NotificationBell } from './components/NotificationBell';
import { useValidityInLanguage } from './form-validity';

export function App() {
  const { t, lang, setLang } = useI18n();
  const route = useRoute();
  const inPlatform = uiConfig.mode === 'platform';
  const [needLogin, setNeedLogin] = useState(!auth.token);
  const { sandbox, circuit } = useServerInfo();
  const [theme, setTheme] = useState(() => localStorage.getItem('theme') ?? (window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
  const [, setAuthVersion] = useState(0);
  useValidityInLanguage(t);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('theme', theme);
  }, [theme]);
  useEffect(() => {
    // Inside the platform an expired or refused session goes to the platform's sign-in page, never to our dialog.
    const onAuth = () => (inPlatform ? goToPlatformLogin() : setNeedLogin(true));
    const onChange = () => setAuthVersion((v) => v + 1);
    window.addEventListener('auth-required', onAuth);
    window.addEventListener('auth-changed', onChange);
    return () => {
      window.removeEventListener('auth-required', onAuth);
      window.removeEventListener('auth-changed', onChange);
    };
  }, [inPlatform]);

  const detail = /^\/tasks\/(\d+)$/.exec(route);
  // Keyed by auth state so pages reload their data after signing in, while the create form keeps its state.
  // The task list is keyed by language too: a switch remounts it, so everything the server wrote in the old language
  // (a task's why…) is fetched again. The other pages hold what a remount would throw away (what the user typed, a
  // Telegram login under way, the webhook's secret shown once): they fetch their server texts again on `lang`
  // themselves. The dashboard and do-not-contact have none (their words are all here).
  const page =
    route === '/tasks/new' ? (
      <CreateTaskPage />
    ) : detail ? (
      <TaskDetailPage id={Number(detail[1])} key={`${detail[1]}-${needLogin}`} />
    ) : route === '/accounts' ? (
      <AccountsPage key={String(needLogin)} />
    ) : route === '/dashboard' ? (
      <DashboardPage key={String(needLogin)} />
    ) : route === '/do-not-contact' ? (
      <DoNotContactPage key={String(needLogin)} />
    ) : route === '/notifications/webhook' ? (
      <WebhookSettingsPage key={String(needLogin)} />
    ) : route === '/audit' ? (
      <AuditPage key={String(needLogin)} />
    ) : (
      <TasksPage key={`${needLogin}-${lang}`} />
    );

  return (
    <div className="app">
      {sandbox && <SandboxBanner />}
      {circuit && (
        <div className="sandbox-banner circuit-banner" role="alert" data-testid="circuit-banner">
          {circuit.state === 'half_open'
            ? t('circuitProbing')
            : t('circuitOpen', { at: circuit.retry_at ? new Date(circuit.retry_at).toLocaleTimeString() : '—' })}
        </div>
      )}
      <header className="topbar">
        <a className="brand" href="#/tasks">
          {t('appName')}
        </a>
        <nav>
          <a href="#/tasks" className={route.startsWith('/tasks') && route !== '/tasks/new' ? 'active' : ''}>
            {t('tasks')}
          </a>
          <a href="#/tasks/new" className={route === '/tasks/new' ? 'active' : ''}>
            {t('newTask')}
          </a>
          <a href="#/accounts" className={route === '/accounts' ? 'active' : ''}>
            {t('accounts')}
          </a>
          <a href="#/dashboard" className={route === '/dashboard' ? 'active' : ''}>
            {t('dashboard')}
          </a>
          <a href="#/do-not-contact" className={route === '/do-not-contact' ? 'active' : ''}>
            {t('doNotContact')}
          </a>
          <a href="#/audit" className={route === '/audit' ? 'active' : ''}>
            {t('auditNav')}
          </a>
        </nav>
        <div className="prefs">
          {auth.token && <NotificationBell key={String(needLogin)} />}
          <select aria-label={t('language')} value={lang} onChange={(e) => setLang(e.target.value as 'ru' | 'en')}>
            <option value="ru">RU</option>
            <option value="en">EN</option>
          </select>
          <button type="button" aria-label={t('theme')} onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}>
            {theme === 'dark' ? '☀' : '☾'}
          </button>
          {auth.token && !inPlatform && (
            <button
              type="button"
              onClick={() => {
                auth.set(null);
                setNeedLogin(true);
              }}
            >
              {t('signOut')}
            </button>
          )}
        </div>
      </header>
      <main>{page}</main>
      {needLogin && !inPlatform && (
        <LoginDialog
          onDone={() => {
            setNeedLogin(false);
            void api('/api/v1/invite/accounts').catch(() => undefined);
          }}
        />
      )}
    </div>
  );
}
