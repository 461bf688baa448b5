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

/**
 * An isolated, migrated database per test file: a fresh database on the server in DATABASE_URL
 * (dropped on close), or an in-memory PGlite when DATABASE_URL is unset.
 */
export async function createTestDatabase(): Promise<Database & { url?: string }> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) return openDatabase({});
  const server = await createServerDatabase(serverUrl);
  const database = await openDatabase({ databaseUrl: server.url }).catch(async (error: unknown) => {
    await server.drop();
    throw error;
  });
  return {
    kind: database.kind,
    prisma: database.prisma,
    foreignKeyViolations: () => database.foreignKeyViolations(),
    url: server.url,
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
