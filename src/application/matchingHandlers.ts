import { matchProduct } from "../domain/productMatching.ts";
import { decideOnDraft, skippedBecauseGone } from "./draftGuard.ts";
import { commandContext, type PipelineDependencies, type PipelineHandlers, type StageDecision } from "./handlerTypes.ts";

/**
 * Looks a new draft up in its merchant's Shopify catalogue and records the product it most likely
 * is, with the score, on the draft's stream under the revision read before the lookup: a draft
 * deleted meanwhile gets no match (a state known from an earlier stage is enough: the guard catches a stale one).
 */
export function matchingHandlers({ drafts, shopify }: PipelineDependencies): Pick<PipelineHandlers, "MatchDraftProduct"> {
  return {
    async MatchDraftProduct(command, context): Promise<StageDecision> {
      const shop = shopify?.forMerchant(command.merchantId);
      if (!shop) return { status: "skipped", reason: `no Shopify store is configured for merchant ${command.merchantId} (SHOPIFY_STORES)` };
      const read = await drafts.load(command.draftId);
      const draft = read.state;
      if (draft.status !== "active") return skippedBecauseGone(draft, "before it was looked up in the store");
      if (draft.publication.product) return { status: "skipped", reason: "it is in the store already" };
      const match = matchProduct(draft, await shop.catalogueFor(draft));
      if (!match) return { status: "completed" };
      return decideOnDraft(
        drafts,
        command.draftId,
        { type: "RecordProductMatch", data: { draftId: command.draftId, match } },
        read,
        commandContext(context, "match"),
        "while it was looked up in the store",
      );
    },
  };
}
