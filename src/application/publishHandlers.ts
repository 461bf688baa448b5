import type { DraftsCreatedState } from "../domain/purchaseOrder.ts";
import type { SettlementOutcome } from "../domain/publication.ts";
import { describeUserErrors } from "../integrations/shopify/shopifyGateway.ts";
import { purchaseOrders } from "./aggregates.ts";
import { appendUnlessGone, skippedBecauseGone } from "./draftGuard.ts";
import {
  commandContext,
  type HandlerContext,
  type PipelineDependencies,
  type PipelineHandlers,
  type StageDecision,
  type StageOutcome,
} from "./handlerTypes.ts";
import { matchToUpdate } from "../domain/draftInStore.ts";
import { productInput } from "./productPayload.ts";
import { draftsToPublish } from "./publishCommands.ts";
import { PurchaseOrderStates } from "./purchaseOrderStates.ts";
import { defaultPublishSettings } from "./publishSettings.ts";

type PublishHandlers = Pick<
  PipelineHandlers,
  "PublishDraft" | "WithdrawDraftProduct" | "SettleSkippedDraft" | "AutoPublishPurchaseOrder" | "CompletePurchaseOrder"
>;

/**
 * Publishing, on the draft guard images use: the product is recorded on the draft's stream under
 * the revision read before the call, so a draft deleted meanwhile gets no ProductPublished (and its
 * product leaves the store again); an edit meanwhile is recorded as "changed since publish". The
 * store's side is idempotent by the draft's handle, so a retry or a redelivery after a crash
 * between the call and the append updates the product the first attempt made.
 */
