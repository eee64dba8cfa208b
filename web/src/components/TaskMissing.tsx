import { useI18n } from '../i18n';
import { navigate } from '../router';

/** A task that does not exist (deleted, a wrong address, or another user's): say so and offer the way back. */
export function TaskMissing({ id }: { id: number }) {
  const { t } = useI18n();
  return (
    <section className="empty-page" data-testid="task-missing">
      <h1>{t('taskMissingTitle')}</h1>
      <p className="muted">{t('taskMissingText', { id })}</p>
      <button type="button" className="primary" onClick={() => navigate('/tasks')}>
        {t('backToTasks')}
      </button>
    </section>
  );
}
