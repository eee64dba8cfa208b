import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api } from '../api/client';
import { ACTIVE_TASK_STATUSES, PRIORITIES, TASK_STATUSES, type Page, type TaskJson } from '../api/types';
import { actionsFor, deleteTask, duplicateTask } from '../task-actions';
import { Pager } from '../components/Pager';
import { useI18n } from '../i18n';
import { ErrorNotice, ProgressBar, StatusBadge } from '../components/ui';
import { formatDuration } from '../format';
import { navigate, replaceRoute, splitRoute, useRoute } from '../router';
import { TaskWhyLine } from '../components/TaskWhy';
import { BulkSummaryNotice, TaskBulkBar, type BulkSummary, type BulkTask } from '../components/TaskBulkBar';

const ACTIVE: readonly string[] = ACTIVE_TASK_STATUSES;

/** "23 нояб. 2026" / "23 Nov 2026" in the reader's time zone. */
const listDate = (iso: string, lang: string) =>
  new Date(iso).toLocaleDateString(lang === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'short', year: 'numeric' });

/**
 * The list's orders, each a pair the API sorts by (GET /tasks `sort`, `order`, `running_first`). `new` is the list's
 * own order (today's default). Running tasks lead it — what a marketer watches — and lead the status order (their
 * group first); an order the reader picks by name, priority, progress or age is given exactly, with no row out of it.
 */
export const TASK_LIST_SORTS = {
  new: { sort: 'created_at', order: 'desc', runningFirst: true },
  old: { sort: 'created_at', order: 'asc', runningFirst: false },
  name: { sort: 'name', order: 'asc', runningFirst: false },
  priority: { sort: 'priority', order: 'desc', runningFirst: false },
  progress: { sort: 'progress', order: 'desc', runningFirst: false },
  status: { sort: 'status', order: 'asc', runningFirst: true },
} as const;
export type TaskListSort = keyof typeof TASK_LIST_SORTS;

/** What the list shows, kept in the address (#/tasks?status=PAUSED&page=2&sort=name): Back, reload and links restore it. */
export interface TaskListView {
  status: string;
  priority: string;
  search: string;
  sort: TaskListSort;
  page: number;
}

/** The view a route's query names; anything unknown or malformed (page=abc, status=NOPE) is the default instead. */
export function parseTaskListView(query: URLSearchParams): TaskListView {
  const status = query.get('status') ?? '';
  const priority = query.get('priority') ?? '';
  const sort = query.get('sort') ?? '';
  const page = /^\d{1,6}$/.test(query.get('page') ?? '') ? Number(query.get('page')) : 1;
  return {
    status: (TASK_STATUSES as readonly string[]).includes(status) ? status : '',
    priority: (PRIORITIES as readonly string[]).includes(priority) ? priority : '',
    search: (query.get('search') ?? '').slice(0, 200),
    sort: Object.hasOwn(TASK_LIST_SORTS, sort) ? (sort as TaskListSort) : 'new',
    page: Math.max(page, 1),
  };
}

/** The route of a view: only what differs from the default is written ("/tasks" for the default list). */
export function taskListRoute(view: TaskListView): string {
  const q = new URLSearchParams();
  if (view.status) q.set('status', view.status);
  if (view.priority) q.set('priority', view.priority);
  if (view.search.trim()) q.set('search', view.search.trim());
  if (view.sort !== 'new') q.set('sort', view.sort);
  if (view.page > 1) q.set('page', String(view.page));
  return q.size ? `/tasks?${q}` : '/tasks';
}

