import type { ProcessManager } from "./processManager.ts";

/**
 * Each new draft is looked up in its merchant's store (by SKU, then by title) before review, so the
 * reviewer sees what it matches and a publish updates that product instead of making a second one.
 */
export const productMatching = {
  name: "product-matching",
  reactions: {
    DraftsCreated: ({ event, metadata }) =>
      event.data.drafts.map(({ draftId }) => ({
        type: "MatchDraftProduct",
        stage: "match_products",
        purchaseOrderId: event.data.purchaseOrderId,
        merchantId: metadata.merchantId,
        subjectId: draftId,
        draftId,
      })),
  },
} as const satisfies ProcessManager;
