import { createHash } from 'node:crypto';
import pg from 'pg';

/**
 * Server-side prepared statements for the hot reads (the status poll and the task list), on PostgreSQL.
 *
 * Why: PostgreSQL parses and plans every unnamed statement again. For the status poll (a task row, its counters and a
 * join counting eligible accounts) planning costs several times the execution: on this project's 2-core machine
 * pgbench ran it at ~2,100 statements/s unnamed and ~8,000–10,000/s prepared, with PostgreSQL sharing the cores with
 * the API. A statement named here is parsed and planned once per pooled connection (node-postgres then sends only
 * Bind/Execute), and PostgreSQL switches to a cached generic plan after its first executions.
 *
 * Only statements marked with `preparedSql` are named, and at most MAX_STATEMENTS distinct texts ever are, so the
 * memory each connection holds on the server stays bounded whatever shapes a query builder produces. A statement's
 * name is a hash of its text, so the same text always gets the same name and two texts never share one.
 * Marked statements must name their columns (no `SELECT *`): a cached plan whose result columns change (a migration
 * run by another process adding a column) fails with "cached plan must not change result type", while an explicit
 * column list simply re-plans.
 */
const MAX_STATEMENTS = 64;
const names = new Map<string, string>();

/** Marks an SQL text to run as a named prepared statement on PostgreSQL (PGlite ignores it); returns the text. */
export function preparedSql(text: string): string {
  if (!names.has(text) && names.size < MAX_STATEMENTS) names.set(text, `io_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`);
  return text;
}

/** The statement name a marked text runs under, or undefined for any other text. */
export function statementName(text: string): string | undefined {
  return names.get(text);
}

/**
 * The pool's client class: a marked text given with parameters (how Kysely calls `query`) runs as a named statement;
 * everything else (migrations' multi-statement scripts, transactions' BEGIN/COMMIT, cursors) passes through unchanged.
 */
export class PreparingClient extends pg.Client {
  override query(...args: unknown[]): never {
    const [text, values, callback] = args;
    if (typeof text === 'string' && Array.isArray(values)) {
      const name = names.get(text);
      if (name) return (super.query as (...a: unknown[]) => never)({ name, text, values }, callback);
    }
    return (super.query as (...a: unknown[]) => never)(...args);
  }
}
