import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type Database } from "../../src/db/database.ts";

export type ServerDatabase = { name: string; url: string; drop(): Promise<void> };

/** A new, empty database on the server `serverUrl` points at, named uniquely so test files run in parallel. */
export async function createServerDatabase(serverUrl: string): Promise<ServerDatabase> {
  const name = `po_test_${randomBytes(6).toString("hex")}`;
  await onServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    // FORCE: connections a test leaked must not keep the database alive.
    drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Which server this run's databases are on, for test names. */
export const testDatabaseKind = process.env.PO_TEST_DATABASE ?? "PostgreSQL server at DATABASE_URL";

/**
 * The server this run's test databases are made on: DATABASE_URL, or the embedded server the
 * global setup started and put there.
 */
export function testServerUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is unset: run the tests through vitest, whose global setup starts an embedded server");
  return url;
}

/** An isolated, migrated database per test file, on the run's server; dropped on close. */
export async function createTestDatabase(): Promise<Database> {
  const server = await createServerDatabase(testServerUrl());
  const database = await openDatabase({ databaseUrl: server.url }).catch(async (error: unknown) => {
    await server.drop();
    throw error;
  });
  return {
    ...database,
    async close() {
      await database.close();
      await server.drop();
    },
  };
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
