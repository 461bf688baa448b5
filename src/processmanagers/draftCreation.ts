import { isEventOfType } from "../domain/events.ts";
import type { ProcessManager } from "./processManager.ts";

export const draftCreation = {
  name: "draft-creation",
  priority: "foreground",
  handles: ["PurchaseOrderParsed"],
  react(envelope) {
    if (!isEventOfType(envelope, "PurchaseOrderParsed")) return [];
    const { purchaseOrderId } = envelope.event.data;
    const { merchantId } = envelope.metadata;
    return [{ type: "CreateDraftsForPurchaseOrder", stage: "create_drafts", purchaseOrderId, merchantId, subjectId: "" }];
  },
} as const satisfies ProcessManager;
