import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PGlitePool } from './pglite-pool.js';
import type { Database } from './schema.js';
import { migrate } from './migrations.js';
import { PreparingClient } from './prepared-statements.js';
import { type BulkSession, pgliteBulkSession, postgresBulkSession } from './bulk-session.js';

export type Db = Kysely<Database>;

// node-postgres returns int8/numeric as strings; PGlite returns numbers. Align them so
// the code above this layer sees one behaviour on both engines.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export interface DatabaseHandle {
  db: Db;
  engine: 'pglite' | 'postgres';
  /** A connection of the same database for bulk writes (COPY), on either engine. */
  bulk: BulkSession;
  close(): Promise<void>;
}

/** Opens PostgreSQL when a URL is given, otherwise embedded PGlite (a data dir, or memory:// for tests). */
/**
 * PostgreSQL's defaults assume a server with many connections; embedded PGlite has one, and its WASM heap keeps
 * whatever it once touched. These settings took an idle reopened database from ~365 MB to ~245 MB RSS on this
 * machine (shared_buffers dominates; PGLITE_SHARED_BUFFERS raises it for large embedded imports).
 */
function pgliteConf(sharedBuffers: string): string[] {
  return [`shared_buffers=${sharedBuffers}`, 'wal_buffers=1MB', 'max_connections=3', 'max_worker_processes=0'];
}

export async function openDatabase(opts: {
  url?: string;
  pgliteDataDir?: string;
  pgliteSharedBuffers?: string;
  onIdleClientError?: (err: Error) => void;
}): Promise<DatabaseHandle> {
  let db: Db;
  let engine: DatabaseHandle['engine'];
  let bulk: BulkSession;
  if (opts.url) {
    // PreparingClient runs the statements marked by preparedSql (src/db/prepared-statements.ts) as named ones.
    const pool = new pg.Pool({ connectionString: opts.url, max: 10, Client: PreparingClient });
    // An idle pooled connection that dies (PostgreSQL restarted, connection terminated by an admin) is reported
    // here; without a listener node-postgres would crash the process. The pool replaces the connection itself.
    pool.on('error', (err) => opts.onIdleClientError?.(err));
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    engine = 'postgres';
    bulk = postgresBulkSession(pool);
  } else {
    const dir = opts.pgliteDataDir ?? 'memory://';
    const conf = { postgresqlconf: pgliteConf(opts.pgliteSharedBuffers ?? '16MB') };
    if (dir !== 'memory://' && !existsSync(join(dir, 'PG_VERSION'))) {
      // Creating a database (initdb) grows the WASM heap by ~500 MB that it never gives back: create it in an
      // instance of its own, then open it afresh.
      const creating = new PGlite(dir, conf);
      await creating.waitReady;
      await creating.close();
    }
    const pglite = new PGlite(dir === 'memory://' ? undefined : dir, conf);
    await pglite.waitReady;
    const pool = new PGlitePool(pglite);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    engine = 'pglite';
    bulk = pgliteBulkSession(pool);
  }
  await migrate(db);
  return { db, engine, bulk, close: () => db.destroy() };
}
