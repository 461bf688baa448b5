import type { Logger } from "pino";
import type { Clock } from "../clock.ts";
import type { EventStore } from "../eventstore/port.ts";
import type { FileStore } from "../files/fileStore.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { Metrics } from "../metrics.ts";
import type { Optimization } from "../optimization/optimization.ts";
import type { ProcessManagerRuntime } from "../processmanagers/runtime.ts";
import type { ProjectionOperations } from "../projections/operations.ts";
import type { Merchants } from "../merchants/merchants.ts";
import type { KeyRing } from "./auth.ts";
import type { RequestLimits } from "./requestLimits.ts";

export type AppDependencies = {
  store: EventStore;
  prisma: PrismaClient;
  /** Where the read models are, for work that opens connections of its own (an audit's rebuild). */
  databaseUrl: string;
  files: FileStore;
  keys: KeyRing;
  merchants: Merchants;
  limits: RequestLimits;
  /** Separate from every merchant's key: it operates the processors, across merchants. */
  adminKey: string;
  runtime: ProcessManagerRuntime;
  projections: ProjectionOperations;
  logger: Logger;
  clock: Clock;
  /** Counts the uploads being answered, which the background thread's work gives way to. */
  foregroundBusy: { begin(): void; end(): void };
  /** Lets a command answer only once its own events are in the read models the merchant reads next. */
  readModels: { waitFor(position: bigint): Promise<void> };
  /** The images, the review's read models and draft deletions, projected after the drafts': what a review decision or a deletion answers with. */
  imageReadModels: { waitFor(position: bigint): Promise<void> };
  /** Every projector, the stage log's included: what a screen that shows everything waits for. */
  allReadModels: { waitFor(position: bigint): Promise<void> };
  maxUploadBytes: number;
  /** Whether scans and free text can be read (by a model on Replicate); refused at upload if not. */
  modelParsing: boolean;
  /** Unset without a Replicate token: its routes then answer 503. */
  optimization: Optimization | undefined;
  /** The optimization jobs' read models, projected apart from the drafts'. */
  optimizationReadModels: { waitFor(position: bigint): Promise<void> };
  metrics: Metrics;
  /** The merchants with a Shopify store configured (SHOPIFY_STORES); the others' publish answers 409. */
  shopifyMerchants: ReadonlySet<string>;
};

const READ_YOUR_WRITES_TIMEOUT_MS = 2_000;

/** Read-your-writes, bounded: a slow projector delays the answer a little, never forever. */
export async function settle(readModels: { waitFor(position: bigint): Promise<void> }, position: bigint | undefined): Promise<void> {
  if (position === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, READ_YOUR_WRITES_TIMEOUT_MS)));
  await Promise.race([readModels.waitFor(position), timeout]);
  clearTimeout(timer);
}
