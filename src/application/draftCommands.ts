import { randomUUID } from "node:crypto";
import { productDraftDecider, productDraftStream, ProductDraftEvent, type DraftChanges, type ProductDraftState } from "../domain/productDraft.ts";
import type { EventStore } from "../eventstore/port.ts";
import type { CommandContext } from "./commandHandler.ts";
import { handleCommand } from "./commandHandler.ts";

const merchantContext = (merchantId: string) => (state: ProductDraftState): CommandContext => ({
  merchantId,
  correlationId: state.status === "none" ? "unknown" : state.purchaseOrderId,
  causationId: randomUUID(),
  actor: `merchant:${merchantId}`,
});

export function updateDraft(store: EventStore, merchantId: string, draftId: string, changes: DraftChanges) {
  return handleCommand(
    store,
    productDraftDecider,
    ProductDraftEvent,
    productDraftStream(draftId),
    { type: "UpdateDraft", data: { draftId, merchantId, changes } },
    merchantContext(merchantId),
  );
}

export function deleteDraft(store: EventStore, merchantId: string, draftId: string) {
  return handleCommand(
    store,
    productDraftDecider,
    ProductDraftEvent,
    productDraftStream(draftId),
    { type: "DeleteDraft", data: { draftId, merchantId } },
    merchantContext(merchantId),
  );
}
