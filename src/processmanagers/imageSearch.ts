import { isEventOfType } from "../domain/events.ts";
import type { ProcessManager } from "./processManager.ts";

/** One image search per new draft; the handler reads the draft's current SKU and title. */
export const imageSearch = {
  name: "image-search",
  handles: ["DraftsCreated"],
  react(envelope) {
    if (!isEventOfType(envelope, "DraftsCreated")) return [];
    const { purchaseOrderId, drafts } = envelope.event.data;
    const { merchantId } = envelope.metadata;
    return drafts.map(({ draftId }) => ({
      type: "SearchDraftImages",
      stage: "search_images",
      purchaseOrderId,
      merchantId,
      subjectId: draftId,
      draftId,
    }));
  },
} as const satisfies ProcessManager;
