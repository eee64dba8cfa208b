/**
 * Where an import's time goes (not a test): the bench's CSV read by the file parser alone, then parsed and normalised,
 * then imported into a task through ImportService on one engine — as deployed, with the insert's counter trigger
 * disabled, and with the check that each row's task exists disabled, each on its own scratch database (the
 * differences are what those two statement-level triggers cost). No HTTP: the parse and the upload stream are
 * the same code the route runs. The import's own wall time is also split into the time the database was writing
 * chunks and the time it was waiting for the next one.
 *
 *   BENCH_DATABASE_URL=postgres://… npx tsx bench/import-profile.ts     # PostgreSQL (a fresh database, dropped after)
 *   npx tsx bench/import-profile.ts                                    # PGlite
 *   BENCH_IMPORT_ROWS=1000000 …                                        # size (default 200,000)
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { fileRows } from '../src/import/file-rows.js';
import { normaliseRecord } from '../src/import/row-normaliser.js';
import { freshDatabase } from './fresh-database.js';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 200_000);
const admin = process.env.BENCH_DATABASE_URL || undefined;

async function writeCsv(path: string): Promise<void> {
  const out = createWriteStream(path);
  out.write('username,phone\r\n');
  for (let start = 0; start < ROWS; start += 10_000) {
    let chunk = '';
    for (let i = start; i < Math.min(ROWS, start + 10_000); i++) chunk += i % 200 === 199 ? 'not valid!,\r\n' : `user_${i % 50 === 49 ? i - 1 : i}_x,\r\n`;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
}

const rowsOf = async (file: string) => (await fileRows(createReadStream(file), 'big.csv', 'text/csv')).rows;

async function timed(label: string, fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  const out = await fn();
  const s = (performance.now() - started) / 1000;
  console.log(`${label}: ${s.toFixed(2)} s${out === undefined ? '' : ` ${JSON.stringify(out)}`}`);
  return s;
}

async function main() {
  const file = join(tmpdir(), `io-import-profile-${randomBytes(4).toString('hex')}.csv`);
  await writeCsv(file);
  const { createContext } = await import('../src/app-context.js');
  const { loadConfig } = await import('../src/config/config.js');
  const { createLogger } = await import('../src/observability/logger.js');
  try {
    console.log(
      `${ROWS.toLocaleString('en')} rows, engine ${admin ? 'PostgreSQL' : 'PGlite'}, load average ${(await import('node:os'))
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const parse = await timed('parse only (CSV → records)', async () => {
      let n = 0;
      for await (const batch of await rowsOf(file)) n += batch.length;
      return { rows: n };
    });
    const parseNorm = await timed('parse + normalise', async () => {
      let ok = 0;
      for await (const batch of await rowsOf(file)) for (const r of batch) if (normaliseRecord(r.record).ok) ok++;
      return { valid: ok };
    });
    for (const variant of ['as deployed', 'counter trigger OFF', 'task check trigger OFF'] as const) {
      const fresh = admin ? await freshDatabase(admin, 'io_profile') : undefined;
      const config = loadConfig({
        ...process.env,
        JWT_SECRET: randomBytes(16).toString('hex'),
        SESSION_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
        DATABASE_URL: fresh?.url ?? '',
        PGLITE_DATA_DIR: 'memory://',
        LOG_LEVEL: 'silent',
        RUN_WORKER: 'false',
        MAX_TARGETS_PER_TASK: String(ROWS),
      });
      const ctx = await createContext(config, { logger: createLogger('silent') });
      try {
        if (variant === 'counter trigger OFF') await sql`ALTER TABLE targets DISABLE TRIGGER targets_counted_insert`.execute(ctx.db);
        if (variant === 'task check trigger OFF') await sql`ALTER TABLE targets DISABLE TRIGGER targets_task_checked`.execute(ctx.db);
        const task = await ctx.tasks.create(
          1,
          { type: 'invite_to_group', target_group: '@sandbox_marketing', priority: 'MEDIUM', platform: 'telegram', settings: {}, start: false } as never,
          'import profile',
        );
        // The time chunks spent in the database (from handing one over to its answer); chunks are written one after
        // another, so the rest of the wall time is the database waiting for rows.
        const addChunk = ctx.targets.addChunk.bind(ctx.targets);
        let writing = 0;
        ctx.targets.addChunk = async (...args) => {
          const started = performance.now();
          try {
            return await addChunk(...args);
          } finally {
            writing += performance.now() - started;
          }
        };
        const total = await timed(`import into a task, ${variant}`, async () => {
          const r = await ctx.importer.run(await rowsOf(file), { taskId: task.id, source: 'FILE_UPLOAD', dryRun: false });
          return { imported: r.imported, duplicates: r.duplicates, invalid: r.invalid };
        });
        console.log(`  of which chunks in the database ${(writing / 1000).toFixed(2)} s, database waiting for rows ${(total - writing / 1000).toFixed(2)} s`);
      } finally {
        await ctx.close();
        await fresh?.drop();
      }
    }
    console.log(`  parse ${parse.toFixed(2)} s, normalise ${(parseNorm - parse).toFixed(2)} s`);
  } finally {
    rmSync(file, { force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
