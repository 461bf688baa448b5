/** 1,000 drafts across 20 POs, search latency 0-200 ms, 40% of drafts deleted at random moments. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../src/db/database.ts";
import { runDeletionStorm } from "../src/testing/deletionStorm.ts";

const dataDir = process.env.DATABASE_URL ? undefined : await mkdtemp(join(tmpdir(), "po-bench-storm-"));
const database = await openDatabase(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : { dataDir });
const report = await runDeletionStorm(database);
await database.close();
if (dataDir) await rm(dataDir, { recursive: true, force: true });
console.log(JSON.stringify({ bench: "deletion-storm", database: database.kind, ...report }));
