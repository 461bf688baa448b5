import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { givingWay, survivingServerLoss } from "../../src/db/pool.ts";
import { Backpressure, GIVE_WAY_AT_MOST_MS } from "../../src/processmanagers/backpressure.ts";
import { createServerDatabase, testServerUrl, type ServerDatabase } from "../support/database.ts";

describe("a connection pool when the server drops its connections", () => {
  let server: ServerDatabase;
  beforeAll(async () => {
    server = await createServerDatabase(testServerUrl());
  });
  afterAll(() => server.drop());

  it("survives a checked-out connection terminated between two queries, and serves the next query on a fresh one", async () => {
    const pool = survivingServerLoss(new pg.Pool({ connectionString: server.url, max: 2 }));
    try {
      const held = await pool.connect();
      const { rows } = await held.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      // What a server shutdown does to every backend: FATAL 57P01 on a connection that runs no query.
      // Its 'error' event, had nothing listened, would have ended the process (and failed this run).
      await pool.query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
      // Nothing runs on it meanwhile, so the FATAL arrives as an event, not as a query's error.
      await expect
        .poll(async () => (await pool.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1", [rows[0]!.pid])).rows[0].n)
        .toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const refusal = await held.query("SELECT 1").then(
        () => undefined,
        (error: Error) => error,
      );
      expect(refusal).toBeInstanceOf(Error);
      // Handed back with its failure, as a holder does, the connection is dropped rather than reused.
      held.release(refusal);
      expect((await pool.query<{ n: number }>("SELECT 1 AS n")).rows).toEqual([{ n: 1 }]);
    } finally {
      await pool.end();
    }
  });
});

describe("a pool giving way to the foreground", () => {
  let server: ServerDatabase;
  beforeAll(async () => {
    server = await createServerDatabase(testServerUrl());
  });
  afterAll(() => server.drop());

  const settledYet = (promise: Promise<unknown>) => {
    const state = { settled: false };
    void promise.finally(() => (state.settled = true)).catch(() => undefined);
    return state;
  };

  it("starts no query and hands out no connection while the foreground is busy; a transaction holding one goes on", async () => {
    const foreground = new Backpressure();
    const pool = givingWay(new pg.Pool({ connectionString: server.url, max: 3 }), foreground);
    try {
      const transaction = await pool.connect();
      await transaction.query("BEGIN");
      foreground.begin();
      expect((await transaction.query<{ n: number }>("SELECT 2 AS n")).rows).toEqual([{ n: 2 }]);
      await transaction.query("COMMIT");
      transaction.release();
      // Asked for only now, so a slow machine's transaction above cannot use up the wait's bound.
      const query = pool.query<{ n: number }>("SELECT 1 AS n");
      const connection = pool.connect();
      const [queried, connected] = [settledYet(query), settledYet(connection)];
      await new Promise((resolve) => setTimeout(resolve, GIVE_WAY_AT_MOST_MS / 4));
      expect(queried.settled).toBe(false);
      expect(connected.settled).toBe(false);
      foreground.end();
      expect((await query).rows).toEqual([{ n: 1 }]);
      (await connection).release();
    } finally {
      await pool.end();
    }
  });

  it("waits its bound at most: a foreground that never rests slows the background, never stops it", async () => {
    const foreground = new Backpressure();
    const pool = givingWay(new pg.Pool({ connectionString: server.url, max: 1 }), foreground);
    try {
      foreground.begin();
      const started = performance.now();
      expect((await pool.query<{ n: number }>("SELECT 1 AS n")).rows).toEqual([{ n: 1 }]);
      expect(performance.now() - started).toBeGreaterThanOrEqual(GIVE_WAY_AT_MOST_MS * 0.9);
      foreground.end();
    } finally {
      await pool.end();
    }
  });
});
