import { SharedRateLimiter } from "./optimization/rateLimiter.ts";
import { ShopifyStores, type ShopifySettings } from "./integrations/shopify/shopifyStores.ts";
import { publishSettingsFromLog, type PublishSettingsSource } from "./application/publishSettings.ts";
import { replicateBudget } from "./optimization/replicateBudget.ts";
import { ReplicateGateway, type ReplicateSettings } from "./integrations/replicate/replicateGateway.ts";
import type { Logger } from "pino";
import { DraftStates } from "./application/draftStates.ts";
import { pipelineHandlers } from "./application/pipelineHandlers.ts";
import { systemClock, type Clock } from "./clock.ts";
import type { Database } from "./db/database.ts";
import { ValidatingEventStore } from "./eventlog/validatingEventStore.ts";
import { EventStoreDbEventStore } from "./eventstore/eventStoreDb.ts";
import { PostgresEventStore } from "./eventstore/postgres.ts";
import { PrismaFileStore } from "./files/fileStore.ts";
import { buildApp } from "./http/app.ts";
import type { ApiKey } from "./http/auth.ts";
import { defaultRequestLimits, type RequestLimits } from "./http/requestLimits.ts";
import { checkKeySecret, type KeySecret } from "./merchants/keySecret.ts";
import { Merchants } from "./merchants/merchants.ts";
import { CachedImageSearch, DEFAULT_IMAGE_SEARCH_CONCURRENCY } from "./integrations/imageSearch/cachedSearch.ts";
import type { ImageSearchProvider } from "./integrations/imageSearch/provider.ts";
import { createMetrics } from "./metrics.ts";
import { createOptimization, type OptimizationSettings } from "./optimization/optimization.ts";
import { Backpressure } from "./processmanagers/backpressure.ts";
import { handledTypes } from "./processmanagers/processManager.ts";
import { enrichment } from "./processmanagers/enrichment.ts";
import { productMatching } from "./processmanagers/productMatching.ts";
import { processManagers } from "./processmanagers/registry.ts";
import type { RunnerSettings } from "./processmanagers/processorRunner.ts";
import { PersistentFeed } from "./processmanagers/feeds/persistentFeed.ts";
import { defaultRunnerSettings, ProcessManagerRuntime } from "./processmanagers/runtime.ts";
import type { PersistentSubscriptions } from "./eventstore/persistentSubscriptions.ts";
import type { EventStore } from "./eventstore/port.ts";
import { quarantineCounts } from "./consumers/quarantine.ts";
import { ProjectionOperations } from "./projections/operations.ts";
import { Projector } from "./projections/projector.ts";
import { projectionGroups } from "./projections/registry.ts";
import { HashChain } from "./audit/hashChain.ts";

/** The event log when it is not the database's own: EventStoreDB, with its competing consumers. */
export type ExternalEventLog = {
  store: EventStore;
  /** Persistent subscriptions: process managers then share their work with every other worker. */
  groups?: PersistentSubscriptions;
  /** Names the processors' groups, `<prefix>.<processor>`; default `po-pipeline`. */
  groupPrefix?: string;
};

/**
 * Unacked messages each worker holds from a persistent subscription group: enough to keep its
 * commands busy, few enough that none waits here past the group's message timeout behind a slow
 * provider; the other workers take the rest.
 */
const PERSISTENT_BUFFER = 32;

export type SystemRole = "all" | "api" | "worker" | "front" | "back";

/** Which half applies each group of projections; the other follows it (for waitFor) where it needs to. */
const applies = (role: SystemRole, group: "read-models" | "background") =>
  role === "all" || role === "api" || (role === "front" && group === "read-models") || (role === "back" && group === "background");

