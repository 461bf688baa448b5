import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SqlExecutor } from "./sqlExecutor.ts";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations/", import.meta.url));

type MigrationRecord = { migration_name: string; checksum: string; finished_at: Date | null };

/**
 * Applies the committed prisma/migrations/<name>/migration.sql files in order, each in a
 * transaction, and records them in `_prisma_migrations` as `prisma migrate deploy` would, so the
 * Prisma CLI can take over where it runs. Here it cannot: it needs a native engine from the network.
 * Returns the names applied now. Callers serialise concurrent runs against one database.
 */
export async function applyMigrations(executor: SqlExecutor, migrationsDir = MIGRATIONS_DIR): Promise<string[]> {
  await executor.exec(`CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
  )`);
  const records = await executor.query<MigrationRecord>(
    "SELECT migration_name, checksum, finished_at FROM _prisma_migrations WHERE rolled_back_at IS NULL",
  );
  const failed = records.find((r) => r.finished_at === null);
  if (failed) {
    throw new Error(
      `Migration ${failed.migration_name} failed in an earlier run and is still recorded as started; resolve it before migrating further`,
    );
  }
  const appliedChecksums = new Map(records.map((r) => [r.migration_name, r.checksum]));
  const appliedNow: string[] = [];
  for (const name of await migrationNames(migrationsDir)) {
    const script = await readFile(join(migrationsDir, name, "migration.sql"));
    const checksum = createHash("sha256").update(script).digest("hex");
    const recorded = appliedChecksums.get(name);
    if (recorded === checksum) continue;
    if (recorded !== undefined) {
      throw new Error(
        `Migration ${name} was changed after it was applied (recorded checksum ${recorded}, file ${checksum}); add a new migration instead`,
      );
    }
    await executor.transaction(async (tx) => {
      await tx.exec(script.toString("utf8"));
      await tx.query(
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), now(), 1)`,
        [randomUUID(), checksum, name],
      );
    });
    appliedNow.push(name);
  }
  return appliedNow;
}

async function migrationNames(migrationsDir: string): Promise<string[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}
