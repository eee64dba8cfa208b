import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { PGlitePool } from './pglite-pool.js';
import type { Database } from './schema.js';
import { migrate } from './migrations.js';

export type Db = Kysely<Database>;

// node-postgres returns int8/numeric as strings; PGlite returns numbers. Align them so
// the code above this layer sees one behaviour on both engines.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export interface DatabaseHandle {
  db: Db;
  engine: 'pglite' | 'postgres';
  close(): Promise<void>;
}

/** Opens PostgreSQL when a URL is given, otherwise embedded PGlite (a data dir, or memory:// for tests). */
export async function openDatabase(opts: { url?: string; pgliteDataDir?: string; onIdleClientError?: (err: Error) => void }): Promise<DatabaseHandle> {
  let db: Db;
  let engine: DatabaseHandle['engine'];
  if (opts.url) {
    const pool = new pg.Pool({ connectionString: opts.url, max: 10 });
    // An idle pooled connection that dies (PostgreSQL restarted, connection terminated by an admin) is reported
    // here; without a listener node-postgres would crash the process. The pool replaces the connection itself.
    pool.on('error', (err) => opts.onIdleClientError?.(err));
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    engine = 'postgres';
  } else {
    const dir = opts.pgliteDataDir ?? 'memory://';
    const pglite = new PGlite(dir === 'memory://' ? undefined : dir);
    await pglite.waitReady;
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new PGlitePool(pglite) }) });
    engine = 'pglite';
  }
  await migrate(db);
  return { db, engine, close: () => db.destroy() };
}
