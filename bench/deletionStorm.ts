/** 1,000 drafts across 20 POs, search latency 0-200 ms, 40% of drafts deleted at random moments. */
import { runDeletionStorm } from "../src/testing/deletionStorm.ts";
import { benchDatabase } from "./benchDatabase.ts";

const database = await benchDatabase();
const report = await runDeletionStorm(database);
await database.close();
console.log(JSON.stringify({ bench: "deletion-storm", database: database.kind, ...report }));
