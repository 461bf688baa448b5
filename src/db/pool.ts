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

/** What a pool gives way to: resolves once the work a merchant waits for is done, or its bound has passed. */
export type Foreground = { idle(): Promise<void> };

/**
 * The pool starts no query and hands out no connection (for a transaction) while `foreground` is
 * busy, up to its bound; a transaction already holding a connection goes on, so nothing waits
 * while holding locks or the log's settled head. For the background thread's pools: a nice value
 * does not keep its work from the cores the upload being answered needs, since the server's backends
 * and V8's helper threads do that work at full priority.
 */
export function givingWay(pool: pg.Pool, foreground: Foreground): pg.Pool {
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  // The forms with a callback pass straight through: pg-pool's own query takes a connection that way.
  pool.query = ((...args: unknown[]) =>
    typeof args.at(-1) === "function" ? query(...args) : foreground.idle().then(() => query(...args))) as typeof pool.query;
  pool.connect = ((...args: unknown[]) =>
    args.length > 0 ? connect(...args) : foreground.idle().then(() => connect())) as typeof pool.connect;
  return pool;
}
