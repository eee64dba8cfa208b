import { useCallback, useEffect, useState } from 'react';
import { REFUSAL_CODES, isRetryable } from '../../../src/hygiene/retryable';
import { api, ApiError } from '../api/client';
import { ACTIVE_TASK_STATUSES, TARGET_STATUSES, type LogItem, type Page, type TargetJson, type TaskJson, type TaskStats } from '../api/types';
import { useI18n } from '../i18n';
import { ErrorNotice, ProgressBar, StatusBadge } from '../components/ui';
import { TaskChart } from '../components/TaskChart';
import { TaskResults } from '../components/TaskResults';
import { ReportButton } from '../components/ReportButton';
import { countOf, formatDuration, formatTime } from '../format';
import { actionsFor } from '../task-actions';
import { Pager } from '../components/Pager';
import { TaskJobs } from '../components/TaskJobs';
import { TaskAddAudience } from '../components/TaskAddAudience';
import { TaskWhy } from '../components/TaskWhy';
import { TaskAccounts, useTaskAccounts } from '../components/TaskAccounts';
import { TaskMissing } from '../components/TaskMissing';
import { TaskPageActions } from '../components/TaskPageActions';
import { TaskEditForm } from '../components/TaskEditForm';
import { navigate } from '../router';
import { errorText } from '../error-text';

/** Refusals that "add those who refused to Do not contact" takes (the server's default set). */
const RETRY_NOTE_KEY = 'invite-orchestrator.retry-note';

const ACTIVE: readonly string[] = ACTIVE_TASK_STATUSES;

