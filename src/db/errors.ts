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

/** Connection failures and server shutdown (SQLSTATE class 08, 57P01-57P03) and the driver's own words for them. */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "P1001",
  "P1002",
  "P1017",
  "57P01",
  "57P02",
  "57P03",
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection timeout|Client has encountered a connection error|the database system is (starting up|shutting down)|connect ENOENT .*\.s\.PGSQL\./i;

/** Whether a failure means the database cannot be reached just now: worth a 503 and a retry, not a 500. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return unavailable(error, 0);
}

function unavailable(error: unknown, depth: number): boolean {
  if (typeof error !== "object" || error === null || depth > 5) return false;
  const e = error as ErrorShape & { message?: unknown; kind?: unknown; syscall?: unknown };
  // The embedded server's unix socket is gone while the server is down.
  if (e.code === "ENOENT" && e.syscall === "connect") return true;
  for (const code of [e.code, e.originalCode]) {
    if (code !== undefined && (UNAVAILABLE_CODES.has(String(code)) || String(code).startsWith("08"))) return true;
  }
  if (e.kind === "DatabaseNotReachable" || e.kind === "ConnectionClosed") return true;
  if (typeof e.message === "string" && UNAVAILABLE_MESSAGES.test(e.message)) return true;
  return unavailable(e.meta?.driverAdapterError, depth + 1) || unavailable(e.cause, depth + 1);
}
