// First, so that it sees the threads the process began with and no later ones (see there).
import "./background/threadPriority.ts";
import { pino } from "pino";
import { loadConfig } from "./config.ts";
import { openDatabase } from "./db/database.ts";
import { adminKeyOrGenerated, parseApiKeys } from "./http/auth.ts";
import { BackgroundThread } from "./background/backgroundThread.ts";
import { systemOptionsFromConfig } from "./background/systemOptions.ts";
import { Backpressure } from "./processmanagers/backpressure.ts";
import { EventStoreDbEventStore } from "./eventstore/eventStoreDb.ts";
import { PersistentSubscriptions } from "./eventstore/persistentSubscriptions.ts";
import { demoMerchantKey, DEMO_MERCHANT } from "./merchants/demoMerchant.ts";
import { createSystem } from "./system.ts";

function exitBecause(error: unknown): never {
  process.stderr.write(`po-pipeline could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

const config = (() => {
  try {
    return loadConfig(process.env);
  } catch (error) {
    return exitBecause(error);
  }
})();
const logger = pino({ level: config.LOG_LEVEL, base: { service: "po-pipeline" } });

const database = await openDatabase(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : { dataDir: config.DATA_DIR }).catch(
  exitBecause,
);
const keys = parseApiKeys(config.API_KEYS);
const admin = adminKeyOrGenerated(config.ADMIN_KEY);
// On the database's own log, the background work runs on a thread of its own unless told otherwise.
const inThread = config.ROLE === "all" && !config.ESDB_URL && config.BACKGROUND === "thread";
const foregroundBusy = new Backpressure();
const system = await createSystem({
  ...(await systemOptionsFromConfig(config, database, logger)),
  apiKeys: keys,
  adminKey: admin.key,
  eventLog: config.ESDB_URL ? eventStoreDbLog(config.ESDB_URL) : undefined,
  role: inThread ? "front" : config.ROLE,
  foregroundBusy,
}).catch(async (error: unknown) => {
  await database.close().catch(() => undefined);
  return exitBecause(error);
});
// Without API_KEYS, a demo merchant whose key is kept in the data directory, the same at every start.
const demoKey = keys.length === 0 && config.ROLE !== "worker" ? await demoMerchantKey(system.merchants, config.DATA_DIR) : undefined;
let background: BackgroundThread | undefined;
const eventLog = config.ESDB_URL ? "eventstoredb" : "database";
const databaseKind = config.DATABASE_URL ? "server" : "embedded";
if (config.ROLE === "worker") {
  logger.info({ role: config.ROLE, eventLog, database: databaseKind }, "po-pipeline worker is running its process managers");
} else {
  const address = await system.app.listen({ port: config.PORT, host: config.HOST });
  if (inThread)
    background = await BackgroundThread.start({ databaseUrl: database.url, address, foregroundBusy: foregroundBusy.shared }, logger).catch(
      async (error: unknown) => {
        await system.stop().catch(() => undefined);
        await database.close().catch(() => undefined);
        return exitBecause(error);
      },
    );
  logger.info(
    {
      address,
      role: config.ROLE,
      background: inThread ? "thread" : "inline",
      eventLog,
      database: databaseKind,
      dataDir: config.DATABASE_URL ? undefined : config.DATA_DIR,
    },
    "po-pipeline is running",
  );
  printWelcome(address);
}

function printWelcome(address: string) {
  if (demoKey) {
    process.stdout.write(
      `\n  po-pipeline is listening on ${address}  (review UI: ${address}/, API docs: ${address}/docs)\n` +
        `  No API_KEYS set: merchant "${DEMO_MERCHANT}" may use this key (kept in ${config.DATA_DIR}, the same at every start):\n\n    ${demoKey}\n\n` +
        `  curl -H "Authorization: Bearer ${demoKey}" -F file=@samples/acme-outdoor.csv ${address}/purchase-orders\n\n`,
    );
  }
  if (database.psql)
    process.stdout.write(
      `  The embedded PostgreSQL server (data in ${config.DATA_DIR}/postgres), for operators and auditors:\n\n    ${database.psql}\n\n`,
    );
  if (admin.generated) {
    process.stdout.write(`  No ADMIN_KEY set: the admin API and CLI take this key for this run:\n\n    ADMIN_KEY=${admin.key}\n\n`);
  }
}

function eventStoreDbLog(url: string) {
  const store = EventStoreDbEventStore.connect(url);
  return { store, groups: new PersistentSubscriptions(store.client) };
}

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    try {
      await system.stop();
      await background?.stop();
    } finally {
      // The embedded server must not outlive the app, even when draining failed.
      await database.close();
    }
    process.exit(0);
  });
}
