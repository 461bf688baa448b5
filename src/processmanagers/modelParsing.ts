import type { ProcessManager } from "./processManager.ts";

/** A scan or free text is read by a model in the background, once per PO. */
export const modelParsing = {
  name: "model-parsing",
  idempotentPerSubject: true,
  reactions: {
    PurchaseOrderUploaded: ({ event, metadata }) =>
      event.data.parsing === "model"
        ? [
            {
              type: "ParseWithModel",
              stage: "parse",
              purchaseOrderId: event.data.purchaseOrderId,
              merchantId: metadata.merchantId,
              subjectId: "",
            },
          ]
        : [],
  },
} as const satisfies ProcessManager;
