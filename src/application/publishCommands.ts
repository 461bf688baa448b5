import { randomUUID } from "node:crypto";
import { NotFound } from "../errors.ts";
import type { EventStore } from "../eventstore/port.ts";
import { productDrafts, purchaseOrders } from "./aggregates.ts";
import { handleDraftCommand, merchantContext } from "./draftCommands.ts";

const READ_AT_ONCE = 16;

/** The PO's drafts a publish takes: live ones the merchant has not skipped. */
export async function draftsToPublish(store: EventStore, draftIds: string[]): Promise<string[]> {
  const taken: string[] = [];
  for (let i = 0; i < draftIds.length; i += READ_AT_ONCE) {
    const batch = draftIds.slice(i, i + READ_AT_ONCE);
    const states = await Promise.all(batch.map(async (id) => (await productDrafts.load(store, id)).state));
    states.forEach((state, j) => {
      if (state.status === "active" && !state.publication.skipped) taken.push(batch[j]!);
    });
  }
  return taken;
}

/**
 * Asks for every live draft of a PO to be published. A draft deleted after it was counted in is
 * settled as deleted by the publisher, which never publishes it.
 */
export async function requestPurchaseOrderPublish(
  store: EventStore,
  merchantId: string,
  purchaseOrderId: string,
  requestedBy = `merchant:${merchantId}`,
) {
  const { state } = await purchaseOrders.load(store, purchaseOrderId);
  if (state.status === "none" || state.merchantId !== merchantId) throw new NotFound("Purchase order", purchaseOrderId);
  const draftIds = await draftsToPublish(store, "draftIds" in state ? state.draftIds : []);
  const requestId = randomUUID();
  const handled = await purchaseOrders.handle(
    store,
    purchaseOrderId,
    { type: "RequestPublish", data: { merchantId, requestId, draftIds, requestedBy } },
    { ...merchantContext(merchantId, purchaseOrderId), actor: requestedBy },
  );
  return { requestId, draftIds, position: handled.position };
}

/** The merchant a live draft belongs to; a deleted or unknown draft is NotFound, as to its merchant's commands. */
export async function merchantOfDraft(store: EventStore, draftId: string): Promise<string> {
  const { state } = await productDrafts.load(store, draftId);
  if (state.status !== "active") throw new NotFound("Draft", draftId);
  return state.merchantId;
}

/** The merchant a PO belongs to, for an operator acting on it by id alone. */
export async function merchantOfPurchaseOrder(store: EventStore, purchaseOrderId: string): Promise<string> {
  const { state } = await purchaseOrders.load(store, purchaseOrderId);
  if (state.status === "none") throw new NotFound("Purchase order", purchaseOrderId);
  return state.merchantId;
}

export async function requestDraftPublish(store: EventStore, merchantId: string, draftId: string) {
  const requestId = randomUUID();
  const handled = await handleDraftCommand(store, { type: "RequestDraftPublish", data: { draftId, merchantId, requestId } });
  return { requestId, position: handled.position };
}

export const skipDraftPublish = (store: EventStore, merchantId: string, draftId: string) =>
  handleDraftCommand(store, { type: "SkipDraftPublish", data: { draftId, merchantId } });

/** The reviewer's word on the store product a draft was matched with: accepted, a publish updates it; refused, a publish creates a product of its own. */
export const decideProductMatch = (store: EventStore, merchantId: string, draftId: string, decision: "accept" | "refuse") =>
  handleDraftCommand(store, { type: decision === "accept" ? "AcceptProductMatch" : "RefuseProductMatch", data: { draftId, merchantId } });
