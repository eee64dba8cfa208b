import { useCallback, useEffect, useState } from 'react';
import { api } from '../api/client';
import { ACTIVE_TASK_STATUSES, PRIORITIES, TASK_STATUSES, type Page, type TaskJson } from '../api/types';
import { actionsFor, deleteTask, duplicateTask } from '../task-actions';
import { Pager } from '../components/Pager';
import { useI18n } from '../i18n';
import { ErrorNotice, ProgressBar, StatusBadge } from '../components/ui';
import { formatDuration } from '../format';
import { navigate } from '../router';
import { TaskWhyLine } from '../components/TaskWhy';
import { BulkSummaryNotice, TaskBulkBar, type BulkSummary } from '../components/TaskBulkBar';

const ACTIVE: readonly string[] = ACTIVE_TASK_STATUSES;

/** "23 нояб. 2026" / "23 Nov 2026" in the reader's time zone. */
const listDate = (iso: string, lang: string) =>
  new Date(iso).toLocaleDateString(lang === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'short', year: 'numeric' });

export function TasksPage() {
  const { t, lang } = useI18n();
  const [status, setStatus] = useState('');
  const [priority, setPriority] = useState('');
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Page<TaskJson> | null>(null);
  const [live, setLive] = useState<Record<number, { status: string; counters: TaskJson['counters']; eta_seconds: number | null }>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  // The selection is of the page on screen: another page or filter clears it, so nothing hidden is acted on.
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [bulkSummary, setBulkSummary] = useState<BulkSummary | null>(null);

  const load = useCallback(async () => {
    const q = new URLSearchParams({ page: String(page), page_size: '20' });
    if (status) q.set('status', status);
    if (priority) q.set('priority', priority);
    if (search.trim()) q.set('name_contains', search.trim());
    try {
      const next = await api<Page<TaskJson>>(`/api/v1/invite/tasks?${q}`);
      setData(next);
      setSelected((prev) => new Set(next.items.filter((x) => prev.has(x.id)).map((x) => x.id)));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [page, status, priority, search]);

  useEffect(() => {
    const h = setTimeout(load, 250);
    return () => clearTimeout(h);
  }, [load]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the selection is cleared when what the page shows changes.
  useEffect(() => setSelected(new Set()), [page, status, priority, search]);

  // Only running rows refresh, every 3 s, from the light /status endpoint.
  useEffect(() => {
    const ids = data?.items.filter((x) => ACTIVE.includes(live[x.id]?.status ?? x.status)).map((x) => x.id) ?? [];
    if (!ids.length) return;
    const timer = setInterval(async () => {
      const updates = await Promise.all(
        ids.map((id) =>
          api<{ id: number; status: string; counters: TaskJson['counters']; eta_seconds: number | null }>(`/api/v1/invite/tasks/${id}/status`).catch(
            () => null,
          ),
        ),
      );
      setLive((prev) => {
        const next = { ...prev };
        for (const u of updates) if (u) next[u.id] = u;
        return next;
      });
    }, 3000);
    return () => clearInterval(timer);
  }, [data, live]);

  async function act(task: TaskJson, action: string) {
    if (action === 'cancel' && !window.confirm(t('confirmCancel', { name: task.name }))) return;
    setBusy(task.id);
    try {
      if (action === 'delete') {
        if (!(await deleteTask(task, t('confirmDelete', { name: task.name })))) return;
      } else if (action === 'duplicate') await duplicateTask(task.id);
      else {
        const updated = await api<TaskJson>(`/api/v1/invite/tasks/${task.id}/${action}`, { method: 'POST' });
        setLive((prev) => ({ ...prev, [task.id]: { status: updated.status, counters: updated.counters, eta_seconds: null } }));
      }
      setError(null);
      await load();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section>
      <div className="toolbar">
        <h1>{t('tasks')}</h1>
        <button type="button" className="primary" onClick={() => navigate('/tasks/new')}>
          {t('newTask')}
        </button>
      </div>
      <div className="filters">
        <input
          placeholder={t('search')}
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setPage(1);
          }}
          aria-label={t('search')}
        />
        <select
          value={status}
          onChange={(e) => {
            setStatus(e.target.value);
            setPage(1);
          }}
          aria-label={t('status')}
        >
          <option value="">
            {t('status')}: {t('all')}
          </option>
          {TASK_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(s)}
            </option>
          ))}
        </select>
        <select
          value={priority}
          onChange={(e) => {
            setPriority(e.target.value);
            setPage(1);
          }}
          aria-label={t('priority')}
        >
          <option value="">
            {t('priority')}: {t('all')}
          </option>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {t(p)}
            </option>
          ))}
        </select>
      </div>
      <ErrorNotice error={error} />
      {bulkSummary && <BulkSummaryNotice summary={bulkSummary} onClose={() => setBulkSummary(null)} />}
      {data && data.items.length > 0 && (
        <TaskBulkBar
          pageTasks={data.items.map((x) => ({ id: x.id, name: x.name, status: live[x.id]?.status ?? x.status }))}
          selected={selected}
          onSelect={setSelected}
          onDone={async (summary, err) => {
            setBulkSummary(summary);
            setError(err);
            if (summary) {
              setLive({});
              await load();
            }
          }}
        />
      )}
      {!data ? (
        <p className="muted">{t('loading')}</p>
      ) : data.items.length === 0 ? (
        <p className="muted" data-testid="tasks-empty">
          {status || priority || search.trim() ? t('noTasksMatch') : t('noTasks')}
        </p>
      ) : (
        <div className="task-list">
          {data.items.map((task) => {
            const l = live[task.id];
            const s = l?.status ?? task.status;
            const counters = l?.counters ?? task.counters;
            return (
              <article className="task-card" key={task.id} data-testid={`task-${task.id}`}>
                <div className="task-main">
                  <div className="task-title">
                    <input
                      type="checkbox"
                      aria-label={t('selectTask', { name: task.name })}
                      checked={selected.has(task.id)}
                      onChange={() =>
                        setSelected((prev) => {
                          const next = new Set(prev);
                          if (!next.delete(task.id)) next.add(task.id);
                          return next;
                        })
                      }
                    />
                    <a href={`#/tasks/${task.id}`} className="task-name">
                      {task.name}
                    </a>
                  </div>
                  <div className="muted small">
                    {[t(task.type as never), task.target_group_title ?? task.target_group].filter(Boolean).join(' · ')}
                    {task.sandbox ? ` · ${t('sandboxTag')}` : ''}
                  </div>
                  <TaskWhyLine task={l && 'why' in l ? l : task} />
                  <div className="muted small" data-testid="task-meta">
                    <span className="nowrap">{t('listCreated', { date: listDate(task.created_at, lang) })}</span>
                    {' · '}
                    <span data-testid="task-done-count">
                      {task.type === 'invite_to_group' ? t('listInvited', { n: counters.invited }) : t('listSent', { n: counters.sent })}
                    </span>
                    {' · '}
                    {t('listPriority', { priority: t(task.priority as never).toLowerCase() })}
                    {ACTIVE.includes(s) && l?.eta_seconds != null ? ` · ${t('eta')} ${formatDuration(l.eta_seconds, lang)}` : ''}
                  </div>
                </div>
                <div>
                  <StatusBadge status={s} />
                </div>
                <div className="task-progress">
                  <ProgressBar counters={counters} />
                </div>
                <div className="task-actions">
                  {actionsFor(s).map((a) => (
                    <button type="button" key={a} disabled={busy === task.id} onClick={() => act(task, a)}>
                      {t(a)}
                    </button>
                  ))}
                  <button type="button" disabled={busy === task.id} onClick={() => act(task, 'duplicate')}>
                    {t('duplicate')}
                  </button>
                  <button type="button" className="danger" disabled={busy === task.id} onClick={() => act(task, 'delete')}>
                    {t('delete')}
                  </button>
                </div>
              </article>
            );
          })}
        </div>
      )}
      {data && <Pager page={page} pages={data.pages} total={data.total} onPage={setPage} />}
    </section>
  );
}
