import type { TaskJson } from '../api/types';
import { formatTime } from '../format';
import { useI18n } from '../i18n';

/**
 * What a marketer asks first about a task: how much of the audience got in (invited or sent, as a share of
 * everyone), and when it was created, started and finished, in their own language and time zone.
 */
export function TaskResults({ task }: { task: TaskJson }) {
  const { t, lang } = useI18n();
  const at = (iso: string | null) => (iso ? formatTime(iso, lang) : t('notYet'));
  const c = task.counters;
  const invite = task.type === 'invite_to_group';
  const done = invite ? c.invited : c.sent;
  const pct = c.total ? Math.round((done / c.total) * 1000) / 10 : 0;
  return (
    <div className="task-times muted small" data-testid="task-results">
      <span data-testid="invited-pct">
        {invite ? t('invitedPct') : t('sentPct')}: <strong>{pct.toLocaleString(lang === 'ru' ? 'ru-RU' : 'en-GB')}%</strong>
      </span>
      <span data-testid="created-at">
        {t('createdAt')}: {at(task.created_at)}
      </span>
      <span data-testid="started-at">
        {t('startedAt')}: {at(task.started_at)}
      </span>
      <span data-testid="finished-at">
        {t('finishedAt')}: {at(task.finished_at)}
      </span>
    </div>
  );
}
