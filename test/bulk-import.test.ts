import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { addSandboxAccount, createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';
import type { SourceRow } from '../src/import/parsers/record-stream.js';
import { rowBatches } from './helpers/row-batches.js';
import type { ImportReport } from '../src/import/import-service.js';
import { classify } from '../src/hygiene/audience-hygiene.js';
import { normaliseRecord } from '../src/import/row-normaliser.js';
import { TargetService, targetToJson } from '../src/targets/target-service.js';
import { ImportService } from '../src/import/import-service.js';
import type { BulkSession } from '../src/db/bulk-session.js';

/**
 * The set-based import path (COPY into staging, one INSERT … SELECT per chunk) at its edges: chunks start at 1,000 rows
 * and double, so rows 1–1,000 are the first chunk, 1,001–3,000 the second, 3,001–7,000 the third. The same assertions
 * run on PGlite and on PostgreSQL (TEST_DATABASE_URL).
 */
let t: TestApp;
let capped: TestApp;
const CAP = 1500;
beforeAll(async () => {
  t = await makeTestApp({ MAX_TARGETS_PER_TASK: '10000' });
  await addSandboxAccount(t);
  capped = await makeTestApp({ MAX_TARGETS_PER_TASK: String(CAP) });
  await addSandboxAccount(capped);
}, 240_000); // two databases to migrate, on a machine that may be busy
afterAll(async () => {
  await t?.close();
  await capped?.close();
});

/** Records as a file parser yields them; row 1 is the header. `failAfter`: the file breaks after that many rows. */
const source = (records: unknown[], failAfter?: number) =>
  rowBatches(
    records.map((record, i) => ({ rowNumber: i + 2, record: record as SourceRow['record'] })),
    250,
    failAfter,
  );

const importInto = (app: TestApp, taskId: number, records: unknown[], failAfter?: number) =>
  app.ctx.importer.run(source(records, failAfter), { taskId, source: 'FILE_UPLOAD', dryRun: false });

const rowsOf = (app: TestApp, taskId: number) => app.ctx.db.selectFrom('targets').selectAll().where('task_id', '=', taskId).orderBy('id').execute();

/** The counters the triggers keep, and the same counted from the rows. */
async function expectCountersMatchRecount(app: TestApp, taskId: number) {
  const kept = await app.ctx.db.selectFrom('task_counters').selectAll().where('task_id', '=', taskId).executeTakeFirst();
  const counted = await app.ctx.db
    .selectFrom('targets')
    .select(['status', sql<number>`count(*)::int`.as('n')])
    .where('task_id', '=', taskId)
    .groupBy('status')
    .execute();
  const by = Object.fromEntries(counted.map((r) => [r.status, r.n]));
  expect({
    pending: kept?.pending ?? 0,
    in_flight: kept?.in_flight ?? 0,
    invited: kept?.invited ?? 0,
    sent: kept?.sent ?? 0,
    skipped: kept?.skipped ?? 0,
    failed: kept?.failed ?? 0,
  }).toEqual({
    pending: by.PENDING ?? 0,
    in_flight: by.IN_FLIGHT ?? 0,
    invited: by.INVITED ?? 0,
    sent: by.SENT ?? 0,
    skipped: by.SKIPPED ?? 0,
    failed: by.FAILED ?? 0,
  });
}

describe('bulk import into a task', () => {
  it('de-duplicates across chunk boundaries: the first occurrence wins, with its file row number', async () => {
    const task = await createInviteTask(t, ['cb_person_1500']);
    const records: Array<{ username: string; first_name: string }> = Array.from({ length: 3500 }, (_, i) => ({
      username: `cb_person_${i}`,
      first_name: 'first',
    }));
    // Rows 1,001–1,010 (second chunk) repeat people of rows 991–1,000 (first chunk), in another case.
    for (let i = 1000; i < 1010; i++) records[i] = { username: `CB_Person_${i - 10}`, first_name: 'later' };
    // Rows 3,001–3,005 (third chunk) repeat people of the second chunk's last rows.
    for (let i = 3000; i < 3005; i++) records[i] = { username: `cb_person_${i - 5}`, first_name: 'later' };
    // A repeat inside one chunk, and a person already in the task (row 1,501 is cb_person_1500).
    records[2500] = { username: 'cb_person_2400', first_name: 'later' };
    const report = await importInto(t, task.id, records);
    expect(report).toMatchObject({ total_rows: 3500, imported: 3500 - 17, duplicates: 17, over_limit: 0, invalid: 0 });
    const rows = await rowsOf(t, task.id);
    expect(rows).toHaveLength(1 + 3483);
    expect(rows.filter((r) => r.first_name === 'later')).toEqual([]);
    const byKey = new Map(rows.map((r) => [r.identity_key, r]));
    // The file row has its own column (migration 17); the API shows it as extra.row, beside the import id.
    expect(byKey.get('u:cb_person_990')!.file_row).toBe(992);
    expect(byKey.get('u:cb_person_2999')!.file_row).toBe(3001);
    expect(targetToJson(byKey.get('u:cb_person_2400')!).extra).toEqual({ row: 2402, import_id: expect.any(String) });
    // The person who was there before keeps their row (no import tag).
    expect(byKey.get('u:cb_person_1500')!.extra).toEqual({});
    expect(targetToJson(byKey.get('u:cb_person_1500')!).extra).toEqual({});
    // A row imported before migration 17 keeps its number in extra, and shows it as it was.
    expect(targetToJson({ ...byKey.get('u:cb_person_1500')!, extra: { row: 7, import_id: 'old' }, file_row: null }).extra).toEqual({
      row: 7,
      import_id: 'old',
    });
    // Every row of the run carries the same import id, and ids follow the file's order.
    expect(new Set(rows.slice(1).map((r) => (r.extra as { import_id: string }).import_id)).size).toBe(1);
    const fileRows = rows.slice(1).map((r) => r.file_row!);
    expect(fileRows).toEqual([...fileRows].sort((a, b) => a - b));
    await expectCountersMatchRecount(t, task.id);
    // A duplicate of the task keeps where each person came from.
    const owner = await t.ctx.db.selectFrom('tasks').select('user_id').where('id', '=', task.id).executeTakeFirstOrThrow();
    const copy = await t.ctx.tasks.duplicate(owner.user_id, task.id);
    const copied = new Map((await rowsOf(t, copy.id)).map((r) => [r.identity_key, r]));
    expect(targetToJson(copied.get('u:cb_person_990')!).extra).toEqual(targetToJson(byKey.get('u:cb_person_990')!).extra);
    expect(copied.get('u:cb_person_990')!.file_row).toBe(992);
  });

  it('writes an import into a new task without conflict handling while it can, and still counts each repeat once', async () => {
    // The same service over the same database, whose connection says which way each chunk went into targets.
    const ways: string[] = [];
    const recording: BulkSession = (work) =>
      t.ctx.database.bulk((conn) =>
        work({
          copyIn: (into, data) => conn.copyIn(into, data),
          query: <R>(text: string, params?: readonly unknown[]) => {
            if (text.includes('INSERT INTO targets')) ways.push(text.includes('ON CONFLICT') ? 'careful' : 'plain');
            return conn.query<R>(text, params);
          },
        }),
      );
    const importer = new ImportService(new TargetService(t.ctx.db, t.clock, 10_000, recording));
    const run = (taskId: number, records: unknown[], onProgress?: () => Promise<void>) =>
      importer.run(source(records), { taskId, source: 'FILE_UPLOAD', dryRun: false, onProgress });
    const people = (prefix: string) => Array.from({ length: 3500 }, (_, i) => ({ username: `${prefix}_${i}`, first_name: 'first' }));

    // Chunks of 1,000, 2,000 and 500 rows. A repeat inside the first chunk is dropped as the chunk is built, so it
    // still goes in plainly; row 2,002 repeats row 7 of the first chunk: the second chunk's plain insert is refused by
    // the unique key and the chunk is written again with ON CONFLICT, and so is the rest of the run.
    const task = await createInviteTask(t, [], { draft: true });
    const records = people('pl_person');
    records[10] = { username: 'pl_person_3', first_name: 'later' };
    records[2000] = { username: 'PL_Person_5', first_name: 'later' };
    const report = await run(task.id, records);
    expect(ways).toEqual(['plain', 'plain', 'careful', 'careful']);
    expect(report).toMatchObject({ total_rows: 3500, imported: 3498, duplicates: 2, invalid: 0, over_limit: 0 });
    const rows = await rowsOf(t, task.id);
    expect(rows).toHaveLength(3498);
    expect(rows.filter((r) => r.first_name === 'later')).toEqual([]);
    expect(rows.find((r) => r.identity_key === 'u:pl_person_5')!.file_row).toBe(7);
    await expectCountersMatchRecount(t, task.id);

    // A person added to the task while the import runs (after its first chunk, before its second): the task no
    // longer holds only what the run wrote, so the next chunks go in with ON CONFLICT at once, and that person is a
    // duplicate of the file, not imported twice.
    ways.length = 0;
    const other = await createInviteTask(t, [], { draft: true });
    let added = false;
    const second = await run(other.id, people('pl_other'), async () => {
      if (added) return;
      added = true;
      const target = { username: 'pl_other_1500', user_id_platform: null, phone: null, first_name: 'by hand', last_name: null };
      await t.ctx.targets.addBatch(other.id, [{ key: 'u:pl_other_1500', target }], 'MANUAL');
    });
    expect(ways).toEqual(['plain', 'careful', 'careful']);
    expect(second).toMatchObject({ total_rows: 3500, imported: 3499, duplicates: 1 });
    const held = await rowsOf(t, other.id);
    expect(held).toHaveLength(3500);
    expect(held.find((r) => r.identity_key === 'u:pl_other_1500')!.first_name).toBe('by hand');
    await expectCountersMatchRecount(t, other.id);

    // An import into a task that already holds people never tries the plain way.
    ways.length = 0;
    expect(await run(other.id, people('pl_other').slice(0, 1200))).toMatchObject({ imported: 0, duplicates: 1200 });
    expect(ways).toEqual(['careful', 'careful']);
  });

  it('stops at the cap in the middle of a chunk, in file order; people already in the task use no room', async () => {
    const task = await createInviteTask(capped, ['cap_person_5']);
    const records = Array.from({ length: 4000 }, (_, i) => `cap_person_${i}`);
    records[1200] = 'cap_person_1100'; // a repeat inside the second chunk
    const report = await importInto(capped, task.id, records);
    // Room for 1,499 more: 999 new in the first chunk (cap_person_5 is there already), 500 of the second's 1,999.
    expect(report).toMatchObject({ total_rows: 4000, imported: CAP - 1, duplicates: 2, over_limit: 4000 - 2 - (CAP - 1) });
    const keys = new Set((await rowsOf(capped, task.id)).map((r) => r.identity_key));
    expect(keys.size).toBe(CAP);
    expect(keys.has('u:cap_person_1500')).toBe(true); // the last one with room (1,200 was a repeat)
    expect(keys.has('u:cap_person_1501')).toBe(false);
    expect(keys.has('u:cap_person_3999')).toBe(false);
    // A full task: a repeat is still a duplicate, anyone new is over the limit.
    const again = await importInto(capped, task.id, ['cap_person_0', 'cap_person_3999']);
    expect(again).toMatchObject({ imported: 0, duplicates: 1, over_limit: 1 });
    await expectCountersMatchRecount(capped, task.id);
  });

  it('never lets concurrent imports into one task pass the cap together', async () => {
    const task = await createInviteTask(capped, []);
    const reports = await Promise.all(
      [0, 1, 2].map((k) =>
        importInto(
          capped,
          task.id,
          Array.from({ length: 1200 }, (_, i) => `conc${k}_person_${i}`),
        ),
      ),
    );
    const sum = (f: (r: ImportReport) => number) => reports.reduce((s, r) => s + f(r), 0);
    expect(sum((r) => r.imported)).toBe(CAP);
    expect(sum((r) => r.over_limit)).toBe(3 * 1200 - CAP);
    expect(sum((r) => r.duplicates)).toBe(0);
    expect(await rowsOf(capped, task.id)).toHaveLength(CAP);
    await expectCountersMatchRecount(capped, task.id);
  });

  it('applies audience hygiene in the statement: the same people, codes and messages as the per-person check', async () => {
    const earlier = await createInviteTask(t, []);
    const task = await createInviteTask(t, []);
    const group = 'grp_bulk_hygiene';
    await t.ctx.db.updateTable('tasks').set({ target_group_key: group }).where('id', '=', task.id).execute();
    const now = new Date();
    await t.ctx.db
      .insertInto('audience_ledger')
      .values([
        { user_id: 1, group_key: group, identity_key: 'u:hy_person_1', outcome: 'INVITED', task_id: earlier.id, created_at: now },
        { user_id: 1, group_key: group, identity_key: 'u:hy_person_1500', outcome: 'ALREADY_MEMBER', task_id: null, created_at: now },
        { user_id: 1, group_key: group, identity_key: 'u:hy_person_5', outcome: 'INVITED', task_id: earlier.id, created_at: now },
        // Another group's and another user's ledgers do not count.
        { user_id: 1, group_key: 'another_group', identity_key: 'u:hy_person_7', outcome: 'INVITED', task_id: null, created_at: now },
        { user_id: 2, group_key: group, identity_key: 'u:hy_person_8', outcome: 'INVITED', task_id: null, created_at: now },
      ])
      .execute();
    const dnc = (identity_key: string, f: { username?: string; user_id_platform?: string; phone?: string }, user_id = 1) => ({
      user_id,
      identity_key,
      username: f.username ?? null,
      user_id_platform: f.user_id_platform ?? null,
      phone: f.phone ?? null,
      source: 'MANUAL' as const,
    });
    await t.ctx.db
      .insertInto('do_not_contact')
      .values([
        dnc('u:hy_person_3', { username: 'hy_person_3' }),
        dnc('id:777000111', { user_id_platform: '777000111' }),
        dnc('p:+14155550199', { phone: '+14155550199' }),
        dnc('u:hy_person_9', { username: 'hy_person_9' }, 2),
      ])
      .execute();
    const records: Array<Record<string, string>> = Array.from({ length: 2000 }, (_, i) => ({ username: `hy_person_${i}` }));
    records[3] = { username: 'HY_Person_3' }; // matched whatever the case
    records[4] = { username: 'hy_person_4', user_id: '777000111' }; // matched by id, keyed by username
    records[5] = { username: 'hy_person_5', phone: '+1 415 555 0199' }; // in the ledger and on the list: the list wins
    records[1600] = { phone: '+14155550199' }; // by phone alone, in the second chunk
    const report = await importInto(t, task.id, records);
    expect(report).toMatchObject({ imported: 2000, already_invited: 2, do_not_contact: 4 });
    const rows = await rowsOf(t, task.id);
    const skipped = rows.filter((r) => r.status === 'SKIPPED');
    const oracle = await classify(
      t.ctx.db,
      { userId: 1, groupKey: group },
      records.map((r) => normaliseRecord(r)).flatMap((n) => (n.ok ? [{ key: n.key, target: n.target }] : [])),
    );
    expect(Object.fromEntries(skipped.map((r) => [r.identity_key, { code: r.error_code, message: r.error_message }]))).toEqual(
      Object.fromEntries([...oracle].map(([k, b]) => [k, { code: b.code, message: b.message }])),
    );
    expect(skipped.map((r) => r.identity_key).sort()).toEqual([
      'p:+14155550199',
      'u:hy_person_1',
      'u:hy_person_1500',
      'u:hy_person_3',
      'u:hy_person_4',
      'u:hy_person_5',
    ]);
    expect(skipped.every((r) => r.processed_at !== null && r.attempts === 0)).toBe(true);
    expect(rows.find((r) => r.identity_key === 'u:hy_person_1')!.error_message).toBe(`already invited into this group (task #${earlier.id})`);
    expect(rows.find((r) => r.identity_key === 'u:hy_person_1500')!.error_message).toBe('already a member of this group');
    await expectCountersMatchRecount(t, task.id);
  });

  it('removes every row of a failed import, those added as skipped by hygiene included, and keeps what was there', async () => {
    const task = await createInviteTask(t, ['rb_keep_1']);
    await t.ctx.db.insertInto('do_not_contact').values({ user_id: 1, identity_key: 'u:rb_person_10', username: 'rb_person_10', source: 'MANUAL' }).execute();
    const records = Array.from({ length: 5000 }, (_, i) => `rb_person_${i}`);
    // Two chunks (1,000 + 2,000 rows) are written and 500 rows of the third read before the file breaks.
    await expect(importInto(t, task.id, records, 3500)).rejects.toThrow('the file broke half-way');
    const rows = await rowsOf(t, task.id);
    expect(rows.map((r) => r.identity_key)).toEqual(['u:rb_keep_1']);
    await expectCountersMatchRecount(t, task.id);
    expect((await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}` })).json.counters).toMatchObject({ total: 1, pending: 1, skipped: 0 });
  });

  it('keeps names with backslashes, \\N and quotes intact through COPY', async () => {
    const task = await createInviteTask(t, []);
    const report = await importInto(t, task.id, [
      { username: 'esc_person_1', first_name: 'Back\\slash', last_name: 'N\\N' },
      { username: 'esc_person_2', first_name: '\\N', last_name: 'O\'Brien "Jr"' },
    ]);
    expect(report.imported).toBe(2);
    const rows = await rowsOf(t, task.id);
    expect(rows.map((r) => [r.first_name, r.last_name])).toEqual([
      ['Back\\slash', 'N\\N'],
      ['\\N', 'O\'Brien "Jr"'],
    ]);
  });
});
