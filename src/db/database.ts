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
  /** The server's connection string; the embedded PGlite has none. */
  readonly url?: string;
  /** Foreign-key violations any query has raised since the database was opened. */
  foreignKeyViolations(): number;
  /** Disconnects Prisma, then closes the pool or PGlite and releases the data directory. Idempotent. */
  close(): Promise<void>;
}

/** With a databaseUrl, that Postgres server; otherwise embedded PGlite in `<dataDir>/pglite`, or in memory. */
export type DatabaseOptions = { databaseUrl?: string; dataDir?: string };

const MIGRATION_LOCK_KEY = 7_245_020;

/** Opens the database and brings its schema up to date with the committed migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl) : openPGlite(options.dataDir);
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection the server drops must not crash the process; the pool replaces it.
  pool.on("error", () => undefined);
  try {
    await migrateExclusively(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const monitor = new ForeignKeyMonitor();
  const prisma = new PrismaClient({ adapter: monitor.watch(new PrismaPg(pool)) });
  return {
    kind: "postgres",
    prisma,
    url,
    foreignKeyViolations: () => monitor.violations,
    close: once(async () => {
      await prisma.$disconnect();
      // PrismaPg leaves a pool it was given open.
      await pool.end();
    }),
  };
}

/** Two processes starting together against one database must not both apply a migration. */
async function migrateExclusively(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await applyMigrations(pgExecutor(client));
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

async function openPGlite(dataDir: string | undefined): Promise<Database> {
  const lock = dataDir === undefined ? undefined : lockDataDir(dataDir);
  let db: PGlite;
  try {
    db = await startPGlite(dataDir === undefined ? undefined : join(dataDir, "pglite"));
  } catch (error) {
    lock?.release();
    throw error;
  }
  const monitor = new ForeignKeyMonitor();
  const prisma = new PrismaClient({ adapter: monitor.watch(new PrismaPGlite(db)) });
  return {
    kind: "pglite",
    prisma,
    foreignKeyViolations: () => monitor.violations,
    close: once(async () => {
      await prisma.$disconnect();
      await db.close();
      lock?.release();
    }),
  };
}

async function startPGlite(directory: string | undefined): Promise<PGlite> {
  const db = new PGlite(directory);
  try {
    await db.waitReady;
    // Through PGlite itself, never Prisma: the adapter's executeScript does not await, so failures would vanish.
    await applyMigrations(pgliteExecutor(db));
    return db;
  } catch (error) {
    // The error worth reporting is the one that stopped the start, not a failure to close after it.
    await db.close().catch(() => undefined);
    throw error;
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= fn());
}
