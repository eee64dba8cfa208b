import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from '../api/client';
import { isFinished } from '../task-actions';
import { useI18n } from '../i18n';
import { countOf, formatDuration } from '../format';
import { ErrorNotice } from './ui';

/** One account as GET /tasks/:id/accounts answers it (src/tasks/task-accounts.ts), with its `why` (src/tasks/task-why.ts). */
interface PanelAccount {
  account_id: number;
  label: string;
  status: string;
  eligible: boolean;
  can_act_now: boolean;
  why: { code: string; text: string; until: string | null } | null;
  usage: {
    invites_today: number;
    invites_per_day: number;
    messages_today: number;
    messages_per_day: number;
    invites_today_in_group?: number;
    invites_per_group_day?: number;
    lifetime_in_group?: number;
    lifetime_per_group?: number;
  };
}
interface Panel {
  type: 'invite_to_group' | 'direct_message';
  eligible: number;
  can_act_now: number;
  /** The task's group as its accounts resolved it (null: a message task, or a group no account can find). */
  group: { key: string; title: string | null } | null;
  /** Invites into the group its eligible accounts may still make, ever (null: no group, or a message task). */
  group_lifetime_left: number | null;
  items: PanelAccount[];
}
interface TestResult {
  outcome: string;
  error_code: string | null;
  message: string | null;
  account: { id: number; label: string };
  target: { username: string | null };
}

const PANEL_REFRESH_MS = 10_000;

type PanelTask = {
  id: number;
  status: string;
  type: string;
  account_ids?: number[] | null;
  target_group?: string | null;
  counters: { done: number; pending: number; in_flight: number };
};

/** The task's accounts panel as the page holds it: read once per change and shared by every part of the page that needs it. */
export interface TaskAccountsState {
  panel: Panel | null;
  error: string | null;
  reload: () => Promise<void>;
}

/**
 * GET /tasks/:id/accounts for the task page, in one place: the accounts panel shows it and the add-people form warns from
 * its `group_lifetime_left`, so the page asks once instead of each part asking for itself. `task` is null until the page
 * has read the task.
 */
