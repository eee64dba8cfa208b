import { localiseRowErrors } from '../shared/localised.js';
import { DEFAULT_API_LANG, renderMessage, renderStoredReason, type Lang } from '../shared/messages.js';
import type { BackgroundJobView } from '../db/schema.js';

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

/**
 * Why a job failed (or waits to retry), in `lang`: a job reason by its code (JOB_REASON.ABANDONED), the failure's own
 * sentence as it was said in both languages (migration 20), or a refusal whose sentence needs no params (INPUT_GONE,
 * NO_TARGETS); anything else is the sentence stored with the job.
 */
export function jobErrorText(job: Pick<BackgroundJobView, 'error_code' | 'error_message' | 'error_text' | 'attempts'>, lang: Lang): string | null {
  const code = job.error_code;
  // English keeps the sentence stored with the job (what API clients have always read, with its retry note).
  if (lang === 'en' && job.error_message) return job.error_message;
  const text =
    (code ? renderMessage(`JOB_REASON.${code}`, lang, { n: job.attempts }) : null) ?? job.error_text?.[lang] ?? (code ? renderMessage(code, lang) : null);
  return text ?? renderStoredReason(job.error_message, null, lang);
}

/** A job as the API shows it: never its input file or its output bytes. */
export function jobJson(job: BackgroundJobView, lang: Lang = DEFAULT_API_LANG) {
  return {
    id: job.id,
    kind: job.kind,
    queue: job.queue,
    status: job.status,
    task_id: job.task_id,
    params: job.params,
    progress: job.progress,
    // An import's row errors are kept in both languages; the reader gets theirs.
    result: job.result && typeof job.result === 'object' ? localiseRowErrors(job.result as { errors?: [] }, lang) : job.result,
    error: job.error_code || job.error_message ? { code: job.error_code, message: jobErrorText(job, lang) } : null,
    attempts: job.attempts,
    max_attempts: job.max_attempts,
    run_at: iso(job.run_at),
    created_at: iso(job.created_at),
    started_at: iso(job.started_at),
    finished_at: iso(job.finished_at),
    download_url: job.kind === 'task_report' && job.status === 'COMPLETED' ? `/api/v1/invite/jobs/${job.id}/download` : null,
  };
}
