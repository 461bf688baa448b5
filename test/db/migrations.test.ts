import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.ts";
import { applyMigrations, MIGRATIONS_DIR } from "../../src/db/migrations.ts";
import { pgExecutor, type SqlExecutor } from "../../src/db/sqlExecutor.ts";
import { createServerDatabase, testDatabaseKind, testServerUrl, type ServerDatabase } from "../support/database.ts";

const committed = (await readdir(MIGRATIONS_DIR, { withFileTypes: true }))
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();
const sha256 = async (file: string) =>
  createHash("sha256")
    .update(await readFile(file))
    .digest("hex");

type MigrationRow = {
  id: string;
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
  logs: string | null;
};

describe(`the migration runner (${testDatabaseKind})`, () => {
  let executor: SqlExecutor;
  let server: ServerDatabase;
  let closeConnection: () => Promise<void>;
  beforeEach(async () => {
    server = await createServerDatabase(testServerUrl());
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    executor = pgExecutor(client);
    closeConnection = () => client.end();
  });
  afterEach(async () => {
    await closeConnection();
    await server.drop();
  });
  const recorded = () => executor.query<MigrationRow>("SELECT * FROM _prisma_migrations ORDER BY migration_name");

  it("applies every committed migration once, recording it as Prisma does", async () => {
    expect(committed[0]).toMatch(/^\d{14}_init$/);
    expect(await applyMigrations(executor)).toEqual(committed);
    expect(await applyMigrations(executor)).toEqual([]);
    const rows = await recorded();
    expect(rows.map((r) => r.migration_name)).toEqual(committed);
    for (const row of rows) {
      expect(row.checksum).toBe(await sha256(join(MIGRATIONS_DIR, row.migration_name, "migration.sql")));
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row).toMatchObject({ rolled_back_at: null, applied_steps_count: 1, logs: null });
      expect(row.finished_at).toBeInstanceOf(Date);
    }
  });

  it("refuses to go on when an applied migration's checksum no longer matches its file", async () => {
    await applyMigrations(executor);
    await executor.query("UPDATE _prisma_migrations SET checksum = $1 WHERE migration_name = $2", ["0".repeat(64), committed[0]]);
    await expect(applyMigrations(executor)).rejects.toThrow(`Migration ${committed[0]} was changed after it was applied`);
  });

  it("refuses to go on past a migration recorded as started but never finished", async () => {
    await applyMigrations(executor);
    await executor.query("UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = $1", [committed.at(-1)]);
    await expect(applyMigrations(executor)).rejects.toThrow(`Migration ${committed.at(-1)} failed in an earlier run`);
  });

  describe("with migrations of its own", () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), "po-migrations-"));
      await cp(join(MIGRATIONS_DIR, committed[0]!), join(dir, committed[0]!), { recursive: true });
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it("applies only the ones added since the last run", async () => {
      expect(await applyMigrations(executor, dir)).toEqual([committed[0]]);
      await cp(join(MIGRATIONS_DIR, committed[1]!), join(dir, committed[1]!), { recursive: true });
      expect(await applyMigrations(executor, dir)).toEqual([committed[1]]);
    });

    it("rolls a failing migration back whole and records nothing of it", async () => {
      await mkdir(join(dir, "29990101000000_broken"));
      await writeFile(join(dir, "29990101000000_broken", "migration.sql"), 'CREATE TABLE "Fine" (id INT);\nSELECT * FROM no_such_table;');
      await expect(applyMigrations(executor, dir)).rejects.toThrow(/no_such_table/);
      expect(await executor.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'Fine'")).toEqual([]);
      expect((await recorded()).map((r) => r.migration_name)).toEqual([committed[0]]);
    });
  });

  it("lets processes that start together migrate one at a time", async () => {
    const opened = await Promise.allSettled([1, 2, 3].map(() => openDatabase({ databaseUrl: server.url })));
    await Promise.all(opened.map((result) => (result.status === "fulfilled" ? result.value.close() : undefined)));
    expect(opened.map((result) => (result.status === "rejected" ? String(result.reason) : "opened"))).toEqual([
      "opened",
      "opened",
      "opened",
    ]);
    expect((await recorded()).map((r) => r.migration_name)).toEqual(committed);
  });
});
