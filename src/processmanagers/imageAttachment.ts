import type { ProcessManager } from "./processManager.ts";

/** Attaches what a search found, under the draft's revision guard (see the AttachDraftImages handler). */
export const imageAttachment = {
  name: "image-attachment",
  reactions: {
    ImageSearchCompleted: ({ event, metadata }) => [
      {
        type: "AttachDraftImages",
        stage: "attach_images",
        purchaseOrderId: metadata.correlationId,
        merchantId: metadata.merchantId,
        subjectId: event.data.draftId,
        draftId: event.data.draftId,
        searchId: event.data.searchId,
      },
    ],
  },
} as const satisfies ProcessManager;
