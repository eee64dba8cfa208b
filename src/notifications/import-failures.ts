import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { JobService } from '../jobs/job-service.js';
import type { Clock } from '../shared/clock.js';
import { renderMessage } from '../shared/messages.js';
import { recordEvent } from './notification-events.js';

/**
 * Tells the owner when an import job fails for good (after its retries, or at once for a file that cannot be read).
 * The job service calls listeners only after its conditional "fail" update succeeded, so each failure notifies once.
 * The reason is the failure's own sentence (a catalogue key and its params) or the job's error code when the catalogue
 * knows it, rendered in the reader's language; else its text.
 */
export function notifyImportFailures(jobs: JobService, db: Kysely<Database>, clock: Clock): void {
  jobs.onFinalFailure(async (job, failure) => {
    if (job.kind !== 'import_file' && job.kind !== 'import_parsing') return;
    const task = job.task_id === null ? undefined : await db.selectFrom('tasks').select('name').where('id', '=', job.task_id).executeTakeFirst();
    await recordEvent(db, clock.now(), {
      userId: job.user_id,
      event: 'import_failed',
      taskId: job.task_id,
      jobId: job.id,
      // Its own sentence when it has one (a JSON file cut off, a CSV quote at line 3), said in the reader's language.
      params: failure.said
        ? { name: task?.name ?? null, reason: failure.said.key, reason_params: failure.said.params ?? null }
        : { name: task?.name ?? null, reason: renderMessage(failure.code, 'en') !== null ? failure.code : failure.message },
    });
  });
}
