import { ConcurrencyError, NotFound, ValidationError } from "../errors.ts";
import { fold } from "../domain/decider.ts";
import {
  optimizationJobDecider,
  optimizationStream,
  OptimizationEvent,
  type OptimizationCommand,
  type OptimizationItem,
  type OptimizationJobState,
} from "../domain/optimization.ts";
import { imagesToOptimize } from "../domain/productDraft.ts";
import { purchaseOrderDecider, purchaseOrderStream, PurchaseOrderEvent } from "../domain/purchaseOrder.ts";
import type { EventStore } from "../eventstore/port.ts";
import { eventsToAppend, parseEvent, type CommandContext } from "./commandHandler.ts";
import { loadDraft } from "./draftGuard.ts";
import { derivedId } from "./eventIds.ts";

type Cached = { state: OptimizationJobState; revision: bigint | undefined; position: bigint | undefined };

/**
 * Jobs' decisions, with each job's folded state cached and brought up to date by reading only the
 * events after the cached revision: a big job's stream is never re-read whole. Appends are guarded
 * by the revision read; a concurrent writer (webhook, scheduler, attachment) means read on, decide again.
 */
export class OptimizationJobs {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly store: EventStore) {}

  async load(jobId: string): Promise<Cached> {
    const cached = this.cache.get(jobId) ?? { state: optimizationJobDecider.initialState, revision: undefined, position: undefined };
    const fromRevision = cached.revision === undefined ? undefined : cached.revision + 1n;
    const recorded = await this.store.readStream(optimizationStream(jobId), { fromRevision });
    if (recorded.length === 0) return cached;
    const fresh = {
      state: recorded.map((r) => parseEvent(OptimizationEvent, r)).reduce(optimizationJobDecider.evolve, cached.state),
      revision: recorded.at(-1)!.revision,
      position: recorded.at(-1)!.position,
    };
    this.remember(jobId, fresh);
    return fresh;
  }

  async execute(command: OptimizationCommand, context: Omit<CommandContext, "eventId">) {
    const jobId = command.data.jobId;
    for (let attempt = 1; ; attempt++) {
      const { state, revision, position } = await this.load(jobId);
      const events = optimizationJobDecider.decide(command, state);
      if (events.length === 0) return { events, state, position };
      // The same decision on the same state derives the same ids, so a repeat appends nothing.
      const key = [optimizationStream(jobId), String(revision ?? "none"), JSON.stringify(command)];
      try {
        const result = await this.store.appendToStream(
          optimizationStream(jobId),
          eventsToAppend(events, { ...context, eventId: (i) => derivedId(...key, String(i)) }),
          {
            expectedRevision: revision ?? "no_stream",
          },
        );
        const next = {
          state: events.reduce(optimizationJobDecider.evolve, state),
          revision: result.nextExpectedRevision,
          position: result.position,
        };
        this.remember(jobId, next);
        return { events, state: next.state, position: result.position };
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= 20) throw error;
      }
    }
  }

  private remember(jobId: string, entry: Cached) {
    // Finished jobs are rarely asked about again; their (possibly large) state is not kept.
    if (entry.state.status === "active") this.cache.set(jobId, entry);
    else this.cache.delete(jobId);
  }
}

export type JobRequest = { merchantId: string; prompt: string; model: string; jobId: string; now: Date } & (
  { purchaseOrderId: string; draftIds?: undefined } | { draftIds: string[]; purchaseOrderId?: undefined }
);

/** Creates a job over the chosen drafts' images, or over every live draft of a purchase order. */
export async function createOptimizationJob(store: EventStore, jobs: OptimizationJobs, request: JobRequest) {
  const { merchantId, jobId } = request;
  let draftIds: string[];
  if (request.purchaseOrderId !== undefined) {
    const po = fold(
      purchaseOrderDecider,
      (await store.readStream(purchaseOrderStream(request.purchaseOrderId))).map((r) => parseEvent(PurchaseOrderEvent, r)),
    );
    if (po.status === "none" || po.merchantId !== merchantId) throw new NotFound("Purchase order", request.purchaseOrderId);
    draftIds = po.status === "drafts_created" ? po.draftIds : [];
  } else {
    draftIds = [...new Set(request.draftIds)];
  }
  const items: OptimizationItem[] = [];
  for (const draftId of draftIds) {
    const { state } = await loadDraft(store, draftId);
    const live = state.status === "active" && state.merchantId === merchantId;
    if (!live && request.purchaseOrderId === undefined) throw new NotFound("Draft", draftId);
    if (!live) continue;
    for (const image of imagesToOptimize(state, request.purchaseOrderId === undefined ? "not_rejected" : "approved")) {
      items.push({
        itemId: derivedId(jobId, draftId, image.imageId),
        draftId,
        purchaseOrderId: state.purchaseOrderId,
        sourceImageId: image.imageId,
        sourceUrl: image.url,
      });
    }
  }
  if (items.length === 0)
    throw new ValidationError("There are no images to optimize", [
      {
        path: request.purchaseOrderId ? "purchaseOrderId" : "draftIds",
        message: request.purchaseOrderId
          ? "no image of this purchase order is approved yet"
          : "none of these drafts has an image that is not rejected",
      },
    ]);
  const context = { merchantId, correlationId: request.purchaseOrderId ?? jobId, causationId: jobId, actor: `merchant:${merchantId}` };
  const { prompt, model } = request;
  const data = { jobId, merchantId, purchaseOrderId: request.purchaseOrderId ?? null, prompt, model, items, at: request.now.toISOString() };
  return jobs.execute({ type: "CreateOptimizationJob", data }, context);
}

export function cancelOptimizationJob(jobs: OptimizationJobs, merchantId: string, jobId: string) {
  return jobs.execute(
    { type: "CancelOptimizationJob", data: { jobId, merchantId, reason: "cancelled by the merchant" } },
    { merchantId, correlationId: jobId, causationId: jobId, actor: `merchant:${merchantId}` },
  );
}
