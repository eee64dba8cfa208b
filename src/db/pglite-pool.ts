import type { PGlite } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';

/**
 * Presents embedded PGlite as a one-connection pg pool, so Kysely's ordinary PostgreSQL dialect
 * (and therefore the same SQL, transactions and row locks) runs on it unchanged.
 * PGlite has a single session: connect() queues callers until the holder releases, which keeps
 * one transaction's statements from interleaving with another's.
 */
export class PGlitePool implements PostgresPool {
  private queue: Array<() => void> = [];
  private busy = false;

  constructor(readonly pglite: PGlite) {}

  async connect(): Promise<PostgresPoolClient> {
    if (this.busy) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.busy = true;
    let released = false;
    const client = {
      query: async <R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> => {
        // Parameterless multi-statement scripts (migrations) need PGlite's simple-query path.
        const result =
          parameters.length === 0 && sql.includes(';')
            ? ((await this.pglite.exec(sql)).at(-1)! as unknown as { rows: R[]; affectedRows?: number })
            : await this.pglite.query<R>(sql, parameters as unknown[]);
        const command = (sql.trimStart().split(/\s/, 1)[0]?.toUpperCase() ?? 'SELECT') as PostgresQueryResult<R>['command'];
        return { command, rowCount: result.affectedRows ?? result.rows.length, rows: result.rows };
      },
      release: () => {
        if (released) return;
        released = true;
        const next = this.queue.shift();
        if (next) next();
        else this.busy = false;
      },
    };
    return client as unknown as PostgresPoolClient;
  }

  async end(): Promise<void> {
    await this.pglite.close();
  }
}
