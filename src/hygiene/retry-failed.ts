import { sql, type Kysely } from 'kysely';
import type { Database, TaskRow } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import { NOT_RETRYABLE_CODES, isRetryable } from './retryable.js';
import { insertTaskCopy } from '../tasks/task-service.js';
import { derivedTaskName } from '../shared/limits.js';
import { copyTargets } from '../targets/target-copy.js';

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