export type SystemOptions = {
  database: Database;
  eventLog?: ExternalEventLog;
  /**
   * `all`: API, projectors and process managers in one process (the default). With EventStoreDB the
   * work can be split: `api` serves HTTP and runs the projectors, each `worker` the process managers.
   * On the database's log, `front` serves HTTP and projects the read models an upload waits for, and
   * `back` (another thread) does the rest: the other projections and the process managers.
   */
  role?: SystemRole;
  /** Shared with the other half of a front/back split, so the back gives way to the front's uploads and projector. */
  foregroundBusy?: Backpressure;
  logger: Logger;
  /** Fixed keys (API_KEYS): their merchants are created if missing; the database holds every other key. */
  apiKeys: ApiKey[];
  /** What the database's API keys are hashed under; every process on one database needs the same. */
  keySecret: KeySecret;
  adminKey: string;
  /** Per-merchant request rate and concurrent uploads; admin and webhook calls counted apart. */
  limits?: Partial<RequestLimits>;
  maxUploadBytes: number;
  imageSearch: ImageSearchProvider;
  imageSearchCacheTtlMs?: number;
  /** Searches at the image provider at once (default 8); answers from the cache never wait for them. */
  imageSearchConcurrency?: number;
  processors?: Partial<RunnerSettings>;
  clock?: Clock;
  /** Scans and free text read by a model on Replicate; refused at upload without it. */
  modelParser?: ModelParserSettings;
  /** Drafts' descriptions, tags and product types written by a text model on Replicate; no enrichment without it. */
  enrichment?: ModelParserSettings;
  /** Image optimization through Replicate; off without it. */
  optimization?: OptimizationSettings;
  /** The merchants' Shopify stores; without one, a merchant's publish fails saying so. */
  shopify?: ShopifySettings;
  /** Each merchant's defaults for published products; unset, their settings on the log. */
  publishSettings?: PublishSettingsSource;
};

export type ModelParserSettings = ReplicateSettings & { maxRPM: number; maxOtherRPM: number };

