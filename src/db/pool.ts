import type pg from "pg";

/**
 * A server that goes away (killed, restarted) must not crash the process. An idle connection's error
 * goes to the pool, which replaces the connection; a checked-out one's — between two queries of a
 * transaction, say — would be an unhandled 'error' event, so every connection gets a listener of its
 * own. Whoever holds the connection still sees the failure, through its query.
 */
export function survivingServerLoss(pool: pg.Pool): pg.Pool {
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", () => undefined));
  return pool;
}