export function publishHandlers({
  store,
  drafts,
  shopify,
  publishSettings = defaultPublishSettings,
}: PipelineDependencies): PublishHandlers {
  const purchaseOrderStates = new PurchaseOrderStates(store);
  /** The stage's outcome, with the PO's record that the draft is settled appended alongside. */
  const settled = async (
    purchaseOrderId: string,
    draftId: string,
    outcome: SettlementOutcome,
    context: HandlerContext,
    status: StageOutcome,
  ): Promise<StageDecision> => {
    const loaded = await purchaseOrderStates.load(purchaseOrderId);
    if (loaded.state.status === "none") return status;
    const settle = { type: "SettleDraftPublication", data: { draftId, outcome } } as const;
    const appends = purchaseOrders.appendsFor(purchaseOrderId, settle, loaded, commandContext(context, "settle", outcome));
    // Settlements of different drafts commute, so they need no revision guard: a PO's drafts settle
    // concurrently without conflicting, and the completion check reads the PO as it ends up.
    return { ...status, appends: appends.map((append) => ({ ...append, expectedRevision: "any" as const })) };
  };

  const shopOf = (merchantId: string) => shopify?.forMerchant(merchantId);
  const noShop = (merchantId: string) => `no Shopify store is configured for merchant ${merchantId} (SHOPIFY_STORES)`;

  return {
    async PublishDraft(command, context) {
      const { draftId, requestId, purchaseOrderId, merchantId } = command;
      const read = await drafts.read(draftId);
      const draft = read.state;
      if (draft.status === "none") return skippedBecauseGone(draft, "before it was published");
      if (draft.status === "deleted")
        return settled(purchaseOrderId, draftId, "deleted", context, skippedBecauseGone(draft, "before it was published"));
      if (draft.publication.lastPublishedRequestId === requestId)
        return settled(purchaseOrderId, draftId, "published", context, { status: "completed" });
      if (draft.publication.skipped)
        return settled(purchaseOrderId, draftId, "skipped", context, { status: "skipped", reason: "the merchant skipped it" });
      const shop = shopOf(merchantId);
      if (!shop) return { status: "failed", error: noShop(merchantId) };
      const product = productInput(draft, await publishSettings(merchantId));
      const matched = matchToUpdate(draft.match);
      const answer = matched ? await shop.updateMatched(matched, product.variant) : await shop.publish(product);
      if (!answer.ok) return { status: "failed", error: `Shopify refused the product: ${describeUserErrors(answer.userErrors)}` };
      const recorded = await appendUnlessGone(
        store,
        drafts,
        draftId,
        { type: "RecordProductPublished", data: { draftId, requestId, product: answer.product, basedOnEdit: draft.edits } },
        read,
        commandContext(context, "published"),
        "while it was being published",
      );
      if (recorded.status === "failed") return recorded;
      if (recorded.status === "skipped") {
        await shop.withdraw(draft.handle);
        return settled(purchaseOrderId, draftId, "deleted", context, {
          status: "skipped",
          reason: `${recorded.reason}; its product was removed from the store`,
        });
      }
      return settled(purchaseOrderId, draftId, "published", context, { status: "completed" });
    },

    async WithdrawDraftProduct(command, context) {
      const { draftId, purchaseOrderId, merchantId } = command;
      const draft = (await drafts.read(draftId)).state;
      if (draft.status !== "deleted") return { status: "skipped", reason: `the draft is ${draft.status === "none" ? "unknown" : "live"}` };
      const po = (await purchaseOrderStates.load(purchaseOrderId)).state;
      const askedByPo = po.status === "drafts_created" && (po as DraftsCreatedState).publication?.requested.includes(draftId);
      if (!askedByPo && !draft.publication.requested && !draft.publication.product)
        return { status: "skipped", reason: "deleted before any publish: the store never had it" };
      const shop = shopOf(merchantId);
      if (!shop) return settled(purchaseOrderId, draftId, "deleted", context, { status: "skipped", reason: noShop(merchantId) });
      const removed = await shop.withdraw(draft.handle);
      const status: StageOutcome = removed ? { status: "completed" } : { status: "skipped", reason: "the store has no product for it" };
      return settled(purchaseOrderId, draftId, "deleted", context, status);
    },

    async SettleSkippedDraft(command, context) {
      const draft = (await drafts.read(command.draftId)).state;
      if (draft.status !== "active") return skippedBecauseGone(draft, "before its skip was recorded");
      if (!draft.publication.skipped) return { status: "skipped", reason: "a publish was asked for it again since" };
      return settled(command.purchaseOrderId, command.draftId, "skipped", context, { status: "completed" });
    },

    async AutoPublishPurchaseOrder(command, context) {
      const { purchaseOrderId, merchantId } = command;
      if (!(await publishSettings(merchantId)).autoPublish)
        return { status: "skipped", reason: "auto-publish is off in the merchant's settings" };
      if (!shopOf(merchantId)) return { status: "skipped", reason: noShop(merchantId) };
      const decide = async (): Promise<StageDecision> => {
        const loaded = await purchaseOrderStates.load(purchaseOrderId);
        const po = loaded.state;
        if (po.status !== "drafts_created") return { status: "skipped", reason: `the purchase order is ${po.status}` };
        if ((po as DraftsCreatedState).publication?.status === "publishing")
          return { status: "skipped", reason: "it is already being published" };
        const draftIds = await draftsToPublish(store, (po as DraftsCreatedState).draftIds);
        if (draftIds.length === 0) return { status: "skipped", reason: "no live draft is left to publish" };
        // Derived, so a redelivered ReviewCompleted asks for the same request, which is then already there.
        const request = { merchantId, requestId: context.derive("auto-publish"), draftIds, requestedBy: "processor:auto-publish" };
        return {
          status: "completed",
          appends: purchaseOrders.appendsFor(
            purchaseOrderId,
            { type: "RequestPublish", data: request },
            loaded,
            commandContext(context, "auto-publish"),
          ),
          decideAgain: decide,
        };
      };
      return decide();
    },

    async CompletePurchaseOrder(command, context) {
      const { purchaseOrderId } = command;
      const decide = async (): Promise<StageDecision> => {
        const loaded = await purchaseOrderStates.load(purchaseOrderId);
        const complete = { type: "CompletePurchaseOrder", data: {} } as const;
        const request = loaded.state.status === "drafts_created" ? (loaded.state as DraftsCreatedState).publication?.requestId : undefined;
        return {
          status: "completed",
          // Its ids come from the PO (asked for by any settlement) and the request (a PO may be published again).
          appends: purchaseOrders.appendsFor(purchaseOrderId, complete, loaded, commandContext(context, "complete", request ?? "")),
          decideAgain: decide,
        };
      };
      return decide();
    },
  };
}
