import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.ts";
import { startEmbeddedServer } from "./embeddedServer.ts";
import { ForeignKeyMonitor } from "./foreignKeyMonitor.ts";
import { applyMigrations } from "./migrations.ts";
import { once } from "./processes.ts";
import { givingWay, survivingServerLoss, type Foreground } from "./pool.ts";
import { pgExecutor } from "./sqlExecutor.ts";

export interface Database {
  /** Where the database is, with its credentials: the event log and listeners open their own connections from it. */
  readonly url: string;
  readonly prisma: PrismaClient;
  /** For operators and auditors: a `psql` command line, printed at start when the server is the embedded one. */
  readonly psql?: string;
  /** Foreign-key violations any query has raised since the database was opened. */
  foreignKeyViolations(): number;
  /** Disconnects Prisma, closes the pool and, for the embedded server, stops it. Idempotent. */
  close(): Promise<void>;
}

/**
 * With a databaseUrl, that Postgres server (its pool giving way to `givesWayTo`, for the background
 * thread); otherwise the embedded PostgreSQL server of `dataDir`.
 */
export type DatabaseOptions = { databaseUrl: string; givesWayTo?: Foreground } | { dataDir: string };

const MIGRATION_LOCK_KEY = 7_245_020;

/** Opens the database and brings its schema up to date with the committed migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if ("databaseUrl" in options) return openPostgres(options.databaseUrl, options.givesWayTo);
  const server = await startEmbeddedServer(options.dataDir);
  try {
    const database = await openPostgres(server.url);
    return {
      ...database,
      psql: server.psql,
      close: once(async () => {
        await database.close();
        await server.stop();
      }),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

async function openPostgres(url: string, givesWayTo?: Foreground): Promise<Database> {
  const pool = survivingServerLoss(new pg.Pool({ connectionString: url, max: 10 }));
  try {
    await migrateExclusively(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  if (givesWayTo) givingWay(pool, givesWayTo);
  const monitor = new ForeignKeyMonitor();
  const prisma = new PrismaClient({ adapter: monitor.watch(new PrismaPg(pool)) });
  return {
    url,
    prisma,
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
