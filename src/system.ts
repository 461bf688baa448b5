import type { Logger } from "pino";
import { pipelineHandlers } from "./application/pipelineHandlers.ts";
import { systemClock, type Clock } from "./clock.ts";
import type { Database } from "./db/database.ts";
import { PostgresEventStore } from "./eventstore/postgres.ts";
import { PrismaFileStore } from "./files/fileStore.ts";
import { buildApp } from "./http/app.ts";
import type { ApiKey } from "./http/auth.ts";
import { CachedImageSearch } from "./integrations/imageSearch/cachedSearch.ts";
import type { ImageSearchProvider } from "./integrations/imageSearch/provider.ts";
import { createMetrics } from "./metrics.ts";
import { createOptimization, type OptimizationSettings } from "./optimization/optimization.ts";
import { ForegroundActivity } from "./processmanagers/foreground.ts";
import { processManagers } from "./processmanagers/registry.ts";
import type { RunnerSettings } from "./processmanagers/processorRunner.ts";
import { ProcessManagerRuntime } from "./processmanagers/runtime.ts";
import { Projector } from "./projections/projector.ts";
import { projectionGroups } from "./projections/registry.ts";

export type SystemOptions = {
  database: Database;
  logger: Logger;
  apiKeys: ApiKey[];
  adminKey: string;
  maxUploadBytes: number;
  imageSearch: ImageSearchProvider;
  imageSearchCacheTtlMs?: number;
  processors?: Partial<RunnerSettings>;
  clock?: Clock;
  /** Image optimization through Replicate; off without it. */
  optimization?: OptimizationSettings;
};

/** Wires the whole application (API, projector, process managers) on one database. */
export async function createSystem(options: SystemOptions) {
  const { database, logger } = options;
  const clock = options.clock ?? systemClock;
  const store = new PostgresEventStore(database.prisma);
  const files = new PrismaFileStore(database.prisma);
  const imageSearch = new CachedImageSearch(options.imageSearch, clock, options.imageSearchCacheTtlMs ?? 60 * 60 * 1000);
  const foreground = new ForegroundActivity();
  const readModels = new Projector("read-models", store, database.prisma, projectionGroups["read-models"], logger, { activity: foreground });
  // A stage the merchant sees as done has its drafts and images in the read models already.
  const stageLog = new Projector("stage-log", store, database.prisma, projectionGroups["stage-log"], logger, { after: readModels });
  const optimizationModels = new Projector("optimization", store, database.prisma, projectionGroups.optimization, logger);
  const projectors = [readModels, stageLog, optimizationModels];
  const runtime = new ProcessManagerRuntime(
    { store, prisma: database.prisma, handlers: pipelineHandlers({ store, files, imageSearch }), logger, clock, foreground },
    processManagers,
    options.processors,
  );
  const metrics = createMetrics();
  const listeningAt = () => {
    const address = app.server.address();
    return typeof address === "object" && address ? `http://${address.address}:${address.port}` : "http://127.0.0.1";
  };
  const optimization = options.optimization
    ? createOptimization(options.optimization, { store, prisma: database.prisma, clock, logger, metrics, listeningAt })
    : undefined;
  for (const [name, field] of [["po_processor_lag", "lag"], ["po_processor_in_flight", "inFlight"], ["po_processor_queued", "queued"], ["po_processor_parked", "parked"]] as const) {
    metrics.gauge(name, `Each processor's ${field}`, ["processor"], async (gauge) => {
      for (const status of await runtime.status()) gauge.set({ processor: status.name }, status[field]);
    });
  }
  const app = await buildApp({
    store,
    prisma: database.prisma,
    files,
    apiKeys: options.apiKeys,
    adminKey: options.adminKey,
    runtime,
    foreground,
    logger,
    clock,
    readModels,
    maxUploadBytes: options.maxUploadBytes,
    optimization,
    optimizationReadModels: optimizationModels,
    metrics,
  });
  for (const projector of projectors) await projector.start();
  await runtime.start();
  optimization?.start();

  return {
    app,
    store,
    projectors,
    runtime,
    optimization,
    /** Resolves once every projector has applied the log up to `position`. */
    async projected(position: bigint) {
      await Promise.all(projectors.map((projector) => projector.waitFor(position)));
    },
    async stop() {
      await app.close();
      await optimization?.stop();
      await runtime.stop();
      for (const projector of projectors) await projector.stop();
      await store.close();
    },
  };
}
export type System = Awaited<ReturnType<typeof createSystem>>;
