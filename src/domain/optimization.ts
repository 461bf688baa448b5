import { z } from "zod";
import { DomainRuleViolation, NotFound } from "../errors.ts";
import type { Decider } from "./decider.ts";
import { tableGet, tableMap, tableOf, tableSet, tableValues, type PersistentTable } from "./persistentTable.ts";

/**
 * Image optimization jobs (stream `optimization-<jobId>`): a merchant's prompt applied to draft
 * images through an image model on Replicate. Each item goes pending → processing (a prediction is
 * requested, then created) → done (its result attached to the draft) / failed / cancelled.
 * The intent (PredictionRequested) is recorded before the HTTP create, so after a crash an item
 * with an intent and no prediction id is looked up on Replicate before anything is created again.
 */

export const OptimizationItem = z.object({
  itemId: z.uuid(),
  draftId: z.uuid(),
  purchaseOrderId: z.uuid(),
  sourceImageId: z.uuid(),
  sourceUrl: z.string().min(1).max(2048),
});
export type OptimizationItem = z.infer<typeof OptimizationItem>;

const ItemRef = { jobId: z.uuid(), itemId: z.uuid() };
const at = z.iso.datetime();

// Events

export const OptimizationJobCreated = z.object({
  type: z.literal("OptimizationJobCreated"),
  data: z.object({
    jobId: z.uuid(),
    merchantId: z.string().min(1),
    /** Set when the job took a whole purchase order's images. */
    purchaseOrderId: z.uuid().nullable(),
    prompt: z.string().min(1).max(2000),
    model: z.string().min(1),
    items: z.array(OptimizationItem).min(1),
    at,
  }),
});
export const PredictionRequested = z.object({
  type: z.literal("PredictionRequested"),
  data: z.object({ ...ItemRef, attempt: z.number().int().positive(), at }),
});
export const PredictionCreated = z.object({
  type: z.literal("PredictionCreated"),
  data: z.object({ ...ItemRef, predictionId: z.string().min(1), at }),
});
/** The create did not give us a prediction: refused (never created), or no answer (it may exist). */
export const PredictionRequestFailed = z.object({
  type: z.literal("PredictionRequestFailed"),
  data: z.object({
    ...ItemRef,
    attempt: z.number().int().positive(),
    error: z.string(),
    outcomeUnknown: z.boolean(),
    retryAt: at.nullable(),
  }),
});
export const PredictionSucceeded = z.object({
  type: z.literal("PredictionSucceeded"),
  data: z.object({
    ...ItemRef,
    draftId: z.uuid(),
    purchaseOrderId: z.uuid(),
    predictionId: z.string().min(1),
    outputUrl: z.string().min(1).max(2048),
  }),
});
export const OptimizationItemSucceeded = z.object({
  type: z.literal("OptimizationItemSucceeded"),
  data: z.object({ ...ItemRef, resultImageId: z.uuid(), url: z.string().min(1) }),
});
export const OptimizationItemFailed = z.object({
  type: z.literal("OptimizationItemFailed"),
  data: z.object({ ...ItemRef, reason: z.string() }),
});
export const OptimizationItemCancelled = z.object({
  type: z.literal("OptimizationItemCancelled"),
  data: z.object({ ...ItemRef, reason: z.string() }),
});
/** Every item not yet finished is cancelled with the job. */
export const OptimizationJobCancelled = z.object({
  type: z.literal("OptimizationJobCancelled"),
  data: z.object({ jobId: z.uuid(), reason: z.string() }),
});
export const OptimizationJobCompleted = z.object({
  type: z.literal("OptimizationJobCompleted"),
  data: z.object({ jobId: z.uuid(), succeeded: z.number().int(), failed: z.number().int(), cancelled: z.number().int() }),
});

export const OptimizationEvent = z.discriminatedUnion("type", [
  OptimizationJobCreated,
  PredictionRequested,
  PredictionCreated,
  PredictionRequestFailed,
  PredictionSucceeded,
  OptimizationItemSucceeded,
  OptimizationItemFailed,
  OptimizationItemCancelled,
  OptimizationJobCancelled,
  OptimizationJobCompleted,
]);
export type OptimizationEvent = z.infer<typeof OptimizationEvent>;
/** What subscribers filter on: every optimization event type starts with one of these. */
export const optimizationEventPrefixes = ["Optimization", "Prediction"];

// Commands

