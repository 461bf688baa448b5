import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.ts";
import { lockDataDir } from "./dataDirLock.ts";
import { ForeignKeyMonitor } from "./foreignKeyMonitor.ts";
import { applyMigrations } from "./migrations.ts";
import { pgExecutor, pgliteExecutor } from "./sqlExecutor.ts";

export type DatabaseKind = "pglite" | "postgres";

export interface Database {
  readonly kind: DatabaseKind;
  readonly prisma: PrismaClient;
  /** Foreign-key violations any query has raised since the database was opened. */
  foreignKeyViolations(): number;
  close(): Promise<void>;
}

/** With a databaseUrl, that Postgres server; otherwise embedded PGlite in dataDir (or in memory). */
export type DatabaseOptions = { databaseUrl?: string; dataDir?: string };

const MIGRATION_LOCK_KEY = 7_245_020;

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl) : openPGlite(options.dataDir);
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection the server drops must not crash the process; the pool replaces it.
  pool.on("error", () => undefined);
  const client = await pool.connect();
  try {
    // Two processes starting together must not both apply the same migration.
    await client.query(`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    await applyMigrations(pgExecutor(client));
  } finally {
    await client.query(`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => undefined);
    client.release();
  }
  const monitor = new ForeignKeyMonitor();
  const prisma = new PrismaClient({ adapter: monitor.watch(new PrismaPg(pool)) });
  return {
    kind: "postgres",
    prisma,
    foreignKeyViolations: () => monitor.violations,
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}

async function openPGlite(dataDir: string | undefined): Promise<Database> {
  const lock = dataDir === undefined ? undefined : lockDataDir(dataDir);
  try {
    const db = dataDir === undefined ? new PGlite() : new PGlite(join(dataDir, "pglite"));
    await db.waitReady;
    // Never through Prisma: the PGlite adapter's executeScript does not await, so failures vanish.
    await applyMigrations(pgliteExecutor(db));
    const monitor = new ForeignKeyMonitor();
    const prisma = new PrismaClient({ adapter: monitor.watch(new PrismaPGlite(db)) });
    return {
      kind: "pglite",
      prisma,
      foreignKeyViolations: () => monitor.violations,
      async close() {
        await prisma.$disconnect();
        await db.close();
        lock?.release();
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}
