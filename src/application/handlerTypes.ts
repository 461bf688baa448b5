import type { Clock } from "../clock.ts";
import type { WorkflowEvent } from "../domain/workflow.ts";
import type { CommandContext } from "./commandHandler.ts";
import type { DraftStates } from "./draftStates.ts";
import type { AppendResult, EventStore, StreamAppend } from "../eventstore/port.ts";
import type { FileStore } from "../files/fileStore.ts";
import type { ReplicateGateway } from "../integrations/replicate/replicateGateway.ts";
import type { ReplicateBudget } from "../optimization/replicateBudget.ts";
import type { ImageSearchProvider } from "../integrations/imageSearch/provider.ts";
import type { ShopifyStores } from "../integrations/shopify/shopifyStores.ts";
import type { PublishSettingsSource } from "./publishSettings.ts";
import type { PipelineCommand, PipelineCommandOfType } from "../processmanagers/commands.ts";

export type StageOutcome = { status: "completed" } | { status: "skipped"; reason: string } | { status: "failed"; error: string };

/**
 * What a handler decided: the stage's outcome and the appends that carry it out. The runner writes
 * them in one append with the stage's log entries (see commitDecision); when a revision guard fails
 * there, `decideAgain` takes the decision again on fresh state.
 */
export type StageDecision = StageOutcome & {
  appends?: StreamAppend[];
  /** Stages the handler ran after its own, in the same decision (the model's parse is normalized and priced too): logged after it. */
  followingStages?: WorkflowEvent[];
  decideAgain?: () => Promise<StageDecision>;
  /** Told what the appends became once they are written (a cache of states follows its own writes). */
  committed?: (results: AppendResult[]) => void;
};

/** A multi-stream append: the store's own, or one batched with other commands' (AppendBatcher). */
export type Append = (appends: StreamAppend[]) => Promise<AppendResult[]>;

/** What a handler knows of why it runs; `derive` makes ids that are stable across redeliveries. */
export type HandlerContext = Omit<CommandContext, "eventId"> & { derive(...parts: string[]): string };

/** One handler per pipeline command type: adding a command without its handler does not compile. */
export type PipelineHandlers = {
  [T in PipelineCommand["type"]]: (command: PipelineCommandOfType<T>, context: HandlerContext) => Promise<StageDecision>;
};

export type PipelineDependencies = {
  store: EventStore;
  clock: Clock;
  files: FileStore;
  imageSearch: ImageSearchProvider;
  drafts: DraftStates;
  /** Reads scans and free text; absent, such files are refused at upload and never get here. */
  /** The merchants' stores; absent, a publish fails saying none is configured. */
  shopify?: ShopifyStores;
  /** The merchant's defaults for published products; absent, every merchant gets DEFAULT_PUBLISH_SETTINGS. */
  publishSettings?: PublishSettingsSource;
  modelParser?: { gateway: ReplicateGateway; budget: ReplicateBudget };
  /** Writes drafts' descriptions, tags and product types; absent, enrichment does not run. */
  enrichment?: { gateway: ReplicateGateway; budget: ReplicateBudget };
};

export const commandContext = (context: HandlerContext, ...purpose: string[]): CommandContext => {
  const { derive, ...metadata } = context;
  return { ...metadata, eventId: (index) => derive(...purpose, String(index)) };
};
