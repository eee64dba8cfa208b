/**
 * What writing rows into `targets` costs, built up one piece at a time (not a test): the same rows, as an import of a
 * fresh task stores them, COPYed by `psql \copy` into a scratch table that gains one of targets' parts per step —
 * from two bare text columns to the table as migrated (indexes, the identity key's collation, the counter trigger, the
 * check that each row's task exists) — and, for comparison, the per-row foreign key the check replaced (migration 11)
 * and a locale collation (Russian ICU) where migration 12 made the identity key bytewise. Each step runs five times
 * into an emptied table; the median is printed, with its multiple of the first step (the import benchmark's raw COPY ceiling).
 *
 *   BENCH_DATABASE_URL=postgres://… npx tsx bench/targets-write-cost.ts     # a fresh database, dropped after
 *   BENCH_IMPORT_ROWS=1000000 …                                            # rows (default 200,000)
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase, runSql } from './fresh-database.js';
import { timedCopy } from './psql-copy.js';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 200_000);
const RUNS = 5;
const admin = process.env.BENCH_DATABASE_URL;
const COLUMNS = 'identity_key, username, user_id_platform, phone, first_name, last_name, task_id, source, extra, file_row, status, created_at, updated_at';

/** `row(i)` for every row, written to `path` in COPY's text format. */
async function writeRows(path: string, row: (i: number) => string): Promise<void> {
  const out = createWriteStream(path);
  for (let start = 0; start < ROWS; start += 10_000) {
    let chunk = '';
    for (let i = start; i < Math.min(ROWS, start + 10_000); i++) chunk += row(i);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
}

async function main() {
  if (!admin) throw new Error('set BENCH_DATABASE_URL (PostgreSQL: psql must be on the PATH)');
  const fresh = await freshDatabase(admin, 'io_write_cost');
  const file = join(tmpdir(), `io-write-cost-${randomBytes(4).toString('hex')}.tsv`);
  const rawFile = `${file}.raw`;
  const narrowFile = `${file}.narrow`;
  const randomFile = `${file}.random`;
  const narrowRandomFile = `${file}.narrow-random`;
  try {
    const { createContext } = await import('../src/app-context.js');
    const { loadConfig } = await import('../src/config/config.js');
    const { createLogger } = await import('../src/observability/logger.js');
    const ctx = await createContext(
      loadConfig({
        ...process.env,
        JWT_SECRET: randomBytes(16).toString('hex'),
        SESSION_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
        DATABASE_URL: fresh.url,
        LOG_LEVEL: 'silent',
        RUN_WORKER: 'false',
      }),
      { logger: createLogger('silent') },
    );
    const task = await ctx.tasks.create(
      1,
      { type: 'invite_to_group', target_group: '@sandbox_marketing', priority: 'MEDIUM', platform: 'telegram', settings: {}, start: false } as never,
      'write cost',
    );
    await ctx.close();
    // The rows as an import of a fresh task stores them (the file row in its column, migration 17); and the same people
    // as two bare columns.
    const now = new Date().toISOString();
    await writeRows(
      file,
      (i) => `u:user_${i}_x\tuser_${i}_x\t\\N\t\\N\t\\N\t\\N\t${task.id}\tFILE_UPLOAD\t{"import_id": "b7c1"}\t${i + 2}\tPENDING\t${now}\t${now}\n`,
    );
    await writeRows(rawFile, (i) => `user_${i}_x\t\\N\n`);
    // The same people as a narrow audience store would hold them: the task, the place in the file, the identity key and
    // the five identifiers; no status, times, source or row details.
    await writeRows(narrowFile, (i) => `${task.id}\t${i}\tu:user_${i}_x\tuser_${i}_x\t\\N\t\\N\t\\N\t\\N\n`);
    // The same rows with people whose names follow no order of the file, as a parsed audience's do: `user_${i}_x` in
    // file order is nearly in key order, so its unique key is filled almost left to right. A multiplicative hash mod
    // 2^32 (an odd factor) is a bijection, so the names stay distinct.
    const scattered = (i: number) => `user_${Math.imul(i + 1, 2654435761) >>> 0}_x`;
    await writeRows(
      randomFile,
      (i) => `u:${scattered(i)}\t${scattered(i)}\t\\N\t\\N\t\\N\t\\N\t${task.id}\tFILE_UPLOAD\t{"import_id": "b7c1"}\t${i + 2}\tPENDING\t${now}\t${now}\n`,
    );
    await writeRows(narrowRandomFile, (i) => `${task.id}\t${i}\tu:${scattered(i)}\t${scattered(i)}\t\\N\t\\N\t\\N\t\\N\n`);
    const load = (await import('node:os')).loadavg().map((l) => l.toFixed(2));
    console.log(
      `targets write cost: ${ROWS.toLocaleString('en')} rows, psql \\copy (its own time, \\timing), median of ${RUNS}; load average ${load.join(' ')}`,
    );

    const steps: Array<{ label: string; from: string; columns: string; setup: string }> = [];
    const shaped = (label: string, setup: string) =>
      steps.push({ label, from: file, columns: COLUMNS, setup: `CREATE TABLE w (LIKE targets INCLUDING DEFAULTS INCLUDING CONSTRAINTS); ${setup}` });
    steps.push({
      label: 'raw: two text columns (the import benchmark’s ceiling)',
      from: rawFile,
      columns: 'username, phone',
      setup: 'CREATE TABLE w (username text, phone text)',
    });
    shaped('targets’ columns, defaults and checks, no index', '');
    shaped('+ primary key (id)', 'ALTER TABLE w ADD PRIMARY KEY (id)');
    const unique = 'ALTER TABLE w ADD PRIMARY KEY (id); ALTER TABLE w ADD UNIQUE (task_id, identity_key)';
    shaped(
      '+ unique (task_id, identity_key), identity key in the Russian ICU collation (a Russian database before migration 12)',
      `ALTER TABLE w ALTER COLUMN identity_key TYPE text COLLATE "ru-x-icu"; ${unique}`,
    );
    shaped('+ unique (task_id, identity_key), identity key bytewise "C" (as migrated)', unique);
    const indexed = `${unique}; CREATE INDEX ON w (task_id, status, id); CREATE INDEX ON w (in_flight_at) WHERE status = 'IN_FLIGHT'`;
    shaped('+ (task_id, status, id) and the in-flight index', indexed);
    const counted = `${indexed}; CREATE TRIGGER w_counted AFTER INSERT ON w REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION task_counters_after_insert()`;
    shaped('+ the counter trigger', counted);
    shaped(
      '+ the task check, once per statement (= targets as migrated)',
      `${counted}; CREATE TRIGGER w_checked AFTER INSERT ON w REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION targets_check_task()`,
    );
    // Not targets: the floor of the storage design the README names (people stored narrow at import, moved into
    // targets as the task runs). It still needs its de-duplication key, for the next import and for manual adds.
    const narrow = (label: string, setup: string, from = narrowFile) =>
      steps.push({
        label,
        from,
        columns: 'task_id, ord, identity_key, username, user_id_platform, phone, first_name, last_name',
        setup: `CREATE TABLE w (task_id integer NOT NULL, ord integer NOT NULL, identity_key text COLLATE "C" NOT NULL, username text, user_id_platform text, phone text, first_name text, last_name text); ${setup}`,
      });
    narrow('  instead: a narrow audience store (task, place in the file, identity key, identifiers), no index', '');
    narrow('  the narrow store + its de-duplication key (task_id, identity_key)', 'CREATE INDEX ON w (task_id, identity_key)');
    narrow(
      '  the same, people whose names follow no order of the file (as parsed audiences come)',
      'CREATE INDEX ON w (task_id, identity_key)',
      narrowRandomFile,
    );
    steps.push({
      label: '  targets as migrated, people whose names follow no order of the file',
      from: randomFile,
      columns: COLUMNS,
      setup: `CREATE TABLE w (LIKE targets INCLUDING DEFAULTS INCLUDING CONSTRAINTS); ${counted}; CREATE TRIGGER w_checked AFTER INSERT ON w REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION targets_check_task()`,
    });
    shaped(
      '  instead: the foreign key to tasks, row by row (before migration 11)',
      `${counted}; ALTER TABLE w ADD FOREIGN KEY (task_id) REFERENCES tasks(id) ON DELETE CASCADE`,
    );

    let first = 0;
    for (const step of steps) {
      await runSql(fresh.url, `DROP TABLE IF EXISTS w; ${step.setup}`);
      const times: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        await runSql(fresh.url, 'TRUNCATE w; CHECKPOINT');
        times.push((await timedCopy(fresh.url, `\\copy w (${step.columns}) FROM '${step.from}'`)) * 1000);
      }
      const median = times.sort((a, b) => a - b)[RUNS >> 1]!;
      first ||= median;
      console.log(`${step.label}: ${Math.round(median)} ms (${(median / first).toFixed(1)} ×; runs ${times.map(Math.round).join(' / ')})`);
    }
  } finally {
    rmSync(file, { force: true });
    rmSync(rawFile, { force: true });
    rmSync(narrowFile, { force: true });
    rmSync(randomFile, { force: true });
    rmSync(narrowRandomFile, { force: true });
    await fresh.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
