import { sql, type Kysely } from 'kysely';
import type { Database, TaskRow } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import { KNOWN_ERRORS } from '../platform/platform-error.js';
import { HYGIENE_CODES } from './audience-hygiene.js';
import { insertTaskCopy } from '../tasks/task-service.js';
import { derivedTaskName } from '../shared/limits.js';
import { copyTargets } from '../targets/target-copy.js';

/**
 * Which finished people "Повторить неудачные" carries into a new task.
 *
 * Retryable = the attempt failed for a reason that may not hold next time: network trouble (TIMEOUT,
 * NETWORK_TIMEOUT, CONNECT_FAILED…) and any platform code this service does not know (kind NETWORK/UNKNOWN in
 * platform-error.ts: the worker retried them and gave up after MAX_TARGET_ATTEMPTS), and a FAILED row without a code.
 * Not retryable: every code platform-error.ts knows (all of them are about the person or the account: privacy,
 * mutual contacts only, blocked, kicked, banned in the channel, no such username/id/phone, deleted account, bot,
 * already a member, too many groups; FloodWait/PeerFlood never end a person), and this service's own verdicts:
 * audience hygiene (ALREADY_INVITED, DO_NOT_CONTACT), skipped by the owner (SKIPPED_BY_USER) and a direct message
 * whose delivery is unknown (OUTCOME_UNKNOWN: retrying could send it twice).
 */
export const NOT_RETRYABLE_CODES: readonly string[] = [
  ...Object.keys(KNOWN_ERRORS),
  'FLOOD_WAIT',
  'SLOWMODE_WAIT',
  ...HYGIENE_CODES,
  'SKIPPED_BY_USER',
  'OUTCOME_UNKNOWN',
];
const NOT_RETRYABLE = new Set(NOT_RETRYABLE_CODES);

export function isRetryable(status: string, code: string | null): boolean {
  if (status !== 'FAILED' && status !== 'SKIPPED') return false;
  if (code === null) return status === 'FAILED';
  return !NOT_RETRYABLE.has(code);
}

export interface RetryResult {
  task: TaskRow;
  carried_over: number;
  left_out: number;
  left_out_by_reason: Array<{ status: string; code: string | null; reason: string | null; count: number }>;
}

export class RetryFailed {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** A new PENDING task (same type, group, template, priority) holding only the source task's retryable failures. */
  async create(src: TaskRow, namePrefix: string): Promise<RetryResult> {
    const groups = await this.db
      .selectFrom('targets')
      .select(['status', 'error_code', sql<string | null>`min(error_message)`.as('reason'), sql<number>`count(*)::int`.as('n')])
      .where('task_id', '=', src.id)
      .where('status', 'in', ['FAILED', 'SKIPPED'])
      .groupBy(['status', 'error_code'])
      .execute();
    const carried = groups.filter((g) => isRetryable(g.status, g.error_code)).reduce((s, g) => s + g.n, 0);
    const left = groups
      .filter((g) => !isRetryable(g.status, g.error_code))
      .sort((a, b) => b.n - a.n)
      .map((g) => ({ status: g.status, code: g.error_code, reason: g.reason, count: g.n }));
    const leftOut = left.reduce((s, g) => s + g.count, 0);
    if (!carried) {
      throw new AppError(
        409,
        'NOTHING_TO_RETRY',
        `Task "${src.name}" has no failures worth retrying: ${leftOut} people failed or were skipped for reasons that would not change (privacy, blocked, not found, already invited, do not contact).`,
        { carried_over: 0, left_out: leftOut, left_out_by_reason: left },
        { params: { name: src.name, n: leftOut } },
      );
    }
    const now = this.clock.now();
    const task = await this.db.transaction().execute(async (trx) => {
      const copy = await insertTaskCopy(trx, src, derivedTaskName(src.name, { prefix: namePrefix }), now);
      await copyTargets(trx, {
        from: src.id,
        into: copy,
        now,
        filter: {
          sql: "(status = 'FAILED' AND error_code IS NULL) OR (status IN ('FAILED','SKIPPED') AND error_code IS NOT NULL AND error_code <> ALL($8::text[]))",
          params: [NOT_RETRYABLE_CODES],
        },
        extra: "extra || jsonb_build_object('retry_of_task', task_id, 'retry_of_target', id)",
      });
      return copy;
    });
    return { task, carried_over: carried, left_out: leftOut, left_out_by_reason: left };
  }
}
