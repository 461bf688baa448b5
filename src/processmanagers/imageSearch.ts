import type { ProcessManager } from "./processManager.ts";

/** One image search per new draft; the handler reads the draft's current SKU and title. */
export const imageSearch = {
  name: "image-search",
  reactions: {
    DraftsCreated: ({ event, metadata }) =>
      event.data.drafts.map(({ draftId }) => ({
        type: "SearchDraftImages",
        stage: "search_images",
        purchaseOrderId: event.data.purchaseOrderId,
        merchantId: metadata.merchantId,
        subjectId: draftId,
        draftId,
      })),
  },
} as const satisfies ProcessManager;
