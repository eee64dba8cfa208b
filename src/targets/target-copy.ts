import { CompiledQuery, type Transaction } from 'kysely';
import type { Database, TaskRow } from '../db/schema.js';
import { DNC_MESSAGE, scopeOfTask } from '../hygiene/audience-hygiene.js';
import { hygieneCtes } from './target-bulk-insert.js';

/**
 * Copies people of one task into a new task of the same owner (duplicate, retry the failures), in their order, as an
 * import adds people: pending, or skipped at once by audience hygiene (on the do-not-contact list, or already invited
 * into the new task's group — by the very task copied, when it is a finished one). Before, every copy came in pending
 * and the worker skipped those people only when it reached them, so a duplicate of a finished task announced its
 * whole audience as still to invite, and its pace and finish estimate counted people who would never be tried.
 *
 * `carry`: error codes a person keeps from the source (skipped with the source's code and reason) — the platform's
 * verdicts about them, which a new attempt would only meet again at the cost of the accounts' limits.
 * `filter`: which of the source's rows to copy, as SQL over `targets` with its own placeholders from `$8`; `extra`: the
 * copy's `extra` as SQL over the source row (default: the source's).
 */
export async function copyTargets(
  trx: Transaction<Database>,
  opts: { from: number; into: TaskRow; now: Date; carry?: readonly string[]; filter?: { sql: string; params: unknown[] }; extra?: string },
): Promise<void> {
  const scope = scopeOfTask(opts.into);
  await trx.executeQuery(
    CompiledQuery.raw(
      `WITH copied AS (
  SELECT id AS ord, identity_key, username, user_id_platform, phone, first_name, last_name, source, ${opts.extra ?? 'extra'} AS extra, file_row,
         CASE WHEN status IN ('FAILED', 'SKIPPED') AND error_code = ANY($7::text[]) THEN error_code END AS carried_code, error_message AS carried_message
    FROM targets WHERE task_id = $2${opts.filter ? ` AND (${opts.filter.sql})` : ''}
), ${hygieneCtes('copied', { owner: '$3', groupKey: '$4', dncMessage: '$5' })}
INSERT INTO targets (task_id, identity_key, username, user_id_platform, phone, first_name, last_name, source, extra, file_row,
                     status, error_code, error_message, processed_at, created_at, updated_at)
SELECT $1::int, identity_key, username, user_id_platform, phone, first_name, last_name, source, extra, file_row,
       CASE WHEN coalesce(code, carried_code) IS NULL THEN 'PENDING' ELSE 'SKIPPED' END, coalesce(code, carried_code),
       CASE WHEN code IS NOT NULL THEN message WHEN carried_code IS NOT NULL THEN carried_message END,
       CASE WHEN coalesce(code, carried_code) IS NULL THEN NULL ELSE $6::timestamptz END, $6::timestamptz, $6::timestamptz
  FROM classified ORDER BY ord`,
      [opts.into.id, opts.from, scope.userId, scope.groupKey, DNC_MESSAGE, opts.now, opts.carry ?? [], ...(opts.filter?.params ?? [])],
    ),
  );
}
