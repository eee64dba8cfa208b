import { z } from 'zod';

/**
 * The input primitives every route schema shares, so one bound holds everywhere:
 * - ids are PostgreSQL `integer` (int4) columns: anything above 2,147,483,647 would make the database
 *   refuse the query (a 500), so it is a 400 here;
 * - dates must fit PostgreSQL's timestamptz and a person's intent: years 1970–9999;
 * - text never carries a NUL byte (PostgreSQL text cannot store one); that one is enforced for every
 *   field of every route by the validator (src/http/input-guards.ts), and by `text()` where a schema is
 *   used outside HTTP.
 */
export const INT4_MAX = 2_147_483_647;

/** A database id as JSON (a number) or from a path/query string (coerced). */
export function dbId(what = 'id') {
  return z.coerce
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .positive(`${what} must be a positive number`)
    .max(INT4_MAX, `${what} must be at most ${INT4_MAX}`);
}

/** A database id that must already be a JSON number (request bodies). */
export function dbIdStrict(what = 'id') {
  return z
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .positive(`${what} must be a positive number`)
    .max(INT4_MAX, `${what} must be at most ${INT4_MAX}`);
}

export const MIN_DATE = new Date('1970-01-01T00:00:00Z');
export const MAX_DATE = new Date('9999-12-31T23:59:59.999Z');

/** A date-time (ISO 8601 string or epoch milliseconds) between the years 1970 and 9999. */
export const boundedDate = () =>
  z.coerce
    .date({ error: 'must be a date-time like 2026-11-23T10:00:00Z' })
    .min(MIN_DATE, 'must be a date-time in the years 1970–9999')
    .max(MAX_DATE, 'must be a date-time in the years 1970–9999');

export const NUL_MESSAGE = 'must not contain a NUL byte (\\u0000)';

/** A string without NUL bytes (the HTTP validator refuses them anyway; this is for non-HTTP uses). */
export const text = () => z.string().refine((s) => !s.includes('\u0000'), NUL_MESSAGE);
