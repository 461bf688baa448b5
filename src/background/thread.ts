import { parentPort, workerData } from "node:worker_threads";
import { pino } from "pino";
import { loadConfig } from "../config.ts";
import { openDatabase } from "../db/database.ts";
import { Backpressure } from "../processmanagers/backpressure.ts";
import { createSystem } from "../system.ts";
import { systemOptionsFromConfig } from "./systemOptions.ts";
import type { BackgroundData, BackgroundMessage } from "./backgroundThread.ts";
import { lowerPriority } from "./threadPriority.ts";

// Gives way to the thread answering merchants when both want a core, and has the cores to itself otherwise.
lowerPriority();

const data = workerData as BackgroundData;
const config = loadConfig(process.env);
const logger = pino({ level: config.LOG_LEVEL, base: { service: "po-pipeline", thread: "background" } });
// The same database as the API's, through its own connections; the migrations ran there already.
const foregroundBusy = new Backpressure(data.foregroundBusy);
const database = await openDatabase({ databaseUrl: data.databaseUrl, givesWayTo: foregroundBusy });
const system = await createSystem({
  ...(await systemOptionsFromConfig(config, database, logger, data.address)),
  apiKeys: [],
  adminKey: "",
  role: "back",
  foregroundBusy,
});
const port = parentPort!;
port.postMessage({ kind: "ready" } satisfies BackgroundMessage);
port.on("message", async (message: BackgroundMessage) => {
  if (message.kind !== "stop") return;
  await system.stop();
  await database.close();
  port.postMessage({ kind: "stopped" } satisfies BackgroundMessage);
});