const cmd = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) => z.object({ type: z.literal(type), data: z.object(shape) });
export const OptimizationCommand = z.discriminatedUnion("type", [
  cmd("CreateOptimizationJob", OptimizationJobCreated.shape.data.shape),
  cmd("RequestPrediction", { ...ItemRef, at }),
  cmd("RecordPredictionCreated", { ...ItemRef, predictionId: z.string(), at }),
  cmd("RecordPredictionRequestFailure", { ...ItemRef, error: z.string(), outcomeUnknown: z.boolean(), retryAt: at.nullable() }),
  cmd("RecordPredictionOutcome", {
    ...ItemRef,
    predictionId: z.string(),
    status: z.enum(["succeeded", "failed", "canceled"]),
    outputUrl: z.string().nullable(),
    error: z.string().nullable(),
    at,
  }),
  cmd("CompleteOptimizationItem", { ...ItemRef, resultImageId: z.uuid(), url: z.string() }),
  cmd("FailOptimizationItem", { ...ItemRef, reason: z.string() }),
  cmd("CancelOptimizationItem", { ...ItemRef, reason: z.string() }),
  cmd("CancelOptimizationJob", { jobId: z.uuid(), merchantId: z.string(), reason: z.string() }),
]);
export type OptimizationCommand = z.infer<typeof OptimizationCommand>;

// State

export type ItemStatus = "pending" | "requested" | "processing" | "succeeded" | "done" | "failed" | "cancelled";
export type ItemState = OptimizationItem & {
  status: ItemStatus;
  attempts: number;
  predictionId: string | null;
  /** An earlier create went unanswered: look the prediction up before creating one. */
  mayExist: boolean;
  retryAt: string | null;
  firstRequestedAt: string | null;
  outputUrl: string | null;
};
export type OptimizationJobState =
  | { status: "none" }
  | {
      status: "active" | "cancelled" | "completed";
      jobId: string;
      merchantId: string;
      prompt: string;
      model: string;
      items: PersistentTable<ItemState>;
      counts: { open: number; succeeded: number; failed: number; cancelled: number };
    };
type Job = Exclude<OptimizationJobState, { status: "none" }>;

export const optimizationStream = (jobId: string) => `optimization-${jobId}`;
export const isFinished = (status: ItemStatus) => status === "done" || status === "failed" || status === "cancelled";

function existingJob(state: OptimizationJobState, jobId: string): Job {
  if (state.status === "none") throw new NotFound("Optimization job", jobId);
  return state;
}

function itemOf(job: Job, itemId: string): ItemState {
  const item = tableGet(job.items, itemId);
  if (!item) throw new NotFound("Optimization item", itemId);
  return item;
}

/** The events, followed by OptimizationJobCompleted when they finish the job's last open item. */
function andCompletion(job: Job, events: OptimizationEvent[]): OptimizationEvent[] {
  if (job.status !== "active" || events.length === 0) return events;
  const after = events.reduce(optimizationJobDecider.evolve, job as OptimizationJobState) as Job;
  if (after.counts.open > 0) return events;
  const { succeeded, failed, cancelled } = after.counts;
  return [...events, { type: "OptimizationJobCompleted", data: { jobId: job.jobId, succeeded, failed, cancelled } }];
}

function decideForItem(
  command: Exclude<OptimizationCommand, { type: "CreateOptimizationJob" | "CancelOptimizationJob" }>,
  job: Job,
): OptimizationEvent[] {
  const { jobId, itemId } = command.data;
  const item = itemOf(job, itemId);
  // Everything below is driven by processors and webhooks that may repeat: a repeat decides nothing.
  if (isFinished(item.status)) return [];
  switch (command.type) {
    case "RequestPrediction":
      if (job.status !== "active" || item.status !== "pending") return [];
      return [{ type: "PredictionRequested", data: { jobId, itemId, attempt: item.attempts + 1, at: command.data.at } }];
    case "RecordPredictionCreated":
      if (item.status !== "requested") return [];
      return [{ type: "PredictionCreated", data: { jobId, itemId, predictionId: command.data.predictionId, at: command.data.at } }];
    case "RecordPredictionRequestFailure": {
      if (item.status !== "requested") return [];
      const { error, outcomeUnknown, retryAt } = command.data;
      const failed: OptimizationEvent = {
        type: "PredictionRequestFailed",
        data: { jobId, itemId, attempt: item.attempts, error, outcomeUnknown, retryAt },
      };
      if (retryAt !== null) return [failed];
      return andCompletion(job, [failed, { type: "OptimizationItemFailed", data: { jobId, itemId, reason: error } }]);
    }
    case "RecordPredictionOutcome": {
      const { predictionId, status, outputUrl, error, at: when } = command.data;
      // A webhook may beat the create's own answer: it names the item, so it records the creation too.
      const created: OptimizationEvent[] =
        item.status === "requested" ? [{ type: "PredictionCreated", data: { jobId, itemId, predictionId, at: when } }] : [];
      if (item.status !== "requested" && (item.status !== "processing" || item.predictionId !== predictionId)) return [];
      if (status === "succeeded" && outputUrl) {
        const { draftId, purchaseOrderId } = item;
        return [...created, { type: "PredictionSucceeded", data: { jobId, itemId, draftId, purchaseOrderId, predictionId, outputUrl } }];
      }
      const reason =
        status === "succeeded" ? "the prediction succeeded without an output" : `prediction ${status}: ${error ?? "no reason given"}`;
      return andCompletion(job, [...created, { type: "OptimizationItemFailed", data: { jobId, itemId, reason } }]);
    }
    case "CompleteOptimizationItem":
      if (item.status !== "succeeded") throw new DomainRuleViolation(`Item ${itemId} has no result to complete with`);
      return andCompletion(job, [
        { type: "OptimizationItemSucceeded", data: { jobId, itemId, resultImageId: command.data.resultImageId, url: command.data.url } },
      ]);
    case "FailOptimizationItem":
      return andCompletion(job, [{ type: "OptimizationItemFailed", data: { jobId, itemId, reason: command.data.reason } }]);
    case "CancelOptimizationItem":
      return andCompletion(job, [{ type: "OptimizationItemCancelled", data: { jobId, itemId, reason: command.data.reason } }]);
  }
}

