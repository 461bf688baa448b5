/** Foreign-key violations, however they surface: Prisma codes, or the driver's SQLSTATE. */
const FOREIGN_KEY_CODES = new Set(["P2003", "P2039", "23503", "23001"]);

export function isForeignKeyViolation(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 6) return false;
  const e = error as { code?: unknown; originalCode?: unknown; kind?: unknown; meta?: unknown; cause?: unknown };
  if (typeof e.code === "string" && FOREIGN_KEY_CODES.has(e.code)) return true;
  if (typeof e.originalCode === "string" && FOREIGN_KEY_CODES.has(e.originalCode)) return true;
  if (e.kind === "ForeignKeyConstraintViolation") return true;
  const meta = e.meta as { driverAdapterError?: unknown } | undefined;
  return isForeignKeyViolation(meta?.driverAdapterError, depth + 1) || isForeignKeyViolation(e.cause, depth + 1);
}
