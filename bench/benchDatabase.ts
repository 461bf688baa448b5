import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Database } from "../src/db/database.ts";
import { createServerDatabase } from "../test/support/database.ts";

export type BenchDatabase = Database & { kind: "embedded" | "server" };

/**
 * A database of its own for one bench run: a fresh database on the DATABASE_URL server (dropped
 * afterwards, so a bench never writes into yours), else the embedded default in a temp directory.
 */
export async function benchDatabase(
  kind: BenchDatabase["kind"] = process.env.DATABASE_URL ? "server" : "embedded",
): Promise<BenchDatabase> {
  if (kind === "server") {
    if (!process.env.DATABASE_URL) throw new Error("a bench on a server needs DATABASE_URL");
    const server = await createServerDatabase(process.env.DATABASE_URL);
    const database = await openDatabase({ databaseUrl: server.url });
    return { ...database, kind: "server", close: async () => (await database.close(), await server.drop()) };
  }
  const dataDir = await mkdtemp(join(tmpdir(), "po-bench-"));
  const database = await openDatabase({ dataDir });
  return {
    ...database,
    kind: "embedded",
    close: async () => (await database.close(), await rm(dataDir, { recursive: true, force: true })),
  };
}
