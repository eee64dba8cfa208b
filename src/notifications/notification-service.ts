import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import { notFound } from '../shared/errors.js';
import type { Lang } from '../shared/messages.js';
import type { NotificationRow } from './notification-schema.js';
import { notificationText } from './notification-texts.js';

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

/** A notification as the API shows it: the sentence in the request's language, the task to open, read or not. */
export function notificationJson(n: NotificationRow, lang: Lang) {
  return {
    id: Number(n.id),
    event: n.event,
    text: notificationText({ event: n.event, params: n.params }, lang),
    task_id: n.task_id,
    account_id: n.account_id,
    job_id: n.job_id,
    read: n.read_at !== null,
    read_at: iso(n.read_at),
    created_at: iso(n.created_at),
  };
}

/**
 * Retention: deletes the read notifications raised before `cutoff` (their webhook attempts go with them), so the bell's
 * history does not grow for ever. Unread ones stay whatever their age: nobody has seen them yet.
 */
export async function pruneReadNotifications(db: Kysely<Database>, cutoff: Date): Promise<number> {
  const res = await db.deleteFrom('notifications').where('created_at', '<', cutoff).where('read_at', 'is not', null).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** One user's notifications: reading them, counting the unread ones, marking them read. Always scoped to the user. */
export class NotificationService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** Unread first, then newest first, a page at a time. */
  async list(userId: number, q: { unreadOnly: boolean; limit: number; offset: number }) {
    let base = this.db.selectFrom('notifications').where('user_id', '=', userId);
    if (q.unreadOnly) base = base.where('read_at', 'is', null);
    const [items, total, unread] = await Promise.all([
      base
        .selectAll()
        .orderBy((eb) => eb('read_at', 'is', null), 'desc')
        .orderBy('id', 'desc')
        .limit(q.limit)
        .offset(q.offset)
        .execute(),
      base.select(({ fn }) => fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
      this.unreadCount(userId),
    ]);
    return { items, total: Number(total.n), ...unread };
  }

  /**
   * What the bell polls: how many are unread and the newest unread id (the page shows a toast when it grows).
   * Both come from the partial index of unread rows.
   */
  async unreadCount(userId: number): Promise<{ unread: number; latest_unread_id: number | null }> {
    const r = await this.db
      .selectFrom('notifications')
      .select(({ fn }) => [fn.countAll<string>().as('n'), fn.max('id').as('latest')])
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirstOrThrow();
    return { unread: Number(r.n), latest_unread_id: r.latest === null ? null : Number(r.latest) };
  }

  /** The newest unread notification, for the toast; another user's never. */
  async latestUnread(userId: number): Promise<NotificationRow | undefined> {
    return this.db
      .selectFrom('notifications')
      .selectAll()
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Marks one of the user's notifications read (idempotent); another user's is "not found", never "forbidden". */
  async markRead(userId: number, id: number): Promise<NotificationRow> {
    const row = await this.db
      .updateTable('notifications')
      .set({ read_at: this.clock.now() })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (row) return row;
    const already = await this.db.selectFrom('notifications').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    if (!already) throw notFound('Notification');
    return already;
  }

  async markAllRead(userId: number): Promise<number> {
    const res = await this.db
      .updateTable('notifications')
      .set({ read_at: this.clock.now() })
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }
}
