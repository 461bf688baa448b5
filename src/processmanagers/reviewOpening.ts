import { isEventOfType } from "../domain/events.ts";
import type { ProcessManager } from "./processManager.ts";

/** A PO's review opens with its first draft's images; later drafts find it open and fill it. */
export const reviewOpening = {
  name: "review-opening",
  handles: ["ImagesAttached"],
  idempotentPerSubject: true,
  react(envelope) {
    if (!isEventOfType(envelope, "ImagesAttached")) return [];
    const { merchantId, correlationId } = envelope.metadata;
    return [{ type: "OpenImageReview", stage: "open_review", purchaseOrderId: correlationId, merchantId, subjectId: "" }];
  },
} as const satisfies ProcessManager;
