import { randomUUID } from "node:crypto";
import { ConcurrencyError, PreconditionFailed } from "../errors.ts";
import { productDraftStream, type ProductDraftCommand } from "../domain/productDraft.ts";
import { type DraftChanges, type ProductDraftState } from "../domain/productDraftEvents.ts";
import type { EventStore } from "../eventstore/port.ts";
import type { CommandContext } from "./commandHandler.ts";
import { productDrafts } from "./aggregates.ts";

export const merchantContext = (merchantId: string, correlationId: string): CommandContext => ({
  merchantId,
  correlationId,
  causationId: randomUUID(),
  actor: `merchant:${merchantId}`,
});

const correlationOf = (state: ProductDraftState) => (state.status === "none" ? "unknown" : state.purchaseOrderId);

type DraftCommand = ProductDraftCommand & { data: { draftId: string; merchantId: string } };

/**
 * A merchant's command on one draft, decided on the draft's stream and appended under its revision.
 * With `ifMatch` (the revision the merchant last saw) the append is made under that revision instead,
 * so a draft that changed since is refused by the log itself, never decided on again.
 */
export async function handleDraftCommand(store: EventStore, command: DraftCommand, ifMatch?: bigint) {
  const { draftId, merchantId } = command.data;
  const streamName = productDraftStream(draftId);
  const context = (state: ProductDraftState) => merchantContext(merchantId, correlationOf(state));
  if (ifMatch === undefined) return productDrafts.handle(store, draftId, command, context);
  // Decided on the current state, so another merchant's or a deleted draft is still a 404.
  const current = await productDrafts.load(store, draftId);
  try {
    const handled = await productDrafts.handle(store, draftId, command, context, {
      alreadyLoaded: { ...current, revision: ifMatch },
      attempts: 1,
    });
    if (handled.events.length > 0) return handled;
    // Nothing to append, so the log had no revision to check: a stale If-Match is refused all the same.
    if (current.revision !== ifMatch) throw new PreconditionFailed("Draft", draftId, ifMatch, current.revision!);
    return { ...handled, nextExpectedRevision: current.revision };
  } catch (error) {
    if (!(error instanceof ConcurrencyError)) throw error;
    const [last] = await store.readStream(streamName, { direction: "backwards", maxCount: 1 });
    throw new PreconditionFailed("Draft", draftId, ifMatch, last!.revision);
  }
}

export const updateDraft = (store: EventStore, merchantId: string, draftId: string, changes: DraftChanges, ifMatch?: bigint) =>
  handleDraftCommand(store, { type: "UpdateDraft", data: { draftId, merchantId, changes } }, ifMatch);

export const deleteDraft = (store: EventStore, merchantId: string, draftId: string, ifMatch?: bigint) =>
  handleDraftCommand(store, { type: "DeleteDraft", data: { draftId, merchantId } }, ifMatch);
