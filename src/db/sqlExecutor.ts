import type { PGlite, Transaction } from "@electric-sql/pglite";
import type { Pool, PoolClient } from "pg";

/** The little raw SQL the migration runner needs, over PGlite or a pg pool alike. */
export interface SqlExecutor {
  exec(sql: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  transaction<T>(fn: (executor: SqlExecutor) => Promise<T>): Promise<T>;
}

export function pgliteExecutor(db: PGlite | Transaction): SqlExecutor {
  return {
    async exec(sql) {
      await db.exec(sql);
    },
    async query<T>(sql: string, params: unknown[] = []) {
      return (await db.query<T>(sql, params)).rows;
    },
    transaction(fn) {
      if (!("transaction" in db)) return fn(pgliteExecutor(db));
      return db.transaction((tx) => fn(pgliteExecutor(tx)));
    },
  };
}

export function pgExecutor(client: Pool | PoolClient): SqlExecutor {
  return {
    async exec(sql) {
      await client.query(sql);
    },
    async query<T>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as T[];
    },
    async transaction(fn) {
      const connection = "release" in client ? client : await client.connect();
      try {
        await connection.query("begin");
        const result = await fn(pgExecutor(connection));
        await connection.query("commit");
        return result;
      } catch (error) {
        await connection.query("rollback");
        throw error;
      } finally {
        if (connection !== client) connection.release();
      }
    },
  };
}