export function useTaskAccounts(task: PanelTask | null): TaskAccountsState {
  const { lang } = useI18n();
  const [panel, setPanel] = useState<Panel | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = task?.id;
  const status = task?.status;
  const done = task?.counters.done;
  const chosen = String(task?.account_ids ?? 'all');
  const group = task?.target_group;
  // biome-ignore lint/correctness/useExhaustiveDependencies: triggers: lang (the server answers in it), the status (it changes the waits), the task's progress (an action of this task used a limit and started a pause: shown at once, not up to 10 s later beside a page that already says so), the accounts chosen for it and its group (an edit: a task not started yet is checked against its group live)
  const reload = useCallback(async () => {
    if (id === undefined) return;
    try {
      setPanel(await api<Panel>(`/api/v1/invite/tasks/${id}/accounts`));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [id, status, done, chosen, group, lang]);
  useEffect(() => {
    void reload();
  }, [reload]);
  // While the task runs its accounts act (and other tasks' use counts against the same limits): the panel looks again
  // every 10 s, less often than the counters' 3 s because each look asks the Account Manager about every account.
  useEffect(() => {
    if (status !== 'IN_PROGRESS') return;
    const timer = setInterval(() => void reload(), PANEL_REFRESH_MS);
    return () => clearInterval(timer);
  }, [status, reload]);
  return { panel, error, reload };
}

/**
 * The task page's accounts: which of the user's accounts this task may use, how much of each limit each has
 * used (today, today in this group, in this group for good), whether it can act now or why not and until when;
 * and the test invite: one person, at once, through an account the Account Manager allows, its result in words.
 */
export function TaskAccounts({ task, accounts, onTested }: { task: PanelTask; accounts: TaskAccountsState; onTested?: () => void }) {
  const { t, lang, reason } = useI18n();
  const { panel, error, reload } = accounts;
  const [username, setUsername] = useState('');
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  async function testInvite(e: React.FormEvent) {
    e.preventDefault();
    if (!username.trim()) return;
    setTesting(true);
    setResult(null);
    try {
      const r = await api<TestResult>(`/api/v1/invite/tasks/${task.id}/test-invite`, { method: 'POST', json: { username: username.trim() } });
      const who = r.target.username ? `@${r.target.username}` : username.trim();
      const ok = r.outcome === 'INVITED' || r.outcome === 'SENT';
      setResult({
        ok,
        text: ok
          ? t(r.outcome === 'INVITED' ? 'testInvited' : 'testSent', { who, account: r.account.label })
          : t('testNotDone', { who, account: r.account.label, reason: reason(r.error_code, r.message) }),
      });
      onTested?.();
    } catch (err) {
      const details = err instanceof ApiError ? (err.body as { details?: { wait_for_seconds?: number | null } } | undefined)?.details : undefined;
      const wait = err instanceof ApiError && err.code === 'NO_ACCOUNT_AVAILABLE_NOW' ? details?.wait_for_seconds : undefined;
      setResult({
        ok: false,
        // A duration, not a clock time: the server's clock is the one that counts (a sped-up sandbox runs ahead).
        text: wait ? t('testNoAccountIn', { in: formatDuration(wait, lang).replace(/^~/, '') }) : (err as Error).message,
      });
    } finally {
      setTesting(false);
      void reload();
    }
  }

  const invite = task.type === 'invite_to_group';
  const waiting = task.counters.pending + task.counters.in_flight;
  return (
    <div className="card" data-testid="task-accounts">
      <h3>{t('taskAccountsTitle')}</h3>
      <ErrorNotice error={error} />
      {panel && (
        <>
          <p className="muted small" data-testid="task-accounts-summary">
            {t('taskAccountsSummary', { total: panel.items.length, eligible: panel.eligible, now: panel.can_act_now })}
          </p>
          {/* Each account may invite into a group 200 times for good: more people waiting than that can never all be
              invited, however long the task runs — said here, not left to a weeks-long ETA and a failed ending. With no
              account able to serve the task at all, the task's why says that instead. */}
          {invite && !isFinished(task.status) && panel.eligible > 0 && panel.group_lifetime_left !== null && waiting > panel.group_lifetime_left && (
            <p className="notice notice-warn small" data-testid="group-capacity-short">
              {t(task.account_ids ? 'groupCapacityShortChosen' : 'groupCapacityShort', {
                left: countOf(panel.group_lifetime_left, t('people'), lang),
                waiting: countOf(waiting, t('people'), lang),
              })}
            </p>
          )}
          {panel.items.length === 0 ? (
            <p className="muted">{t('taskAccountsNone')}</p>
          ) : (
            <ul className="account-usage">
              {panel.items.map((a) => (
                <li key={a.account_id} data-testid={`task-account-${a.account_id}`} className={a.can_act_now ? 'ok-item' : a.eligible ? '' : 'bad-item'}>
                  <strong>{a.label}</strong>{' '}
                  <span className={`small ${a.can_act_now ? '' : 'muted'}`} data-testid="task-account-state">
                    {a.can_act_now ? t('canActNow') : (a.why?.text ?? '')}
                  </span>
                  <div className="small muted" data-testid="task-account-usage">
                    {invite ? (
                      <>
                        {t('usageToday', { n: a.usage.invites_today, max: a.usage.invites_per_day })}
                        {a.usage.invites_per_group_day !== undefined &&
                          ` · ${t('usageGroupToday', { n: a.usage.invites_today_in_group ?? 0, max: a.usage.invites_per_group_day })}`}
                        {a.usage.lifetime_per_group !== undefined &&
                          ` · ${t('usageGroupLifetime', { n: a.usage.lifetime_in_group ?? 0, max: a.usage.lifetime_per_group })}`}
                      </>
                    ) : (
                      t('usageMessagesToday', { n: a.usage.messages_today, max: a.usage.messages_per_day })
                    )}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      {/* A test needs an account that may work on the task, and for an invite a group the accounts can see: not offered
          while the task's group cannot be found or none of the accounts may work on it (the why and the list say why). */}
      {!isFinished(task.status) && !(panel && (panel.eligible === 0 || (invite && !panel.group))) && (
        <form className="test-invite" onSubmit={testInvite}>
          <label htmlFor="test-username" className="small">
            {invite ? t('testInviteHint') : t('testMessageHint')}
          </label>
          <div className="row">
            <input id="test-username" name="test_username" placeholder="@username" value={username} onChange={(e) => setUsername(e.target.value)} />
            <button type="submit" disabled={testing || !username.trim()} data-testid="test-invite">
              {testing ? t(invite ? 'testInviteRunning' : 'testMessageRunning') : t(invite ? 'testInvite' : 'testMessage')}
            </button>
          </div>
        </form>
      )}
      {result && (
        <div className={`notice ${result.ok ? 'notice-ok' : 'notice-warn'}`} role="status" data-testid="test-invite-result">
          {result.text}
        </div>
      )}
    </div>
  );
}
