import { randomUUID } from "node:crypto";
import { productDraftDecider, productDraftStream, ProductDraftEvent, type DraftChanges, type ProductDraftCommand, type ProductDraftState } from "../domain/productDraft.ts";
import type { EventStore } from "../eventstore/port.ts";
import type { CommandContext } from "./commandHandler.ts";
import { handleCommand } from "./commandHandler.ts";

export const merchantContext = (merchantId: string, correlationId: string): CommandContext => ({
  merchantId,
  correlationId,
  causationId: randomUUID(),
  actor: `merchant:${merchantId}`,
});

const correlationOf = (state: ProductDraftState) => (state.status === "none" ? "unknown" : state.purchaseOrderId);

/** A merchant's command on one draft, decided on the draft's stream and appended under its revision. */
export function handleDraftCommand(store: EventStore, command: ProductDraftCommand & { data: { draftId: string; merchantId: string } }) {
  const { draftId, merchantId } = command.data;
  return handleCommand(store, productDraftDecider, ProductDraftEvent, productDraftStream(draftId), command, (state) =>
    merchantContext(merchantId, correlationOf(state)),
  );
}

export const updateDraft = (store: EventStore, merchantId: string, draftId: string, changes: DraftChanges) =>
  handleDraftCommand(store, { type: "UpdateDraft", data: { draftId, merchantId, changes } });

export const deleteDraft = (store: EventStore, merchantId: string, draftId: string) =>
  handleDraftCommand(store, { type: "DeleteDraft", data: { draftId, merchantId } });