export function TasksPage() {
  const { t, lang } = useI18n();
  const view = parseTaskListView(splitRoute(useRoute()).query);
  const { status, priority, search, sort, page } = view;
  /**
   * A change of the view: a new history entry (Back undoes a filter or returns to the page a task was opened from),
   * or, as the reader types a search, the same entry rewritten. A filter, search or order starts again at page 1.
   */
  const setView = (change: Partial<TaskListView>, replace = false) => {
    const next = { ...view, page: 1, ...change };
    (replace ? replaceRoute : navigate)(taskListRoute(next));
  };
  const setViewRef = useRef(setView);
  setViewRef.current = setView;
  // What is typed; it reaches the address (and the request) once the typing pauses.
  const [searchText, setSearchText] = useState(search);
  const typed = useRef(search);
  useEffect(() => {
    // Back, a link or a reload brought another search: the field shows it (unless it is the one just typed).
    if (search !== typed.current.trim()) {
      typed.current = search;
      setSearchText(search);
    }
  }, [search]);
  const [data, setData] = useState<Page<TaskJson> | null>(null);
  const [live, setLive] = useState<Record<number, { status: string; counters: TaskJson['counters']; eta_seconds: number | null }>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  /**
   * The selection, by id. Whatever the reader changes (page, filter, search, order) clears it, so nothing they no
   * longer see is acted on by surprise. A selected task that leaves the page by itself stays selected: running tasks
   * are listed first, so a bulk pause sends a paused one to page 2 — the reader chose it and changed nothing, and
   * silently dropping it (“Выбрано: 4” → “Выбрано: 3”) would be the surprise. The bar counts it and says how many are
   * not on this page, the next action includes it, and the summary names it as any other; a deleted one is dropped.
   */
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  // Name and last known status of every task the list has shown: what the bar needs of a selected one off this page.
  const [known, setKnown] = useState<Record<number, BulkTask>>({});
  const [bulkSummary, setBulkSummary] = useState<BulkSummary | null>(null);

  // Only the newest request's answer is shown (Back and forth can overtake one with another).
  const request = useRef(0);
  const load = useCallback(async () => {
    const mine = ++request.current;
    const { sort: by, order, runningFirst } = TASK_LIST_SORTS[sort];
    const q = new URLSearchParams({ page: String(page), page_size: '20', sort: by, order, running_first: String(runningFirst) });
    if (status) q.set('status', status);
    if (priority) q.set('priority', priority);
    if (search.trim()) q.set('name_contains', search.trim());
    try {
      const next = await api<Page<TaskJson>>(`/api/v1/invite/tasks?${q}`);
      // Selected tasks no longer on this page: their status now (what the bar offers for them); a deleted one is dropped.
      const onPage = new Set(next.items.map((x) => x.id));
      const away = await Promise.all(
        [...selectedRef.current]
          .filter((id) => !onPage.has(id))
          .map((id) =>
            api<{ status: string }>(`/api/v1/invite/tasks/${id}/status`).then(
              (s) => ({ id, status: s.status, gone: false }),
              (e) => ({ id, status: null, gone: e instanceof ApiError && e.status === 404 }),
            ),
          ),
      );
      if (mine !== request.current) return;
      setData(next);
      setKnown((prev) => {
        const all = { ...prev };
        for (const x of next.items) all[x.id] = { id: x.id, name: x.name, status: x.status };
        for (const a of away) if (a.status && all[a.id]) all[a.id] = { ...all[a.id]!, status: a.status };
        return all;
      });
      const gone = new Set(away.filter((a) => a.gone).map((a) => a.id));
      if (gone.size) setSelected((prev) => new Set([...prev].filter((id) => !gone.has(id))));
      setError(null);
    } catch (e) {
      if (mine === request.current) setError((e as Error).message);
    }
  }, [page, status, priority, search, sort]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the selection is cleared when what the page shows changes.
  useEffect(() => {
    // Before the load below (effects run in order), so it does not look up the old view's selection.
    selectedRef.current = new Set();
    setSelected(selectedRef.current);
  }, [page, status, priority, search, sort]);
  useEffect(() => {
    void load();
  }, [load]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only typing starts the wait; the view is read when it ends.
  useEffect(() => {
    if (searchText.trim() === search) return;
    const h = setTimeout(() => {
      typed.current = searchText;
      setViewRef.current({ search: searchText }, true);
    }, 250);
    return () => clearTimeout(h);
  }, [searchText]);
  // A page past the end (page=99 in a link, or the last page's tasks deleted): the last page instead.
  useEffect(() => {
    const last = Math.max(1, data?.pages ?? 1);
    if (data?.page === page && data.items.length === 0 && page > last) replaceRoute(taskListRoute({ ...view, page: last }));
  });

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
        <input placeholder={t('search')} value={searchText} onChange={(e) => setSearchText(e.target.value)} aria-label={t('search')} />
        <select value={status} onChange={(e) => setView({ status: e.target.value })} aria-label={t('status')}>
          <option value="">
            {t('status')}: {t('all')}
          </option>
          {TASK_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(s)}
            </option>
          ))}
        </select>
        <select value={priority} onChange={(e) => setView({ priority: e.target.value })} aria-label={t('priority')}>
          <option value="">
            {t('priority')}: {t('all')}
          </option>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {t(p)}
            </option>
          ))}
        </select>
        <select
          value={sort}
          onChange={(e) => setView({ sort: e.target.value as TaskListSort })}
          aria-label={t('sortBy')}
          title={TASK_LIST_SORTS[sort].runningFirst ? t('sortRunningFirst') : undefined}
          data-testid="task-sort"
        >
          {(Object.keys(TASK_LIST_SORTS) as TaskListSort[]).map((key) => (
            <option key={key} value={key}>
              {t('sortBy')}: {t(`sort_${key}`)}
            </option>
          ))}
        </select>
      </div>
      <ErrorNotice error={error} />
      {bulkSummary && <BulkSummaryNotice summary={bulkSummary} onClose={() => setBulkSummary(null)} />}
      {data && data.items.length > 0 && (
        <TaskBulkBar
          pageTasks={data.items.map((x) => ({ id: x.id, name: x.name, status: live[x.id]?.status ?? x.status }))}
          elsewhere={[...selected].filter((id) => !data.items.some((x) => x.id === id)).map((id) => known[id] ?? { id, name: `#${id}`, status: '' })}
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
      {data && <Pager page={page} pages={data.pages} total={data.total} onPage={(p) => setView({ page: p })} />}
    </section>
  );
}
