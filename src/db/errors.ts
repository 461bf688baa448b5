/** foreign_key_violation; and restrict_violation, which PGlite's newer PostgreSQL raises for ON DELETE RESTRICT where 15 says 23503. */
const FOREIGN_KEY_SQLSTATES = new Set(["23503", "23001"]);

type ErrorShape = { code?: unknown; originalCode?: unknown; kind?: unknown; meta?: { driverAdapterError?: unknown }; cause?: unknown };

/**
 * A foreign-key violation, however it surfaces: Prisma's P2003; a driver adapter error, on its own
 * or in a Prisma error's `meta.driverAdapterError` (this is the only place the SQLSTATE survives
 * for raw queries, P2010, and for codes the adapter leaves unmapped, such as PGlite's 23001, which
 * Prisma reports as its generic P2039); or a pg / PGlite error carrying the SQLSTATE as `code`.
 * P2039 itself is not enough: Prisma uses it for every unmapped database error (check violations too).
 */
export function isForeignKeyViolation(error: unknown): boolean {
  return hasForeignKeyViolation(error, 0);
}

function hasForeignKeyViolation(error: unknown, depth: number): boolean {
  if (typeof error !== "object" || error === null || depth > 5) return false;
  const e = error as ErrorShape;
  if (e.code === "P2003" || e.kind === "ForeignKeyConstraintViolation") return true;
  if (FOREIGN_KEY_SQLSTATES.has(String(e.code)) || FOREIGN_KEY_SQLSTATES.has(String(e.originalCode))) return true;
  return hasForeignKeyViolation(e.meta?.driverAdapterError, depth + 1) || hasForeignKeyViolation(e.cause, depth + 1);
}
