import { useCallback, useEffect, useRef, useState } from 'react';
import { api, downloadFile } from '../api/client';
import { FINISHED_JOB_STATUSES, type JobJson, type Page } from '../api/types';
import { useI18n, type T } from '../i18n';
import { formatTime } from '../format';
import type { Lang } from '../i18n';
import { StatusBadge } from './ui';

const FINISHED: readonly string[] = FINISHED_JOB_STATUSES;

type ImportResult = {
  imported: number;
  duplicates: number;
  invalid: number;
  over_limit?: number;
  already_invited?: number;
  do_not_contact?: number;
  start?: { status: string } | { error: string; message: string };
};

type Reason = (code: string | null, fallback: string | null) => string;

/** Why a job failed (or will retry), as the server said it in the reader's language. */
function jobError(job: JobJson, t: T, reason: Reason): string {
  if (!job.error) return '';
  // The server's retry note is appended to its message; the UI says it in its own words.
  const message = job.error.message?.replace(/\s*Retrying \(attempt \d+ of \d+\)\.$/, '') ?? null;
  const why = reason(job.error.code, message);
  return job.status === 'QUEUED' ? t('jobRetrying', { n: job.attempts + 1, max: job.max_attempts, reason: why }) : why;
}

/** One line saying where a job stands, in the user's language. */
function jobSummary(job: JobJson, t: T, lang: Lang, reason: Reason): string {
  const progress = job.progress as { rows?: number; imported?: number } | null;
  if (job.status === 'QUEUED' && job.kind === 'task_start') return t('jobRunsAt', { at: formatTime(job.run_at, lang) });
  if (job.status === 'RUNNING' && progress?.rows !== undefined) return t('jobProgress', { rows: progress.rows, imported: progress.imported ?? 0 });
  if (job.status === 'COMPLETED' && job.result) {
    if (job.kind === 'task_report') return t('jobReport', { rows: Number((job.result as { rows?: number }).rows ?? 0) });
    if (job.kind === 'import_file' || job.kind === 'import_parsing') {
      const r = job.result as ImportResult;
      const start = r.start ? ` · ${'error' in r.start ? t('jobStartRefused', { reason: reason(r.start.error, r.start.message) }) : t('jobStarted')}` : '';
      // Audience hygiene: people added as skipped (already invited into the group, or on the do-not-contact list).
      const skipped = [
        // Rows the task's cap left out: without this the summary read "30 added" for a base of 5,001.
        r.over_limit ? ` · ${t('jobOverLimit', { n: r.over_limit })}` : '',
        r.already_invited ? ` · ${t('previewAlreadyInvited', { n: r.already_invited })}` : '',
        r.do_not_contact ? ` · ${t('previewDoNotContact', { n: r.do_not_contact })}` : '',
      ].join('');
      return t('jobImported', { imported: r.imported, duplicates: r.duplicates, invalid: r.invalid }) + skipped + start;
    }
  }
  return jobError(job, t, reason);
}

/**
 * A task's background jobs (imports, report files, scheduled starts), refreshed every 2 s while one is
 * unfinished. `onImported` lets the page reload its counters when an import lands.
 */
export function TaskJobs({
  taskId,
  refreshKey,
  onImported,
  onError,
}: {
  taskId: number;
  refreshKey: number;
  onImported: () => void;
  onError: (m: string) => void;
}) {
  const { t, lang, reason } = useI18n();
  const [jobs, setJobs] = useState<JobJson[]>([]);
  const seenFinished = useRef<Set<string> | null>(null);

  const load = useCallback(async () => {
    try {
      const page = await api<Page<JobJson>>(`/api/v1/invite/jobs?task_id=${taskId}&page_size=10`);
      setJobs(page.items);
      const finishedNow = page.items.filter((j) => FINISHED.includes(j.status));
      // Jobs that finished since the last look (not those already finished when the page opened).
      if (seenFinished.current && finishedNow.some((j) => !seenFinished.current!.has(j.id) && j.kind.startsWith('import'))) onImported();
      seenFinished.current = new Set(finishedNow.map((j) => j.id));
    } catch (e) {
      onError((e as Error).message);
    }
  }, [taskId, onImported, onError]);

  // refreshKey is the parent's signal to look again (after start/pause/resume/cancel); lang, as the server answers in it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: refreshKey and lang are triggers, not inputs
  useEffect(() => {
    void load();
  }, [load, refreshKey, lang]);
  const busy = jobs.some((j) => !FINISHED.includes(j.status));
  useEffect(() => {
    if (!busy) return;
    const timer = setInterval(() => {
      void load();
    }, 2000);
    return () => clearInterval(timer);
  }, [busy, load]);

  async function cancel(id: string) {
    try {
      await api(`/api/v1/invite/jobs/${id}/cancel`, { method: 'POST' });
      void load();
    } catch (e) {
      onError((e as Error).message);
    }
  }

  if (!jobs.length) return null;
  return (
    <div className="card" data-testid="task-jobs">
      <h3>{t('backgroundJobs')}</h3>
      <ul className="jobs">
        {jobs.map((j) => (
          <li key={j.id} data-testid={`job-${j.kind}`}>
            <strong>{t(j.kind as never)}</strong>
            {/* A start moved to another time is not a failure: its dropped job reads «Заменено», not a red «Отменена». */}
            <StatusBadge status={j.status === 'CANCELLED' && j.error?.code === 'RESCHEDULED' ? 'REPLACED' : j.status} />
            <span className="small muted">{formatTime(j.created_at, lang)}</span>
            <span className="small">{jobSummary(j, t, lang, reason)}</span>
            {!FINISHED.includes(j.status) && j.kind !== 'task_start' && (
              <button type="button" onClick={() => cancel(j.id)}>
                {t('cancel')}
              </button>
            )}
            {j.download_url && (
              <button type="button" onClick={() => downloadFile(j.download_url!, `task-${taskId}-report.csv`).catch((e) => onError((e as Error).message))}>
                {t('download')}
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
