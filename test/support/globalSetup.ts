import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedServer } from "../../src/db/embeddedServer.ts";

/**
 * Without DATABASE_URL the run gets one embedded PostgreSQL server, the engine `npm start` runs,
 * and each test file a fresh database on it (test/support/database.ts), as on any server.
 * Test files and the apps they spawn find it through DATABASE_URL, set here before the workers start.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.DATABASE_URL) return undefined;
  const dataDir = await mkdtemp(join(tmpdir(), "po-test-server-"));
  const server = await startEmbeddedServer(dataDir);
  process.env.DATABASE_URL = server.url;
  process.env.PO_TEST_DATABASE = "embedded PostgreSQL server";
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
