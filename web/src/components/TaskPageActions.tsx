import { useState } from 'react';
import { useI18n } from '../i18n';
import { navigate } from '../router';
import { deleteTask, duplicateTask } from '../task-actions';

/** Duplicate and delete on the task page (the list's own, from task-actions.ts): both leave for the right page. */
export function TaskPageActions({ task, onError }: { task: { id: number; name: string }; onError: (message: string) => void }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  async function run(what: 'duplicate' | 'delete') {
    setBusy(true);
    try {
      if (what === 'duplicate') navigate(`/tasks/${(await duplicateTask(task.id)).id}`);
      else if (await deleteTask(task, t('confirmDelete', { name: task.name }))) navigate('/tasks');
    } catch (e) {
      onError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" disabled={busy} onClick={() => run('duplicate')} data-testid="task-duplicate">
        {t('duplicate')}
      </button>
      <button type="button" className="danger" disabled={busy} onClick={() => run('delete')} data-testid="task-delete">
        {t('delete')}
      </button>
    </>
  );
}
