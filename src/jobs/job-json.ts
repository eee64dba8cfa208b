import type { BackgroundJobView } from '../db/schema.js';

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

/** A job as the API shows it: never its input file or its output bytes. */
export function jobJson(job: BackgroundJobView) {
  return {
    id: job.id,
    kind: job.kind,
    queue: job.queue,
    status: job.status,
    task_id: job.task_id,
    params: job.params,
    progress: job.progress,
    result: job.result,
    error: job.error_code || job.error_message ? { code: job.error_code, message: job.error_message } : null,
    attempts: job.attempts,
    max_attempts: job.max_attempts,
    run_at: iso(job.run_at),
    created_at: iso(job.created_at),
    started_at: iso(job.started_at),
    finished_at: iso(job.finished_at),
    download_url: job.kind === 'task_report' && job.status === 'COMPLETED' ? `/api/v1/invite/jobs/${job.id}/download` : null,
  };
}
