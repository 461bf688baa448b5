import type { ProductDraftCommand } from "../domain/productDraft.ts";
import type { ProductDraftState } from "../domain/productDraftEvents.ts";
import type { EventStore } from "../eventstore/port.ts";
import { productDrafts } from "./aggregates.ts";
import type { DraftStates } from "./draftStates.ts";
import type { CommandContext, Loaded } from "./commandHandler.ts";
import { commitDecision } from "./decisions.ts";
import type { StageDecision, StageOutcome } from "./handlerTypes.ts";

export const loadDraft = (store: EventStore, draftId: string) => productDrafts.load(store, draftId);

export const skippedBecauseGone = (state: ProductDraftState, when: string): StageOutcome => ({
  status: "skipped",
  reason: state.status === "deleted" ? `draft deleted ${when}` : `draft does not exist ${when}`,
});

/**
 * A decision on a draft, to be appended under the revision read; if the draft is gone by then, the
 * append fails, the decision is taken again on a fresh read and the stage is skipped. Once
 * DraftDeleted is in, nothing more lands on that draft and no image row is ever projected for it:
 * a deletion that wins the race is a skip, never a foreign-key error.
 */
export function decideOnDraft(
  drafts: DraftStates,
  draftId: string,
  command: ProductDraftCommand,
  read: Loaded<ProductDraftState>,
  context: CommandContext,
  whenGone: string,
): StageDecision {
  if (read.state.status !== "active") return skippedBecauseGone(read.state, whenGone);
  const { appends, after } = productDrafts.decisionFor(draftId, command, read, context);
  return {
    status: "completed",
    appends,
    committed: ([result]) => {
      if (appends.length > 0 && result) drafts.remember(draftId, after(result));
    },
    decideAgain: async () => decideOnDraft(drafts, draftId, command, await drafts.read(draftId), context, whenGone),
  };
}

/** decideOnDraft, appended at once (for a handler with more to do once the draft has it). */
export const appendUnlessGone = (store: EventStore, ...args: Parameters<typeof decideOnDraft>): Promise<StageOutcome> =>
  commitDecision((appends) => store.appendToStreams(appends), decideOnDraft(...args));