/** Wires the whole application (API, projector, process managers) on one database. */
export async function createSystem(options: SystemOptions) {
  const { database, logger } = options;
  const clock = options.clock ?? systemClock;
  const { modelParser } = options;
  // One set of Replicate budgets for the process: the parser's, enrichment's and image optimization's calls take turns by merchant.
  const replicateSettings = options.optimization ?? modelParser ?? options.enrichment;
  const budget = replicateSettings && replicateBudget(database.prisma, replicateSettings);
  const role = options.role ?? "all";
  const foregroundBusy = options.foregroundBusy ?? new Backpressure();
  // Every writer below gets this one store, so no append reaches the log unvalidated. The background
  // thread's reads and appends give way to the upload being answered on the other.
  const store = new ValidatingEventStore(
    options.eventLog?.store ?? new PostgresEventStore(database.url, role === "back" ? { givesWayTo: foregroundBusy } : {}),
  );
  const files = new PrismaFileStore(database.prisma);
  await checkKeySecret(database.prisma, options.keySecret);
  const merchants = new Merchants(database.prisma, options.keySecret);
  await merchants.ensure([...new Set(options.apiKeys.map((k) => k.merchantId))]);
  const imageSearch = new CachedImageSearch(options.imageSearch, clock, {
    ttlMs: options.imageSearchCacheTtlMs ?? 60 * 60 * 1000,
    concurrency: options.imageSearchConcurrency ?? DEFAULT_IMAGE_SEARCH_CONCURRENCY,
  });
  // However many api processes run, one instance of each projector applies events: the lease holder's.
  const lease = { databaseUrl: database.url };
  const background = { lease, followOnly: !applies(role, "background") };
  const readModels = new Projector("read-models", store, database.prisma, projectionGroups["read-models"], logger, {
    lease,
    busy: foregroundBusy,
    followOnly: !applies(role, "read-models"),
  });
  // Images reference their drafts; a stage the merchant sees as done has its drafts and images in the read models already.
  const images = new Projector("images", store, database.prisma, projectionGroups.images, logger, { ...background, after: readModels });
  const stageLog = new Projector("stage-log", store, database.prisma, projectionGroups["stage-log"], logger, {
    ...background,
    after: images,
  });
  const optimizationModels = new Projector("optimization", store, database.prisma, projectionGroups.optimization, logger, background);
  const projectors = [readModels, images, stageLog, optimizationModels];
  const allReadModels = {
    waitFor: async (position: bigint) => void (await Promise.all(projectors.map((projector) => projector.waitFor(position)))),
  };
  const runnerSettings = { ...defaultRunnerSettings, ...options.processors };
  // One limiter row per shop, shared by every process on the database (as Replicate's are).
  const shopify =
    options.shopify && new ShopifyStores(options.shopify, (name, bucket) => new SharedRateLimiter(database.prisma, name, bucket));
  const groups = options.eventLog?.groups;
  const groupOf = (processor: string) => `${options.eventLog?.groupPrefix ?? "po-pipeline"}.${processor}`;
  const runtime = new ProcessManagerRuntime(
    {
      store,
      prisma: database.prisma,
      handlers: pipelineHandlers({
        store,
        clock,
        files,
        imageSearch,
        drafts: new DraftStates(store),
        shopify,
        publishSettings: options.publishSettings ?? publishSettingsFromLog(store),
        modelParser: modelParser && budget && { gateway: new ReplicateGateway(modelParser), budget },
        enrichment: options.enrichment && budget && { gateway: new ReplicateGateway(options.enrichment), budget },
      }),
      logger,
      clock,
      foregroundBusy,
      batchAppends: !(options.eventLog?.store instanceof EventStoreDbEventStore),
      // Several workers share each processor's work through the server; else one process keeps a checkpoint.
      openFeed:
        groups &&
        ((pm) =>
          PersistentFeed.open(
            pm.name,
            { groups, group: groupOf(pm.name), logger },
            { eventTypePrefixes: handledTypes(pm) },
            PERSISTENT_BUFFER,
          )),
      consumerGroups: groups && { groups, groupOf },
      databaseUrl: database.url,
    },
    // Enrichment runs only where a text model is configured, matching only where a store is: elsewhere their stages are never in the log at all.
    processManagers.filter((pm) =>
      pm.name === enrichment.name ? options.enrichment : pm.name === productMatching.name ? options.shopify : true,
    ),
    runnerSettings,
  );
  const metrics = createMetrics();
  const listeningAt = () => {
    const address = app.server.address();
    return typeof address === "object" && address ? `http://${address.address}:${address.port}` : "http://127.0.0.1";
  };
  const optimization = options.optimization
    ? createOptimization(options.optimization, { store, prisma: database.prisma, clock, logger, metrics, listeningAt, budget: budget! })
    : undefined;
  metrics.gauge("po_consumer_quarantined_events", "Events each consumer holds in quarantine", ["consumer"], async (gauge) => {
    gauge.reset();
    for (const [consumer, counts] of await quarantineCounts(database.prisma)) gauge.set({ consumer }, counts.events);
  });
  for (const [name, field] of [
    ["po_processor_lag", "lag"],
    ["po_processor_in_flight", "inFlight"],
    ["po_processor_queued", "queued"],
    ["po_processor_parked", "parked"],
  ] as const) {
    metrics.gauge(name, `Each processor's ${field}`, ["processor"], async (gauge) => {
      for (const status of await runtime.status()) gauge.set({ processor: status.name }, status[field]);
    });
  }
  const app = await buildApp({
    store,
    prisma: database.prisma,
    databaseUrl: database.url,
    files,
    keys: { fixed: options.apiKeys, merchants },
    merchants,
    adminKey: options.adminKey,
    limits: { ...defaultRequestLimits, ...options.limits },
    runtime,
    projections: new ProjectionOperations(projectors, { prisma: database.prisma, store, clock }),
    logger,
    clock,
    foregroundBusy,
    readModels,
    imageReadModels: images,
    allReadModels,
    maxUploadBytes: options.maxUploadBytes,
    modelParsing: modelParser !== undefined,
    optimization,
    optimizationReadModels: optimizationModels,
    metrics,
    shopifyMerchants: new Set(options.shopify?.stores.map((store) => store.merchantId)),
  });
  if (role !== "worker") for (const projector of projectors) await projector.start();
  // The tamper-evident chain runs beside the projectors; with a background thread, on that thread:
  // hashing every event is no work for the half that answers merchants.
  const hashChain = role === "worker" || role === "front" ? undefined : new HashChain(store, database.prisma, logger, database.url);
  hashChain?.start();
  if (role === "all" || role === "worker" || role === "back") {
    await runtime.start();
    optimization?.start();
  }

  return {
    app,
    store,
    merchants,
    projectors,
    runtime,
    optimization,
    /** Resolves once every projector has applied the log up to `position`. */
    projected: allReadModels.waitFor,
    async stop() {
      await app.close();
      await optimization?.stop();
      await runtime.stop();
      // Dependents first: the stage log waits on the read models while it drains.
      for (const projector of [...projectors].reverse()) await projector.stop();
      await hashChain?.stop();
      await store.close();
    },
  };
}

export type System = Awaited<ReturnType<typeof createSystem>>;
