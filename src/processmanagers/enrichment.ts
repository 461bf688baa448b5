import type { ProcessManager } from "./processManager.ts";

/**
 * A language model writes each new draft's description, tags and product type, in the background
 * beside its image search. Runs only on a server with a text model (REPLICATE_TEXT_MODEL).
 */
export const enrichment = {
  name: "enrichment",
  reactions: {
    DraftsCreated: ({ event, metadata }) =>
      event.data.drafts.map(({ draftId }) => ({
        type: "EnrichDraft",
        stage: "enrich",
        purchaseOrderId: event.data.purchaseOrderId,
        merchantId: metadata.merchantId,
        subjectId: draftId,
        draftId,
      })),
  },
} as const satisfies ProcessManager;
