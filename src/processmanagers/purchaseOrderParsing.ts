import { isEventOfType } from "../domain/events.ts";
import type { ProcessManager } from "./processManager.ts";

export const purchaseOrderParsing = {
  name: "purchase-order-parsing",
  priority: "foreground",
  handles: ["PurchaseOrderUploaded"],
  react(envelope) {
    if (!isEventOfType(envelope, "PurchaseOrderUploaded")) return [];
    const { purchaseOrderId, merchantId, sha256 } = envelope.event.data;
    return [{ type: "ParsePurchaseOrder", stage: "parse", purchaseOrderId, merchantId, subjectId: "", sha256 }];
  },
} as const satisfies ProcessManager;
