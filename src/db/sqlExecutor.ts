import pg from "pg";

/** The little raw SQL the migration runner needs. */
export interface SqlExecutor {
  /** Runs a script of one or more statements, without parameters. */
  exec(sql: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs fn in a transaction; inside one already, fn joins it. */
  transaction<T>(fn: (executor: SqlExecutor) => Promise<T>): Promise<T>;
}

/** Over a pool, each transaction takes its own connection; over a client, it uses that one. */
export function pgExecutor(client: pg.Pool | pg.PoolClient | pg.Client): SqlExecutor {
  return {
    async exec(sql) {
      await client.query(sql);
    },
    async query<T>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as T[];
    },
    async transaction(fn) {
      const connection = client instanceof pg.Pool ? await client.connect() : client;
      try {
        await connection.query("BEGIN");
        const result = await fn(joinedTransaction(connection));
        await connection.query("COMMIT");
        return result;
      } catch (error) {
        // On a broken connection the rollback fails too; the error worth reporting is the first.
        await connection.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        if (connection !== client) (connection as pg.PoolClient).release();
      }
    },
  };
}

function joinedTransaction(connection: pg.PoolClient | pg.Client): SqlExecutor {
  const joined: SqlExecutor = { ...pgExecutor(connection), transaction: (fn) => fn(joined) };
  return joined;
}
