import { isEventOfType } from "../domain/events.ts";
import type { ProcessManager } from "./processManager.ts";

/** A finished prediction's image goes to its draft, under the draft's revision guard (see AttachOptimizedImage). */
export const optimizedImageAttachment = {
  name: "optimized-image-attachment",
  handles: ["PredictionSucceeded"],
  react(envelope) {
    if (!isEventOfType(envelope, "PredictionSucceeded")) return [];
    const { jobId, itemId, purchaseOrderId } = envelope.event.data;
    const { merchantId } = envelope.metadata;
    return [{ type: "AttachOptimizedImage", stage: "optimize_images", purchaseOrderId, merchantId, subjectId: itemId, jobId, itemId }];
  },
} as const satisfies ProcessManager;
