import { NotFound } from "../errors.ts";
import { productDraftDecider, productDraftStream, ProductDraftEvent, type ProductDraftCommand, type ProductDraftState } from "../domain/productDraft.ts";
import type { EventStore } from "../eventstore/port.ts";
import { handleCommand, loadStream, type CommandContext, type Loaded } from "./commandHandler.ts";
import type { StageOutcome } from "./handlerTypes.ts";

export const loadDraft = (store: EventStore, draftId: string) => loadStream(store, productDraftDecider, ProductDraftEvent, productDraftStream(draftId));

export const skippedBecauseGone = (state: ProductDraftState, when: string): StageOutcome => ({
  status: "skipped",
  reason: state.status === "deleted" ? `draft deleted ${when}` : `draft does not exist ${when}`,
});

/**
 * Appends to a draft under the revision read; if the draft is gone by then, the stage is skipped.
 * Once DraftDeleted is in, nothing more lands on that draft and no image row is ever projected for
 * it: a deletion that wins the race is a skip, never a foreign-key error.
 */
export async function appendUnlessGone(
  store: EventStore,
  draftId: string,
  command: ProductDraftCommand,
  read: Loaded<ProductDraftState>,
  context: CommandContext,
  whenGone: string,
): Promise<StageOutcome> {
  try {
    await handleCommand(store, productDraftDecider, ProductDraftEvent, productDraftStream(draftId), command, context, { alreadyLoaded: read });
    return { status: "completed" };
  } catch (error) {
    if (error instanceof NotFound) return skippedBecauseGone((await loadDraft(store, draftId)).state, whenGone);
    throw error;
  }
}
