import { DomainRuleViolation, NotFound } from "../errors.ts";
import type { z } from "zod";
import type {
  CompletePurchaseOrder,
  DraftPublicationSettled,
  PurchaseOrderCompleted,
  PurchaseOrderPublished,
  PurchaseOrderPublishRequested,
  RequestPublish,
  SettleDraftPublication,
} from "./publication.ts";
import type { DraftsCreatedState, PurchaseOrderState } from "./purchaseOrder.ts";

type PublicationCommand = z.infer<typeof RequestPublish | typeof SettleDraftPublication | typeof CompletePurchaseOrder>;
type PublicationEvent = z.infer<
  typeof PurchaseOrderPublishRequested | typeof DraftPublicationSettled | typeof PurchaseOrderPublished | typeof PurchaseOrderCompleted
>;

/**
 * A PO is published once every draft its request named is settled (published, skipped or deleted),
 * and thereby complete: the completion stage finds it so and records both. Settlements arrive one
 * draft at a time, from the publisher, the merchant's skips and deletions, in any order (they
 * commute); one already recorded is not recorded twice.
 */
export function decidePublication(command: PublicationCommand, state: PurchaseOrderState): PublicationEvent[] {
  if (state.status === "none") throw new NotFound("Purchase order", "(not uploaded)");
  switch (command.type) {
    case "RequestPublish": {
      const { merchantId, requestId, draftIds, requestedBy } = command.data;
      if (state.merchantId !== merchantId) throw new NotFound("Purchase order", state.purchaseOrderId);
      if (state.status !== "drafts_created")
        throw new DomainRuleViolation(`Purchase order is ${state.status}: it has no drafts to publish`);
      const { publication } = state as DraftsCreatedState;
      if (publication?.status === "publishing") throw new DomainRuleViolation("Purchase order is already being published");
      if (draftIds.length === 0) throw new DomainRuleViolation("Purchase order has no live draft left to publish");
      const live = new Set((state as DraftsCreatedState).draftIds);
      const unknown = draftIds.find((id) => !live.has(id));
      if (unknown) throw new DomainRuleViolation(`Draft ${unknown} is not a draft of this purchase order`);
      return [
        { type: "PurchaseOrderPublishRequested", data: { purchaseOrderId: state.purchaseOrderId, requestId, draftIds, requestedBy } },
      ];
    }
    case "SettleDraftPublication": {
      const publication = state.status === "drafts_created" ? (state as DraftsCreatedState).publication : undefined;
      const { draftId, outcome } = command.data;
      // Outside a request (a draft published on its own) or after it settled, the PO has nothing to record.
      if (publication?.status !== "publishing" || !publication.requested.includes(draftId)) return [];
      if (publication.settled[draftId] === outcome) return [];
      return [{ type: "DraftPublicationSettled", data: { purchaseOrderId: state.purchaseOrderId, draftId, outcome } }];
    }
    case "CompletePurchaseOrder": {
      const publication = state.status === "drafts_created" ? (state as DraftsCreatedState).publication : undefined;
      if (publication?.status !== "publishing" || publication.requested.some((id) => publication.settled[id] === undefined)) return [];
      const outcomes = Object.values(publication.settled);
      const count = (outcome: string) => outcomes.filter((o) => o === outcome).length;
      const { purchaseOrderId } = state;
      return [
        { type: "PurchaseOrderPublished", data: { purchaseOrderId, requestId: publication.requestId } },
        {
          type: "PurchaseOrderCompleted",
          data: {
            purchaseOrderId: state.purchaseOrderId,
            requestId: publication.requestId,
            published: count("published"),
            skipped: count("skipped"),
            deleted: count("deleted"),
          },
        },
      ];
    }
  }
}

export function evolvePublication(state: DraftsCreatedState, event: PublicationEvent): DraftsCreatedState {
  const { publication } = state;
  switch (event.type) {
    case "PurchaseOrderPublishRequested":
      return {
        ...state,
        publication: { requestId: event.data.requestId, requested: event.data.draftIds, settled: {}, status: "publishing" },
      };
    case "DraftPublicationSettled":
      return publication
        ? { ...state, publication: { ...publication, settled: { ...publication.settled, [event.data.draftId]: event.data.outcome } } }
        : state;
    case "PurchaseOrderPublished":
      return publication ? { ...state, publication: { ...publication, status: "published" } } : state;
    case "PurchaseOrderCompleted":
      return publication ? { ...state, publication: { ...publication, status: "complete" } } : state;
  }
}
