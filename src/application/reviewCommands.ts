import { NotFound } from "../errors.ts";
import type { EventStore } from "../eventstore/port.ts";
import { purchaseOrders, reviewSessions } from "./aggregates.ts";
import { handleDraftCommand, merchantContext } from "./draftCommands.ts";

type ImageAction = { merchantId: string; draftId: string; imageId: string };

export const approveImage = (store: EventStore, action: ImageAction) => handleDraftCommand(store, { type: "ApproveImage", data: action });

export const rejectImage = (store: EventStore, action: ImageAction & { reason?: string }) =>
  handleDraftCommand(store, { type: "RejectImage", data: action });

export const selectPrimaryImage = (store: EventStore, action: ImageAction) =>
  handleDraftCommand(store, { type: "SelectPrimaryImage", data: action });

async function openSessionOf(store: EventStore, merchantId: string, purchaseOrderId: string) {
  const { state } = await reviewSessions.load(store, purchaseOrderId);
  if (state.status === "none" || state.merchantId !== merchantId) throw new NotFound("Review session", purchaseOrderId);
  return state;
}

/**
 * Approves every undecided image of the PO's drafts, draft by draft, each under its own revision.
 * A draft deleted meanwhile is left out, not an error: it has left the session.
 */
export async function approveRemainingImages(store: EventStore, merchantId: string, purchaseOrderId: string) {
  await openSessionOf(store, merchantId, purchaseOrderId);
  const { state: po } = await purchaseOrders.load(store, purchaseOrderId);
  const draftIds = po.status === "drafts_created" ? po.draftIds : [];
  let approved = 0;
  let position: bigint | undefined;
  for (const draftId of draftIds) {
    try {
      const result = await handleDraftCommand(store, { type: "ApproveUndecidedImages", data: { draftId, merchantId } });
      approved += result.events.length;
      if (result.events.length > 0) position = result.position;
    } catch (error) {
      if (!(error instanceof NotFound)) throw error;
    }
  }
  return { approved, position };
}

export async function completeReview(store: EventStore, merchantId: string, purchaseOrderId: string) {
  return reviewSessions.handle(
    store,
    purchaseOrderId,
    { type: "CompleteReview", data: { purchaseOrderId, merchantId, reviewer: { kind: "merchant", id: merchantId } } },
    merchantContext(merchantId, purchaseOrderId),
  );
}