export function TaskDetailPage({ id }: { id: number }) {
  const { t, lang, reason } = useI18n();
  const [task, setTask] = useState<TaskJson | null>(null);
  const [stats, setStats] = useState<TaskStats | null>(null);
  const [logs, setLogs] = useState<LogItem[]>([]);
  const [targets, setTargets] = useState<Page<TargetJson> | null>(null);
  const [targetStatus, setTargetStatus] = useState('');
  const [targetPage, setTargetPage] = useState(1);
  // The recipients' search as typed, and as asked (a quarter-second after the typing stops).
  const [targetSearch, setTargetSearch] = useState('');
  const [targetQuery, setTargetQuery] = useState('');
  useEffect(() => {
    const h = setTimeout(() => setTargetQuery(targetSearch.trim()), 250);
    return () => clearTimeout(h);
  }, [targetSearch]);
  const [error, setError] = useState<string | null>(null);
  /** 404: deleted, a wrong address, or another user's task. */
  const [missing, setMissing] = useState(false);
  const [editing, setEditing] = useState(false);
  const [chartUnit, setChartUnit] = useState<'hour' | 'day'>('hour');
  const [jobsKey, setJobsKey] = useState(0);
  // "Retry failed" leaves a note for the new task's page: how many were carried over and left out.
  const [note, setNote] = useState<string | null>(() => {
    const saved = sessionStorage.getItem(RETRY_NOTE_KEY);
    if (!saved) return null;
    const parsed = JSON.parse(saved) as { id: number; text: string };
    return parsed.id === id ? parsed.text : null;
  });
  useEffect(() => {
    if (note) sessionStorage.removeItem(RETRY_NOTE_KEY);
  }, [note]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: lang is a trigger (the server writes the why and the reasons' summaries in it)
  const loadAll = useCallback(async () => {
    try {
      const [tk, st, lg] = await Promise.all([
        api<TaskJson>(`/api/v1/invite/tasks/${id}`),
        api<TaskStats>(`/api/v1/invite/tasks/${id}/stats`),
        api<Page<LogItem>>(`/api/v1/invite/tasks/${id}/logs?page_size=30`),
      ]);
      setTask(tk);
      setStats(st);
      setLogs(lg.items);
      setError(null);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setMissing(true);
      setError((e as Error).message);
    }
  }, [id, lang]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: lang is a trigger (the server writes the skip reasons in it)
  const loadTargets = useCallback(async () => {
    const q = new URLSearchParams({ page: String(targetPage), page_size: '25' });
    if (targetStatus) q.set('status', targetStatus);
    if (targetQuery) q.set('search', targetQuery);
    try {
      setTargets(await api<Page<TargetJson>>(`/api/v1/invite/tasks/${id}/targets?${q}`));
    } catch (e) {
      setError((e as Error).message);
    }
  }, [id, targetPage, targetStatus, targetQuery, lang]);

  useEffect(() => {
    void loadAll();
  }, [loadAll]);
  useEffect(() => {
    void loadTargets();
  }, [loadTargets]);

  // While the task runs, refresh counters, feed and stats in place every 3 s.
  useEffect(() => {
    if (!task || !ACTIVE.includes(task.status)) return;
    const timer = setInterval(() => {
      void loadAll();
      void loadTargets();
    }, 3000);
    return () => clearInterval(timer);
  }, [task, loadAll, loadTargets]);

  async function control(action: 'start' | 'pause' | 'resume' | 'cancel') {
    // A control can queue or cancel a scheduled start: the jobs card looks again too.
    try {
      setTask(await api<TaskJson>(`/api/v1/invite/tasks/${id}/${action}`, { method: 'POST' }));
      setError(null);
      void loadAll();
      setJobsKey((k) => k + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  async function retryFailed() {
    try {
      const res = await api<TaskJson & { carried_over: number; left_out: number }>(`/api/v1/invite/tasks/${id}/retry-failed`, {
        method: 'POST',
        json: { lang },
      });
      sessionStorage.setItem(RETRY_NOTE_KEY, JSON.stringify({ id: res.id, text: t('retryDone', { id, carried: res.carried_over, left: res.left_out }) }));
      navigate(`/tasks/${res.id}`);
    } catch (e) {
      setError(errorText(e, t));
    }
  }

  async function addRefusersToDnc() {
    try {
      const res = await api<{ added: number; already: number }>('/api/v1/invite/do-not-contact/from-task', { method: 'POST', json: { task_id: id } });
      setNote(t('refusersAdded', { added: res.added, already: res.already }));
      setError(null);
    } catch (e) {
      setError(errorText(e, t));
    }
  }

  const refreshAfterImport = useCallback(() => {
    void loadAll();
    void loadTargets();
  }, [loadAll, loadTargets]);
  // Read once for the page: the accounts panel shows it, the add-people form warns from its group capacity.
  const accounts = useTaskAccounts(task);

  if (missing) return <TaskMissing id={id} />;
  if (!task)
    return (
      <section>
        <ErrorNotice error={error} />
        {!error && <p className="muted">{t('loading')}</p>}
      </section>
    );
  const c = task.counters;
  // An old task whose execution logs were deleted (LOG_RETENTION_DAYS): said instead of "no actions yet".
  const historyGone = stats?.history_deleted ? t('historyDeleted', { days: stats.history_days }) : null;
  const notes = (task.settings as { notes?: string } | null)?.notes?.trim();
  // Offered only when some failure is worth another try, by the server's own rule (it answered 409 «nothing to retry»).
  const retryable =
    (stats?.failed_by_reason.filter((r) => isRetryable('FAILED', r.code)).reduce((n, r) => n + r.count, 0) ?? 0) +
    (stats?.skipped_by_reason.filter((r) => isRetryable('SKIPPED', r.code)).reduce((n, r) => n + r.count, 0) ?? 0);
  const refusals =
    stats?.skipped_by_reason
      .concat(stats.failed_by_reason)
      .filter((r) => r.code && (REFUSAL_CODES as readonly string[]).includes(r.code))
      .reduce((n, r) => n + r.count, 0) ?? 0;

  return (
    <section>
      <div className="toolbar">
        <div>
          <h1>{task.name}</h1>
          <div className="muted small" data-testid="task-subtitle">
            {[t(task.type as never), task.target_group_title ?? task.target_group, t(task.priority as never)].filter(Boolean).join(' · ')}
          </div>
          {notes && (
            <div className="muted small task-notes" data-testid="task-notes">
              {notes}
            </div>
          )}
        </div>
        <div className="task-actions">
          <StatusBadge status={task.status} />
          {actionsFor(task.status).map((a) => (
            <button type="button" key={a} onClick={() => control(a)}>
              {t(a)}
            </button>
          ))}
          {retryable > 0 && (
            <button type="button" onClick={retryFailed} data-testid="retry-failed">
              {t('retryFailed')}
            </button>
          )}
          {refusals > 0 && (
            <button type="button" onClick={addRefusersToDnc} data-testid="refusers-to-dnc">
              {t('addRefusersToDnc')}
            </button>
          )}
          <button
            type="button"
            onClick={() => {
              setEditing((v) => !v);
              setNote(null);
            }}
            aria-expanded={editing}
            data-testid="task-edit"
          >
            {t('edit')}
          </button>
          <TaskPageActions task={task} onError={setError} />
        </div>
      </div>
      {editing && (
        <TaskEditForm
          task={task}
          onClose={() => setEditing(false)}
          onMovedOn={() => void loadAll()}
          onSaved={(updated) => {
            setEditing(false);
            setTask(updated);
            setNote(t('editSaved'));
            void loadAll();
          }}
        />
      )}
      {note && (
        <div className="notice" role="status" data-testid="task-note">
          {note}
        </div>
      )}
      <TaskWhy task={task} />
      <ErrorNotice error={error} />
      <ProgressBar counters={c} />
      <TaskResults task={task} />
      {/* Not before the start: a scheduled task's time left would be counted from now, not from its start. */}
      {stats && task.status === 'IN_PROGRESS' && (
        <p className="muted small">
          {t('eta')}: {formatDuration(stats.eta_seconds, lang)}
        </p>
      )}
      <div className="stat-grid" data-testid="counters">
        {(
          [
            ['total', c.total],
            ['pending', c.pending + c.in_flight],
            [task.type === 'invite_to_group' ? 'invited' : 'sent', task.type === 'invite_to_group' ? c.invited : c.sent],
            ['skipped', c.skipped],
            ['failed', c.failed],
          ] as const
        ).map(([k, v]) => (
          <div className="stat" key={k} data-testid={`counter-${k}`}>
            <div className="stat-value">{v}</div>
            <div className="stat-label">{k === 'total' ? t('total') : t(k as never)}</div>
          </div>
        ))}
      </div>

      <TaskJobs taskId={id} refreshKey={jobsKey} onImported={refreshAfterImport} onError={setError} />
      <TaskAddAudience
        task={task}
        groupLeft={accounts.panel?.group_lifetime_left ?? null}
        onImported={refreshAfterImport}
        onQueued={() => setJobsKey((k) => k + 1)}
      />
      <TaskAccounts task={task} accounts={accounts} onTested={refreshAfterImport} />

      <div className="two-col">
        <div className="card">
          <div className="toolbar">
            <h3>{chartUnit === 'hour' ? t('activity') : t('activityDaily')}</h3>
            <select aria-label={t('activity')} value={chartUnit} onChange={(e) => setChartUnit(e.target.value as 'hour' | 'day')}>
              <option value="hour">{t('byHour')}</option>
              <option value="day">{t('byDay')}</option>
            </select>
          </div>
          {stats && (
            <TaskChart
              points={chartUnit === 'hour' ? stats.per_hour : stats.per_day}
              unit={chartUnit}
              taskType={task.type}
              emptyText={historyGone ?? undefined}
            />
          )}
          <h3>{t('perAccount')}</h3>
          {stats?.per_account.length ? (
            <ul data-testid="per-account">
              {stats.per_account.map((p) => (
                <li key={String(p.account_id)}>
                  {t(task.type === 'invite_to_group' ? 'perAccountInvited' : 'perAccountSent', {
                    label: p.label ?? t('deletedAccount'),
                    ok: p.succeeded,
                    attempts: countOf(p.attempts, t('attemptsWord'), lang),
                  })}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">{historyGone ?? t('nothingYet')}</p>
          )}
          {(['skipped_by_reason', 'failed_by_reason'] as const).map(
            (key) =>
              stats &&
              stats[key].length > 0 && (
                <div key={key}>
                  <h3>{t(key === 'skipped_by_reason' ? 'skippedByReason' : 'failedByReason')}</h3>
                  <ul>
                    {stats[key].map((r) => (
                      <li key={String(r.code)}>
                        {reason(r.code, r.reason)}: {r.count}
                      </li>
                    ))}
                  </ul>
                </div>
              ),
          )}
        </div>
        <div className="card">
          <h3>{t('recentActions')}</h3>
          {logs.length === 0 ? (
            <p className="muted" data-testid="feed-empty">
              {historyGone ?? t('nothingYet')}
            </p>
          ) : (
            <ul className="feed" data-testid="feed">
              {logs.map((l) => (
                <li key={l.id} className={`feed-${l.result.toLowerCase()}`}>
                  <span className="muted small">{formatTime(l.created_at, lang)}</span> {l.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>

      <div className="card">
        <div className="toolbar">
          <h3>{t('targetsTitle')}</h3>
          <div className="filters">
            {/* «What happened to @ivan?»: a username, its t.me link, a name or a phone as written, found on any page. */}
            <input
              type="search"
              aria-label={t('recipientsSearch')}
              placeholder={t('recipientsSearch')}
              value={targetSearch}
              onChange={(e) => {
                setTargetSearch(e.target.value);
                setTargetPage(1);
              }}
              data-testid="recipients-search"
            />
            <select
              value={targetStatus}
              onChange={(e) => {
                setTargetStatus(e.target.value);
                setTargetPage(1);
              }}
              aria-label={t('status')}
            >
              <option value="">
                {t('status')}: {t('all')}
              </option>
              {/* An invite task never has SENT people, a message task never INVITED ones: only this task's statuses. */}
              {TARGET_STATUSES.filter((s) => s !== (task.type === 'invite_to_group' ? 'SENT' : 'INVITED')).map((s) => (
                <option key={s} value={s}>
                  {t(s)}
                </option>
              ))}
            </select>
            <ReportButton taskId={id} total={c.total} onQueued={() => setJobsKey((k) => k + 1)} onError={setError} />
          </div>
        </div>
        <div className="table-wrap">
          <table className="recipients" data-testid="recipients">
            <tbody>
              {targets?.items.map((x) => (
                <tr key={x.id}>
                  <td>{x.username ? `@${x.username}` : (x.phone ?? x.user_id_platform)}</td>
                  <td>{[x.first_name, x.last_name].filter(Boolean).join(' ')}</td>
                  <td>
                    <StatusBadge status={x.status} />
                  </td>
                  <td className="small recipient-reason">{x.error_code ? reason(x.error_code, x.error_message) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {targets && targets.items.length === 0 && (
          <p className="muted" data-testid="recipients-empty">
            {targetQuery ? t('noRecipientsFound', { q: targetQuery }) : t(targetStatus ? 'noRecipientsInStatus' : 'noRecipients')}
          </p>
        )}
        {targets && targets.items.length > 0 && (targetQuery || targetStatus) && (
          <p className="muted small" data-testid="recipients-found">
            {t('recipientsFound', { n: targets.total })}
          </p>
        )}
        {targets && <Pager page={targetPage} pages={targets.pages} onPage={setTargetPage} />}
      </div>
    </section>
  );
}
