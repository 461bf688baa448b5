import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { SqlExecutor } from "./sqlExecutor.ts";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations/", import.meta.url));

/**
 * Applies the committed prisma/migrations/<name>/migration.sql files in order and records them in
 * `_prisma_migrations` as `prisma migrate deploy` would. Prisma's CLI cannot do it here: it needs a
 * native engine downloaded from outside the npm registry.
 */
export async function applyMigrations(executor: SqlExecutor, migrationsDir = MIGRATIONS_DIR): Promise<string[]> {
  await executor.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
  )`);
  const applied = new Map(
    (
      await executor.query<{ migration_name: string; checksum: string }>(
        `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
      )
    ).map((row) => [row.migration_name, row.checksum]),
  );
  const names = (await readdir(migrationsDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const appliedNow: string[] = [];
  for (const name of names) {
    const sql = await readFile(`${migrationsDir}/${name}/migration.sql`, "utf8");
    const checksum = createHash("sha256").update(sql).digest("hex");
    const recorded = applied.get(name);
    if (recorded !== undefined) {
      if (recorded !== checksum) throw new Error(`Migration ${name} was changed after it was applied (checksum ${recorded} ≠ ${checksum})`);
      continue;
    }
    await executor.transaction(async (tx) => {
      await tx.exec(sql);
      await tx.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), now(), 1)`,
        [randomUUID(), checksum, name],
      );
    });
    appliedNow.push(name);
  }
  return appliedNow;
}
