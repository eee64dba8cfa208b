/**
 * A unique index refused a row (SQLSTATE 23505): the same on PostgreSQL (pg's DatabaseError) and PGlite, which both
 * carry the code and the index's name. `constraint`: only that index.
 */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; constraint?: unknown };
  return e.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
