import type { PipelineCommandOfType } from "./commands.ts";
import type { ProcessManager } from "./processManager.ts";

const publishDraft = (
  purchaseOrderId: string,
  merchantId: string,
  draftId: string,
  requestId: string,
): PipelineCommandOfType<"PublishDraft"> => ({
  type: "PublishDraft",
  stage: "publish",
  purchaseOrderId,
  merchantId,
  subjectId: draftId,
  draftId,
  requestId,
});

/**
 * Publishes drafts to the merchant's store, one command per draft, and keeps the store in step
 * with deletions. Every command of a draft has the draft as its subject, so they run in the order
 * of the log: a deletion's withdrawal always follows the publish that was in flight when it came.
 */
export const publishing = {
  name: "shopify-publishing",
  reactions: {
    PurchaseOrderPublishRequested: ({ event, metadata }) =>
      event.data.draftIds.map((draftId) => publishDraft(event.data.purchaseOrderId, metadata.merchantId, draftId, event.data.requestId)),
    DraftPublishRequested: ({ event, metadata }) => [
      publishDraft(metadata.correlationId, metadata.merchantId, event.data.draftId, event.data.requestId),
    ],
    DraftPublishSkipped: ({ event, metadata }) => [
      {
        type: "SettleSkippedDraft",
        stage: "publish",
        purchaseOrderId: metadata.correlationId,
        merchantId: metadata.merchantId,
        subjectId: event.data.draftId,
        draftId: event.data.draftId,
      },
    ],
    ReviewCompleted: ({ event }) => [
      {
        type: "AutoPublishPurchaseOrder",
        stage: "publish",
        purchaseOrderId: event.data.purchaseOrderId,
        merchantId: event.data.merchantId,
        subjectId: "",
      },
    ],
    DraftDeleted: ({ event, metadata }) => [
      {
        type: "WithdrawDraftProduct",
        stage: "publish",
        purchaseOrderId: metadata.correlationId,
        merchantId: metadata.merchantId,
        subjectId: event.data.draftId,
        draftId: event.data.draftId,
      },
    ],
  },
} as const satisfies ProcessManager;

/**
 * After each settlement, whether the PO is complete: the pipeline's last stage. The PO is its
 * subject, so checks asked for while one waits are answered by it, and only the one that finds the
 * PO complete writes anything.
 */
export const completion = {
  name: "purchase-order-completion",
  idempotentPerSubject: true,
  reactions: {
    DraftPublicationSettled: ({ event, metadata }) => [
      {
        type: "CompletePurchaseOrder",
        stage: "complete",
        purchaseOrderId: event.data.purchaseOrderId,
        merchantId: metadata.merchantId,
        subjectId: "",
      },
    ],
  },
} as const satisfies ProcessManager;
