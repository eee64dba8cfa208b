import { useState } from 'react';
import { api, downloadFile } from '../api/client';
import { useI18n } from '../i18n';

/** Above this many targets the report is built as a background job (the jobs card offers the file) instead of a wait. */
export const BACKGROUND_REPORT_FROM = 10_000;

/**
 * The task's one report button: an Excel workbook in the reader's language and time zone (the API client sends
 * both). A large audience is built in the background rather than keeping the user waiting on the download.
 */
export function ReportButton(props: { taskId: number; total: number; onQueued: () => void; onError: (message: string) => void }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [queued, setQueued] = useState(false);
  async function report() {
    setBusy(true);
    try {
      if (props.total >= BACKGROUND_REPORT_FROM) {
        await api(`/api/v1/invite/tasks/${props.taskId}/report/jobs?format=xlsx`, { method: 'POST' });
        setQueued(true);
        props.onQueued();
      } else {
        await downloadFile(`/api/v1/invite/tasks/${props.taskId}/report?format=xlsx`, `task-${props.taskId}-report.xlsx`);
      }
    } catch (e) {
      props.onError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" onClick={report} disabled={busy} data-testid="report-button">
        {t('reportXlsx')}
      </button>
      {queued && (
        <span className="muted small" role="status">
          {t('reportQueued')}
        </span>
      )}
    </>
  );
}
