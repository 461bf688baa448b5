import { z } from "zod";
import { defaultRequestLimits } from "./http/requestLimits.ts";
import { DEFAULT_SHOPIFY_API_VERSION } from "./integrations/shopify/shopifyGateway.ts";
import { DEFAULT_IMAGE_SEARCH_CONCURRENCY } from "./integrations/imageSearch/cachedSearch.ts";

const Config = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default("127.0.0.1"),
    DATA_DIR: z.string().default("./data"),
    DATABASE_URL: z.string().url().optional(),
    API_KEYS: z.string().optional(),
    /** The secret API keys are hashed under; without it, one made once in DATA_DIR. Every process on one database needs the same. */
    API_KEY_SECRET: z.string().min(16).optional(),
    MERCHANT_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).default(defaultRequestLimits.merchantPerMinute),
    MERCHANT_CONCURRENT_UPLOADS: z.coerce.number().int().min(1).max(1000).default(defaultRequestLimits.concurrentUploads),
    ADMIN_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).default(defaultRequestLimits.adminPerMinute),
    WEBHOOK_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).default(defaultRequestLimits.webhookPerMinute),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    MAX_UPLOAD_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(5 * 1024 * 1024),
    ADMIN_KEY: z.string().min(8).optional(),
    IMAGE_SEARCH_PROVIDER: z.enum(["catalog", "google"]).default("catalog"),
    IMAGE_CATALOG: z.string().optional(),
    IMAGE_SEARCH_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(DEFAULT_IMAGE_SEARCH_CONCURRENCY),
    /** Commands each processor runs at once (different drafts; one draft's in order); unset, the runtime's default. */
    PROCESSOR_CONCURRENCY: z.coerce.number().int().min(1).max(1024).optional(),
    IMAGE_SEARCH_CACHE_TTL_MS: z.coerce
      .number()
      .int()
      .min(0)
      .default(60 * 60 * 1000),
    GOOGLE_API_KEY: z.string().optional(),
    GOOGLE_CSE_CX: z.string().optional(),
    GOOGLE_CSE_ENDPOINT: z.string().url().optional(),
    ESDB_URL: z
      .string()
      .regex(
        /^(esdb|esdb\+discover|kurrentdb|kurrent):\/\//,
        "must be an EventStoreDB connection string, e.g. esdb://127.0.0.1:2113?tls=false",
      )
      .optional(),
    ROLE: z.enum(["all", "api", "worker"]).default("all"),
    /** `thread`: the background work (process managers, the projections an upload does not wait for) on a thread of its own. */
    BACKGROUND: z.enum(["thread", "inline"]).default("thread"),
    REPLICATE_API_TOKEN: z.string().optional(),
    REPLICATE_BASE_URL: z.string().url().optional(),
    REPLICATE_IMAGE_MODEL: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, "must be owner/name")
      .default("google/nano-banana"),
    /** The language/vision model that reads scans and free text, e.g. `openai/gpt-4o-mini`; with REPLICATE_API_TOKEN. */
    REPLICATE_PARSER_MODEL: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, "must be owner/name")
      .optional(),
    /** The language model that writes drafts' descriptions, tags and product types, e.g. `openai/gpt-4o-mini`; with REPLICATE_API_TOKEN. */
    REPLICATE_TEXT_MODEL: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, "must be owner/name")
      .optional(),
    REPLICATE_MAX_RPM: z.coerce.number().int().min(1).max(600).default(450),
    REPLICATE_MAX_OTHER_RPM: z.coerce.number().int().min(1).max(3000).default(600),
    REPLICATE_WEBHOOK_SECRET: z.string().startsWith("whsec_").optional(),
    PUBLIC_URL: z.string().url().optional(),
    /** `merchantId:shop.myshopify.com:token,…`: each merchant's store and Admin API access token (never written to the log). */
    SHOPIFY_STORES: z.string().optional(),
    /** A local Admin API server instead of https://<shop> (tests, `npm run fake:shopify`). */
    SHOPIFY_API_URL: z.string().url().optional(),
    SHOPIFY_API_VERSION: z
      .string()
      .regex(/^(\d{4}-(01|04|07|10)|unstable)$/, "must be an Admin API version such as 2026-10")
      .default(DEFAULT_SHOPIFY_API_VERSION),
  })
  .superRefine((config, context) => {
    if (config.ROLE !== "worker") return;
    if (!config.ESDB_URL)
      context.addIssue({ code: "custom", path: ["ROLE"], message: "a worker shares the work through EventStoreDB: set ESDB_URL" });
    if (!config.DATABASE_URL)
      context.addIssue({
        code: "custom",
        path: ["ROLE"],
        message: "a worker shares the read models' database with the API: set DATABASE_URL",
      });
  });
export type Config = z.infer<typeof Config>;

/** Reads settings from the environment; a bad value stops start-up with the variable's name. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const blankless = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const parsed = Config.safeParse(blankless);
  if (!parsed.success) {
    throw new Error(`Invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  return parsed.data;
}
