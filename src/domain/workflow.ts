import { z } from "zod";
import { ParseReport } from "./columnMapping.ts";
import { NormalizationReport } from "./normalization.ts";
import { RulesReport } from "./pricing.ts";
import { Stage } from "./stages.ts";

/**
 * The stage log of one purchase order (stream `workflow-<poId>`). It records what happened to the
 * pipeline, not a business decision, so it has no decider: processors append to it directly.
 * `subjectId` names the draft for per-draft stages and is empty for PO-wide ones.
 */
const StageRef = { purchaseOrderId: z.uuid(), stage: Stage, subjectId: z.string().default("") };

export const StageStarted = z.object({
  type: z.literal("StageStarted"),
  data: z.object({ ...StageRef, attempt: z.number().int().positive(), at: z.iso.datetime() }),
});
export const StageCompleted = z.object({
  type: z.literal("StageCompleted"),
  data: z.object({
    ...StageRef,
    durationMs: z.number().nonnegative(),
    at: z.iso.datetime(),
    /** On the parse stage: which parser ran, how many lines it found, which it left out and why. */
    parseReport: ParseReport.optional(),
    /** On the normalize stage: how many titles and SKUs it tidied, which lines it merged. */
    normalizationReport: NormalizationReport.optional(),
    /** On the apply_rules stage: the pricing rule and how many drafts it priced. */
    rulesReport: RulesReport.optional(),
  }),
});
export const StageFailed = z.object({
  type: z.literal("StageFailed"),
  data: z.object({
    ...StageRef,
    error: z.string(),
    attempt: z.number().int().positive(),
    willRetry: z.boolean(),
    at: z.iso.datetime(),
  }),
});
export const StageSkipped = z.object({
  type: z.literal("StageSkipped"),
  data: z.object({ ...StageRef, reason: z.string(), at: z.iso.datetime() }),
});

/** An operator gave up on events a consumer had quarantined for this PO: that consumer never applies them. */
export const QuarantinedEventsSkipped = z.object({
  type: z.literal("QuarantinedEventsSkipped"),
  data: z.object({
    purchaseOrderId: z.uuid(),
    consumer: z.string().min(1),
    events: z.array(z.object({ eventId: z.uuid(), eventType: z.string(), position: z.string().regex(/^\d+$/), error: z.string() })).min(1),
    operator: z.string().min(1),
    at: z.iso.datetime(),
  }),
});

export const WorkflowEvent = z.discriminatedUnion("type", [
  StageStarted,
  StageCompleted,
  StageFailed,
  StageSkipped,
  QuarantinedEventsSkipped,
]);
export type WorkflowEvent = z.infer<typeof WorkflowEvent>;

export const workflowStream = (purchaseOrderId: string) => `workflow-${purchaseOrderId}`;
