import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Database } from "../src/db/database.ts";
import { createTestDatabase } from "../test/support/database.ts";

/**
 * A database of its own for one bench run: a fresh database on the DATABASE_URL server (dropped
 * afterwards, so a bench never writes into yours), else the embedded default in a temp directory.
 */
export async function benchDatabase(): Promise<Database> {
  if (process.env.DATABASE_URL) return createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), "po-bench-"));
  const database = await openDatabase({ dataDir });
  return {
    ...database,
    kind: database.kind,
    prisma: database.prisma,
    foreignKeyViolations: database.foreignKeyViolations,
    async close() {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
