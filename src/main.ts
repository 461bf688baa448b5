import { pino } from "pino";
import { loadConfig } from "./config.ts";
import { openDatabase } from "./db/database.ts";
import { parseApiKeys } from "./http/auth.ts";
import { createSystem } from "./system.ts";

const config = loadConfig(process.env);
const logger = pino({ level: config.LOG_LEVEL, base: { service: "po-pipeline" } });

const database = await openDatabase(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : { dataDir: config.DATA_DIR }).catch(
  (error: unknown) => {
    process.stderr.write(`po-pipeline could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
const { keys, generated } = parseApiKeys(config.API_KEYS);
const system = await createSystem({ database, logger, apiKeys: keys, maxUploadBytes: config.MAX_UPLOAD_BYTES });
const address = await system.app.listen({ port: config.PORT, host: config.HOST });

logger.info({ address, database: database.kind, dataDir: database.kind === "pglite" ? config.DATA_DIR : undefined }, "po-pipeline is running");
if (generated) {
  const [demo] = keys;
  process.stdout.write(
    `\n  po-pipeline is listening on ${address}  (API docs: ${address}/docs)\n` +
      `  No API_KEYS set: merchant "${demo!.merchantId}" may use this key for this run:\n\n    ${demo!.key}\n\n` +
      `  curl -H "Authorization: Bearer ${demo!.key}" -F file=@samples/acme-outdoor.csv ${address}/purchase-orders\n\n`,
  );
}

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    await system.stop();
    await database.close();
    process.exit(0);
  });
}