const finish = (job: Job, itemId: string, status: "done" | "failed" | "cancelled"): Job => {
  const item = tableGet(job.items, itemId);
  if (!item || isFinished(item.status)) return job;
  const counted = { done: "succeeded", failed: "failed", cancelled: "cancelled" } as const;
  const counts = { ...job.counts, open: job.counts.open - 1, [counted[status]]: job.counts[counted[status]] + 1 };
  return { ...job, items: tableSet(job.items, itemId, { ...item, status }), counts };
};

const updateItem = (job: Job, itemId: string, change: Partial<ItemState>): Job => {
  const item = tableGet(job.items, itemId);
  return item ? { ...job, items: tableSet(job.items, itemId, { ...item, ...change }) } : job;
};

export const optimizationJobDecider: Decider<OptimizationCommand, OptimizationEvent, OptimizationJobState> = {
  initialState: { status: "none" },

  decide(command, state) {
    switch (command.type) {
      case "CreateOptimizationJob":
        if (state.status !== "none") throw new DomainRuleViolation(`Optimization job ${command.data.jobId} already exists`);
        return [{ type: "OptimizationJobCreated", data: command.data }];
      case "CancelOptimizationJob": {
        const job = existingJob(state, command.data.jobId);
        if (job.merchantId !== command.data.merchantId) throw new NotFound("Optimization job", command.data.jobId);
        if (job.status === "cancelled") return [];
        if (job.status === "completed") throw new DomainRuleViolation(`Optimization job ${job.jobId} has already finished`);
        return [{ type: "OptimizationJobCancelled", data: { jobId: job.jobId, reason: command.data.reason } }];
      }
      default:
        return decideForItem(command, existingJob(state, command.data.jobId));
    }
  },

  evolve(state, event) {
    if (event.type === "OptimizationJobCreated") {
      const { jobId, merchantId, prompt, model, items } = event.data;
      const table = tableOf(
        items.map((item): [string, ItemState] => [
          item.itemId,
          {
            ...item,
            status: "pending",
            attempts: 0,
            predictionId: null,
            mayExist: false,
            retryAt: null,
            firstRequestedAt: null,
            outputUrl: null,
          },
        ]),
      );
      return {
        status: "active",
        jobId,
        merchantId,
        prompt,
        model,
        items: table,
        counts: { open: items.length, succeeded: 0, failed: 0, cancelled: 0 },
      };
    }
    if (state.status === "none") return state;
    switch (event.type) {
      case "PredictionRequested": {
        const firstRequestedAt = tableGet(state.items, event.data.itemId)?.firstRequestedAt ?? event.data.at;
        return updateItem(state, event.data.itemId, { status: "requested", attempts: event.data.attempt, retryAt: null, firstRequestedAt });
      }
      case "PredictionCreated":
        return updateItem(state, event.data.itemId, { status: "processing", predictionId: event.data.predictionId, mayExist: false });
      case "PredictionRequestFailed": {
        const { itemId, outcomeUnknown, retryAt } = event.data;
        const mayExist = outcomeUnknown || (tableGet(state.items, itemId)?.mayExist ?? false);
        return updateItem(state, itemId, { status: "pending", mayExist, retryAt });
      }
      case "PredictionSucceeded":
        return updateItem(state, event.data.itemId, { status: "succeeded", outputUrl: event.data.outputUrl });
      case "OptimizationItemSucceeded":
        return finish(state, event.data.itemId, "done");
      case "OptimizationItemFailed":
        return finish(state, event.data.itemId, "failed");
      case "OptimizationItemCancelled":
        return finish(state, event.data.itemId, "cancelled");
      case "OptimizationJobCancelled": {
        const open = [...tableValues(state.items)].filter((item) => !isFinished(item.status)).length;
        const items = tableMap(state.items, (item) => (isFinished(item.status) ? item : { ...item, status: "cancelled" as const }));
        return { ...state, status: "cancelled", items, counts: { ...state.counts, open: 0, cancelled: state.counts.cancelled + open } };
      }
      case "OptimizationJobCompleted":
        return { ...state, status: "completed" };
    }
  },
};
