import { pino } from "pino";
import { loadConfig } from "./config.ts";
import { openDatabase } from "./db/database.ts";
import { adminKeyOrGenerated, parseApiKeys } from "./http/auth.ts";
import { imageSearchFromConfig } from "./integrations/imageSearch/fromConfig.ts";
import { EventStoreDbEventStore } from "./eventstore/eventStoreDb.ts";
import { PersistentSubscriptions } from "./eventstore/persistentSubscriptions.ts";
import { demoMerchantKey, DEMO_MERCHANT } from "./merchants/demoMerchant.ts";
import { loadKeySecret } from "./merchants/keySecret.ts";
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
const system = await createSystem({
  database,
  logger,
  apiKeys: keys,
  keySecret: loadKeySecret(config.API_KEY_SECRET, config.DATA_DIR),
  adminKey: admin.key,
  limits: {
    merchantPerMinute: config.MERCHANT_REQUESTS_PER_MINUTE,
    concurrentUploads: config.MERCHANT_CONCURRENT_UPLOADS,
    adminPerMinute: config.ADMIN_REQUESTS_PER_MINUTE,
    webhookPerMinute: config.WEBHOOK_REQUESTS_PER_MINUTE,
  },
  maxUploadBytes: config.MAX_UPLOAD_BYTES,
  imageSearch: await imageSearchFromConfig(config),
  imageSearchCacheTtlMs: config.IMAGE_SEARCH_CACHE_TTL_MS,
  processors: { concurrency: config.IMAGE_SEARCH_CONCURRENCY },
  eventLog: config.ESDB_URL ? eventStoreDbLog(config.ESDB_URL) : undefined,
  role: config.ROLE,
  // Without a token the app runs as before; the optimization routes answer 503 saying so.
  optimization: config.REPLICATE_API_TOKEN
    ? {
        token: config.REPLICATE_API_TOKEN,
        baseUrl: config.REPLICATE_BASE_URL,
        model: config.REPLICATE_IMAGE_MODEL,
        maxRPM: config.REPLICATE_MAX_RPM,
        maxOtherRPM: config.REPLICATE_MAX_OTHER_RPM,
        webhookSecret: config.REPLICATE_WEBHOOK_SECRET,
        publicUrl: config.PUBLIC_URL,
      }
    : undefined,
}).catch(async (error: unknown) => {
  await database.close().catch(() => undefined);
  return exitBecause(error);
});
// Without API_KEYS, a demo merchant whose key is kept in the data directory, the same at every start.
const demoKey = keys.length === 0 && config.ROLE !== "worker" ? await demoMerchantKey(system.merchants, config.DATA_DIR) : undefined;
const eventLog = config.ESDB_URL ? "eventstoredb" : "database";
const databaseKind = config.DATABASE_URL ? "server" : "embedded";
if (config.ROLE === "worker") {
  logger.info({ role: config.ROLE, eventLog, database: databaseKind }, "po-pipeline worker is running its process managers");
} else {
  const address = await system.app.listen({ port: config.PORT, host: config.HOST });
  logger.info(
    { address, role: config.ROLE, eventLog, database: databaseKind, dataDir: config.DATABASE_URL ? undefined : config.DATA_DIR },
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
    } finally {
      // The embedded server must not outlive the app, even when draining failed.
      await database.close();
    }
    process.exit(0);
  });
}
