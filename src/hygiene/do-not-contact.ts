import { sql, type Kysely } from 'kysely';
import { personSearch } from '../shared/person-search.js';
import type { LocalisedText } from '../shared/messages.js';
import type { Database } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import { notFound } from '../shared/errors.js';
import { normaliseRecord, type NormalisedRow } from '../import/row-normaliser.js';
import type { RowBatches, SourceRow } from '../import/parsers/record-stream.js';
import { classify } from './audience-hygiene.js';

export interface DncAddReport {
  added: number;
  /** Already on the list (matched by any of username, id or phone). */
  already: number;
  invalid: number;
  errors: Array<{ row: number; reason: string; reason_text?: LocalisedText }>;
}

const BATCH = 1000;
const MAX_ERRORS = 50;

export function dncToJson(r: {
  id: number;
  username: string | null;
  user_id_platform: string | null;
  phone: string | null;
  source: string;
  source_task_id: number | null;
  note: string | null;
  created_at: Date;
}) {
  return {
    id: r.id,
    username: r.username,
    user_id_platform: r.user_id_platform,
    phone: r.phone,
    source: r.source,
    source_task_id: r.source_task_id,
    note: r.note,
    created_at: new Date(r.created_at).toISOString(),
  };
}

/** A user's do-not-contact list. Every query is scoped to the owner: another user's entries do not exist. */
export class DoNotContactService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** Adds normalised rows (from a form, a file or a task), skipping people already on the list. */
  async addRows(
    userId: number,
    rows: RowBatches | Iterable<SourceRow[]>,
    normalise: (r: SourceRow['record']) => NormalisedRow,
    meta: { source: 'MANUAL' | 'FILE' | 'TASK'; sourceTaskId?: number | null; note?: string | null },
  ): Promise<DncAddReport> {
    const report: DncAddReport = { added: 0, already: 0, invalid: 0, errors: [] };
    let batch: Array<Extract<NormalisedRow, { ok: true }>> = [];
    const flush = async () => {
      if (!batch.length) return;
      const seen = new Set<string>();
      const unique = batch.filter((r) => !seen.has(r.key) && seen.add(r.key));
      report.already += batch.length - unique.length;
      const known = await classify(this.db, { userId, groupKey: null }, unique);
      const fresh = unique.filter((r) => !known.has(r.key));
      report.already += unique.length - fresh.length;
      if (fresh.length) {
        const now = this.clock.now();
        const ins = await this.db
          .insertInto('do_not_contact')
          .values(
            fresh.map((r) => ({
              user_id: userId,
              identity_key: r.key,
              username: r.target.username?.toLowerCase() ?? null,
              user_id_platform: r.target.user_id_platform,
              phone: r.target.phone,
              source: meta.source,
              source_task_id: meta.sourceTaskId ?? null,
              note: meta.note ?? null,
              created_at: now,
            })),
          )
          .onConflict((oc) => oc.columns(['user_id', 'identity_key']).doNothing())
          .returning('id')
          .execute();
        report.added += ins.length;
        report.already += fresh.length - ins.length;
      }
      batch = [];
    };
    for await (const rowBatch of rows as RowBatches) {
      for (const row of rowBatch) {
        const n = normalise(row.record);
        if (!n.ok) {
          report.invalid++;
          if (report.errors.length < MAX_ERRORS) report.errors.push({ row: row.rowNumber, reason: n.reason, reason_text: n.text });
          continue;
        }
        batch.push(n);
        if (batch.length >= BATCH) await flush();
      }
    }
    await flush();
    return report;
  }

  /** Everyone in one of the user's tasks whose outcome carries one of these refusal codes. */
  async addFromTask(userId: number, taskId: number, codes: readonly string[]): Promise<DncAddReport & { matched: number }> {
    const people = await this.db
      .selectFrom('targets')
      .select(['id', 'username', 'user_id_platform', 'phone'])
      .where('task_id', '=', taskId)
      .where('status', 'in', ['SKIPPED', 'FAILED'])
      .where('error_code', 'in', [...codes])
      .orderBy('id')
      .execute();
    const rows = people.map((p, i) => ({
      rowNumber: i + 1,
      record: { username: p.username, user_id: p.user_id_platform, phone: p.phone } as Record<string, unknown>,
    }));
    const report = await this.addRows(userId, [rows], normaliseRecord, { source: 'TASK', sourceTaskId: taskId });
    return { matched: people.length, ...report };
  }

  async list(userId: number, q: { search?: string; page: number; page_size: number }) {
    let base = this.db.selectFrom('do_not_contact').where('user_id', '=', userId);
    if (q.search) {
      const s = personSearch(q.search);
      base = base.where((eb) =>
        eb.or([
          eb('username', 'ilike', s.like),
          eb('phone', 'like', s.like),
          ...s.phones.map((p) => eb('phone', 'like', p)),
          eb('user_id_platform', 'like', s.like),
          eb('note', 'ilike', s.like),
        ]),
      );
    }
    const { total } = await base.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow();
    const rows = await base
      .selectAll()
      .orderBy('id', 'desc')
      .limit(q.page_size)
      .offset((q.page - 1) * q.page_size)
      .execute();
    return { items: rows.map(dncToJson), total, page: q.page, page_size: q.page_size, pages: Math.ceil(total / q.page_size) };
  }

  async remove(userId: number, id: number): Promise<void> {
    const res = await this.db.deleteFrom('do_not_contact').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
    if (!Number(res.numDeletedRows)) throw notFound('Do-not-contact entry');
  }

  async count(userId: number): Promise<number> {
    return (await this.db.selectFrom('do_not_contact').select(sql<number>`count(*)::int`.as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow()).n;
  }
}
