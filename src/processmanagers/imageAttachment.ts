import { isEventOfType } from "../domain/events.ts";
import type { ProcessManager } from "./processManager.ts";

/** Attaches what a search found, under the draft's revision guard (see the AttachDraftImages handler). */
export const imageAttachment = {
  name: "image-attachment",
  handles: ["ImageSearchCompleted"],
  react(envelope) {
    if (!isEventOfType(envelope, "ImageSearchCompleted")) return [];
    const { draftId, searchId } = envelope.event.data;
    const { merchantId, correlationId } = envelope.metadata;
    return [
      {
        type: "AttachDraftImages",
        stage: "attach_images",
        purchaseOrderId: correlationId,
        merchantId,
        subjectId: draftId,
        draftId,
        searchId,
      },
    ];
  },
} as const satisfies ProcessManager;
