import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, MIGRATIONS_DIR } from "../../src/db/migrations.ts";
import { pgliteExecutor } from "../../src/db/sqlExecutor.ts";
import { createTestDatabase } from "../support/database.ts";
import { expectedColumnType, parsePrismaSchema } from "../support/prismaSchema.ts";

const schemaSource = await readFile(new URL("../../prisma/schema.prisma", import.meta.url), "utf8");

describe("migrations", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const query = <T>(sql: string, ...params: unknown[]) => database.prisma.$queryRawUnsafe<T[]>(sql, ...params);
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  it("record each applied migration with Prisma's checksum", async () => {
    const rows = await query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      `select migration_name, checksum, finished_at from "_prisma_migrations"`,
    );
    expect(rows.map((r) => r.migration_name).sort()).toEqual(["20261123000000_init", "20261123060000_processor_operations", "20261123070000_append_function"]);
    const { createHash } = await import("node:crypto");
    const sql = await readFile(join(MIGRATIONS_DIR, "20261123000000_init", "migration.sql"));
    expect(rows[0]!.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
    expect(rows[0]!.finished_at).not.toBeNull();
  });

  it("leave the database exactly as schema.prisma describes it", async () => {
    const models = parsePrismaSchema(schemaSource);
    expect(models.length).toBeGreaterThan(5);
    const columns = await query<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
      `select table_name, column_name, data_type, is_nullable from information_schema.columns where table_schema = current_schema()`,
    );
    const tables = new Set(columns.map((c) => c.table_name));
    expect([...tables].sort()).toEqual([...models.map((m) => m.table), "_prisma_migrations"].sort());
    for (const model of models) {
      const actual = columns
        .filter((c) => c.table_name === model.table)
        .map((c) => ({ column: c.column_name, type: c.data_type, optional: c.is_nullable === "YES" }))
        .sort((a, b) => a.column.localeCompare(b.column));
      const expected = model.fields
        .map((f) => ({ column: f.column, type: expectedColumnType(f), optional: f.optional }))
        .sort((a, b) => a.column.localeCompare(b.column));
      expect(actual, model.name).toEqual(expected);
    }
    const foreignKeys = await query<{ table_name: string; column_name: string; foreign_table: string; delete_rule: string }>(
      `select tc.table_name, kcu.column_name, ccu.table_name as foreign_table, rc.delete_rule
       from information_schema.table_constraints tc
       join information_schema.key_column_usage kcu on tc.constraint_name = kcu.constraint_name
       join information_schema.constraint_column_usage ccu on tc.constraint_name = ccu.constraint_name
       join information_schema.referential_constraints rc on tc.constraint_name = rc.constraint_name
       where tc.constraint_type = 'FOREIGN KEY' and tc.table_schema = current_schema()`,
    );
    const expectedKeys = models.flatMap((m) =>
      m.relations.map((r) => ({ table_name: m.table, column_name: r.fields[0]!, foreign_table: r.target, delete_rule: r.onDelete === "Cascade" ? "CASCADE" : "RESTRICT" })),
    );
    const byKey = (a: { table_name: string; column_name: string }, b: { table_name: string; column_name: string }) =>
      `${a.table_name}.${a.column_name}`.localeCompare(`${b.table_name}.${b.column_name}`);
    expect(foreignKeys.sort(byKey)).toEqual(expectedKeys.sort(byKey));
  });
});

describe("the migration runner", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "po-migrations-"));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("applies each migration once, and refuses one changed after it was applied", async () => {
    const db = new PGlite();
    const executor = pgliteExecutor(db);
    expect(await applyMigrations(executor, dir)).toEqual(["20261123000000_init", "20261123060000_processor_operations", "20261123070000_append_function"]);
    expect(await applyMigrations(executor, dir)).toEqual([]);
    const file = join(dir, "20261123000000_init", "migration.sql");
    await writeFile(file, `${await readFile(file, "utf8")}\n-- edited`);
    await expect(applyMigrations(executor, dir)).rejects.toThrow(/was changed after it was applied/);
    await db.close();
  });

  it("rolls a failing migration back and records nothing", async () => {
    const db = new PGlite();
    const executor = pgliteExecutor(db);
    const broken = await mkdtemp(join(tmpdir(), "po-broken-"));
    await cp(join(MIGRATIONS_DIR, "20261123000000_init"), join(broken, "20261123000000_init"), { recursive: true });
    await cp(join(MIGRATIONS_DIR, "20261123000000_init"), join(broken, "20261124000000_broken"), { recursive: true });
    await writeFile(join(broken, "20261124000000_broken", "migration.sql"), 'CREATE TABLE "Fine" (id int);\nSELECT * FROM no_such_table;');
    await expect(applyMigrations(executor, broken)).rejects.toThrow(/no_such_table/);
    const tables = await db.query<{ n: number }>(`select count(*)::int as n from information_schema.tables where table_name = 'Fine'`);
    expect(tables.rows[0]!.n).toBe(0);
    const recorded = await db.query<{ migration_name: string }>(`select migration_name from "_prisma_migrations"`);
    expect(recorded.rows.map((r) => r.migration_name)).toEqual(["20261123000000_init"]);
    await db.close();
    await rm(broken, { recursive: true, force: true });
  });
});
