import { pino } from "pino";
import type { Database } from "../../src/db/database.ts";
import type { PublishSettingsSource } from "../../src/application/publishSettings.ts";
import type { ShopifySettings } from "../../src/integrations/shopify/shopifyStores.ts";
import { CatalogFeedProvider } from "../../src/integrations/imageSearch/catalogFeed.ts";
import { SAMPLE_CATALOG } from "../../src/integrations/imageSearch/fromConfig.ts";
import type { ImageSearchProvider } from "../../src/integrations/imageSearch/provider.ts";
import type { RequestLimits } from "../../src/http/requestLimits.ts";
import type { OptimizationSettings } from "../../src/optimization/optimization.ts";
import type { RunnerSettings } from "../../src/processmanagers/processorRunner.ts";
import { createSystem, type ExternalEventLog, type ModelParserSettings, type System } from "../../src/system.ts";
import { createTestDatabase } from "./database.ts";

export const merchantA = { merchantId: "merchant-a", key: "key-of-merchant-a" };
export const merchantB = { merchantId: "merchant-b", key: "key-of-merchant-b" };
/** Every test system hashes API keys under this; two systems on one database must share it. */
export const testKeySecret = { value: Buffer.from("the-test-api-key-secret") };

export type TestSystem = {
  system: System;
  database: Database;
  baseUrl: string;
  api(path: string, init?: RequestInit & { as?: { key: string } }): Promise<Response>;
  upload(
    fileName: string,
    content: string | Uint8Array,
    options?: { as?: { key: string }; contentType?: string; field?: string },
  ): Promise<Response>;
  /** Polls GET path until `done` holds for its JSON body. */
  eventually<T>(path: string, done: (body: T) => boolean, as?: { key: string }): Promise<T>;
  stop(): Promise<void>;
};

/** The whole application on an isolated database, listening on a real port. */
export const adminKey = "key-of-the-admin";

export type TestSystemOptions = {
  /** A function to wrap or replace the database's own log (it is given the test's database). */
  eventLog?: ExternalEventLog | ((database: Database) => ExternalEventLog);
  maxUploadBytes?: number;
  imageSearch?: ImageSearchProvider;
  processors?: Partial<RunnerSettings>;
  imageSearchCacheTtlMs?: number;
  optimization?: OptimizationSettings;
  modelParser?: ModelParserSettings;
  enrichment?: ModelParserSettings;
  limits?: Partial<RequestLimits>;
  shopify?: ShopifySettings;
  publishSettings?: PublishSettingsSource;
};

export async function startTestSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  const database = await createTestDatabase();
  const system = await createSystem({
    database,
    eventLog: typeof options.eventLog === "function" ? options.eventLog(database) : options.eventLog,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    apiKeys: [merchantA, merchantB],
    keySecret: testKeySecret,
    adminKey,
    limits: options.limits,
    maxUploadBytes: options.maxUploadBytes ?? 1024 * 1024,
    imageSearch: options.imageSearch ?? (await CatalogFeedProvider.load(SAMPLE_CATALOG)),
    imageSearchCacheTtlMs: options.imageSearchCacheTtlMs,
    processors: { retryBaseDelayMs: 20, ...options.processors },
    optimization: options.optimization,
    modelParser: options.modelParser,
    shopify: options.shopify,
    publishSettings: options.publishSettings,
    enrichment: options.enrichment,
  });
  const baseUrl = await system.app.listen({ port: 0, host: "127.0.0.1" });
  const api: TestSystem["api"] = (path, init = {}) => {
    const { as = merchantA, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${as.key}`);
    return fetch(`${baseUrl}${path}`, { ...rest, headers });
  };
  return {
    system,
    database,
    baseUrl,
    api,
    upload(fileName, content, { as, contentType = "text/csv", field = "file" } = {}) {
      const form = new FormData();
      form.append(field, new Blob([typeof content === "string" ? content : new Uint8Array(content)], { type: contentType }), fileName);
      return api("/purchase-orders", { method: "POST", body: form, as });
    },
    async eventually(path, done, as) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const response = await api(path, { as });
        const body = response.status === 200 ? await response.json() : undefined;
        if (body !== undefined && done(body)) return body;
        if (Date.now() > deadline)
          throw new Error(`${path} did not get there in time; last status ${response.status}: ${JSON.stringify(body)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      await system.stop();
      await database.close();
    },
  };
}
