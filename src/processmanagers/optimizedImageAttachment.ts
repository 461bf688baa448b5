import type { ProcessManager } from "./processManager.ts";

/** A finished prediction's image goes to its draft, under the draft's revision guard (see AttachOptimizedImage). */
export const optimizedImageAttachment = {
  name: "optimized-image-attachment",
  reactions: {
    PredictionSucceeded: ({ event, metadata }) => {
      const { jobId, itemId, purchaseOrderId } = event.data;
      return [
        {
          type: "AttachOptimizedImage",
          stage: "optimize_images",
          purchaseOrderId,
          merchantId: metadata.merchantId,
          subjectId: itemId,
          jobId,
          itemId,
        },
      ];
    },
  },
} as const satisfies ProcessManager;
