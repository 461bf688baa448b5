import type { Logger } from "pino";
import type { Config } from "../config.ts";
import type { Database } from "../db/database.ts";
import { loadKeySecret } from "../merchants/keySecret.ts";
import { imageSearchFromConfig } from "../integrations/imageSearch/fromConfig.ts";
import type { SystemOptions } from "../system.ts";
import { parseShopifyStores } from "../integrations/shopify/shopifyStores.ts";

/** What both halves of the app build from the configuration: the providers and the settings of the background work. */
export async function systemOptionsFromConfig(
  config: Config,
  database: Database,
  logger: Logger,
  /** Where Replicate's webhooks reach the API, when PUBLIC_URL does not say. */
  publicUrl?: string,
): Promise<Omit<SystemOptions, "apiKeys" | "adminKey" | "role">> {
  return {
    database,
    logger,
    keySecret: loadKeySecret(config.API_KEY_SECRET, config.DATA_DIR),
    limits: {
      merchantPerMinute: config.MERCHANT_REQUESTS_PER_MINUTE,
      concurrentUploads: config.MERCHANT_CONCURRENT_UPLOADS,
      adminPerMinute: config.ADMIN_REQUESTS_PER_MINUTE,
      webhookPerMinute: config.WEBHOOK_REQUESTS_PER_MINUTE,
    },
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    imageSearch: await imageSearchFromConfig(config),
    imageSearchCacheTtlMs: config.IMAGE_SEARCH_CACHE_TTL_MS,
    imageSearchConcurrency: config.IMAGE_SEARCH_CONCURRENCY,
    processors: config.PROCESSOR_CONCURRENCY === undefined ? undefined : { concurrency: config.PROCESSOR_CONCURRENCY },
    // Without a token and a model, scans and free text are refused at upload, saying how to turn the AI parser on.
    modelParser:
      config.REPLICATE_API_TOKEN && config.REPLICATE_PARSER_MODEL
        ? {
            token: config.REPLICATE_API_TOKEN,
            baseUrl: config.REPLICATE_BASE_URL,
            model: config.REPLICATE_PARSER_MODEL,
            maxRPM: config.REPLICATE_MAX_RPM,
            maxOtherRPM: config.REPLICATE_MAX_OTHER_RPM,
          }
        : undefined,
    // Without a token and a text model, drafts are not enriched: their description, tags and type are the reviewer's to write.
    enrichment:
      config.REPLICATE_API_TOKEN && config.REPLICATE_TEXT_MODEL
        ? {
            token: config.REPLICATE_API_TOKEN,
            baseUrl: config.REPLICATE_BASE_URL,
            model: config.REPLICATE_TEXT_MODEL,
            maxRPM: config.REPLICATE_MAX_RPM,
            maxOtherRPM: config.REPLICATE_MAX_OTHER_RPM,
          }
        : undefined,
    // Without a token the app runs as before; the optimization routes answer 503 saying so.
    optimization: config.REPLICATE_API_TOKEN
      ? {
          token: config.REPLICATE_API_TOKEN,
          baseUrl: config.REPLICATE_BASE_URL,
          model: config.REPLICATE_IMAGE_MODEL,
          maxRPM: config.REPLICATE_MAX_RPM,
          maxOtherRPM: config.REPLICATE_MAX_OTHER_RPM,
          webhookSecret: config.REPLICATE_WEBHOOK_SECRET,
          publicUrl: config.PUBLIC_URL ?? publicUrl,
        }
      : undefined,
    shopify: { stores: parseShopifyStores(config.SHOPIFY_STORES), apiVersion: config.SHOPIFY_API_VERSION, apiUrl: config.SHOPIFY_API_URL },
  };
}
