import type { ProcessManager } from "./processManager.ts";

/** A PO's review opens with its first draft's images; later drafts find it open and fill it. */
export const reviewOpening = {
  name: "review-opening",
  idempotentPerSubject: true,
  reactions: {
    ImagesAttached: ({ metadata }) => [
      {
        type: "OpenImageReview",
        stage: "open_review",
        purchaseOrderId: metadata.correlationId,
        merchantId: metadata.merchantId,
        subjectId: "",
      },
    ],
  },
} as const satisfies ProcessManager;
