import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * Every target of a task with its outcome and the label of the account that acted, in pages by id (keyset, so a
 * 100k-target report never sits in memory and never slows down with the offset): what both report formats write.
 */
export async function* reportRowPages(db: Kysely<Database>, taskId: number, pageSize = 1000) {
  let lastId = 0;
  for (;;) {
    const page = await db
      .selectFrom('targets as t')
      .leftJoin('accounts as a', 'a.id', 't.account_id')
      .select([
        't.id',
        't.username',
        't.user_id_platform',
        't.phone',
        't.first_name',
        't.last_name',
        't.status',
        't.error_code',
        't.error_message',
        'a.label',
        't.attempts',
        't.processed_at',
      ])
      .where('t.task_id', '=', taskId)
      .where('t.id', '>', lastId)
      .orderBy('t.id')
      .limit(pageSize)
      .execute();
    if (!page.length) return;
    yield page;
    lastId = page.at(-1)!.id;
  }
}
