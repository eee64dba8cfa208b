import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { PGlitePool } from './pglite-pool.js';

/**
 * One database connection held for a bulk write, with what Kysely cannot do: COPY … FROM a client-side buffer.
 * Kysely hides its connection, so bulk writers (the import) take one of these instead, and speak plain SQL on it;
 * statements run in order on that one connection, so BEGIN … COMMIT around them is a transaction.
 */
export interface BulkConnection {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** `COPY <into> FROM` the given data (PostgreSQL's text format in UTF-8: tab-separated, \N for null, one row a line). */
  copyIn(into: string, data: Buffer): Promise<void>;
}

export type BulkSession = <T>(work: (conn: BulkConnection) => Promise<T>) => Promise<T>;

/** PostgreSQL: a pooled connection, COPY FROM STDIN streamed over it (pg-copy-streams). */
export function postgresBulkSession(pool: pg.Pool): BulkSession {
  return async (work) => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      return await work({
        query: async <R>(text: string, params?: readonly unknown[]) => (await client.query(text, params as unknown[])).rows as R[],
        copyIn: async (into, data) => {
          try {
            await pipeline(Readable.from([data]), client.query(copyFrom(`COPY ${into} FROM STDIN`)));
          } catch (err) {
            // A COPY that failed half-way may leave the protocol mid-stream: the connection is not given back to the pool.
            broken = err as Error;
            throw err;
          }
        },
      });
    } finally {
      client.release(broken);
    }
  };
}

/**
 * PGlite: its one session, taken through the pool's queue (so no other statement interleaves), and COPY from a blob —
 * PGlite's `COPY … FROM '/dev/blob'` reads the Blob passed with the query.
 */
export function pgliteBulkSession(pool: PGlitePool): BulkSession {
  return async (work) => {
    const held = await pool.connect();
    try {
      return await work({
        query: async <R>(text: string, params?: readonly unknown[]) => (await pool.pglite.query<R>(text, params as unknown[])).rows,
        copyIn: async (into, data) => {
          await pool.pglite.query(`COPY ${into} FROM '/dev/blob'`, [], { blob: new Blob([data as Uint8Array<ArrayBuffer>]) });
        },
      });
    } finally {
      held.release();
    }
  };
}
