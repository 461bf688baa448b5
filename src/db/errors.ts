const FOREIGN_KEY_VIOLATION = "23503";

type ErrorShape = { code?: unknown; originalCode?: unknown; kind?: unknown; meta?: { driverAdapterError?: unknown }; cause?: unknown };

/**
 * A foreign-key violation, however it surfaces: Prisma's P2003; a driver adapter error, on its own
 * or in a Prisma error's `meta.driverAdapterError` (this is the only place the SQLSTATE survives
 * for raw queries, P2010); or a pg error carrying the SQLSTATE as `code`.
 * P2039 itself is not enough: Prisma uses it for every unmapped database error (check violations too).
 */
export function isForeignKeyViolation(error: unknown): boolean {
  return hasForeignKeyViolation(error, 0);
}

function hasForeignKeyViolation(error: unknown, depth: number): boolean {
  if (typeof error !== "object" || error === null || depth > 5) return false;
  const e = error as ErrorShape;
  if (e.code === "P2003" || e.kind === "ForeignKeyConstraintViolation") return true;
  if (String(e.code) === FOREIGN_KEY_VIOLATION || String(e.originalCode) === FOREIGN_KEY_VIOLATION) return true;
  return hasForeignKeyViolation(e.meta?.driverAdapterError, depth + 1) || hasForeignKeyViolation(e.cause, depth + 1);
}
