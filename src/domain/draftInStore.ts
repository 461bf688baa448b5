import { z } from "zod";
import { DomainRuleViolation } from "../errors.ts";
import { ProductMatch } from "./productMatching.ts";
import {
  DraftPublishRequested,
  DraftPublishSkipped,
  ProductPublished,
  RecordProductPublished,
  RequestDraftPublish,
  SkipDraftPublish,
  type DraftPublication,
} from "./publication.ts";

/**
 * A draft's side of the merchant's store: the product the store may already have for it (found by
 * matching, accepted or refused by the reviewer) and what publishing made of it. The draft decider
 * hands these cases here once it has checked the draft is live and the merchant's.
 */

// Events

export const ProductMatchFound = z.object({
  type: z.literal("ProductMatchFound"),
  data: z.object({ draftId: z.uuid(), match: ProductMatch }),
});
export const ProductMatchAccepted = z.object({
  type: z.literal("ProductMatchAccepted"),
  data: z.object({ draftId: z.uuid(), productId: z.string().min(1) }),
});
export const ProductMatchRefused = z.object({
  type: z.literal("ProductMatchRefused"),
  data: z.object({ draftId: z.uuid(), productId: z.string().min(1) }),
});

export const DraftInStoreEvent = z.discriminatedUnion("type", [
  DraftPublishRequested,
  ProductPublished,
  DraftPublishSkipped,
  ProductMatchFound,
  ProductMatchAccepted,
  ProductMatchRefused,
]);
export type DraftInStoreEvent = z.infer<typeof DraftInStoreEvent>;

// Commands

export const RecordProductMatch = z.object({ type: z.literal("RecordProductMatch"), data: ProductMatchFound.shape.data });
export const AcceptProductMatch = z.object({
  type: z.literal("AcceptProductMatch"),
  data: z.object({ draftId: z.uuid(), merchantId: z.string() }),
});
export const RefuseProductMatch = z.object({
  type: z.literal("RefuseProductMatch"),
  data: z.object({ draftId: z.uuid(), merchantId: z.string() }),
});

export const DraftInStoreCommand = z.discriminatedUnion("type", [
  RequestDraftPublish,
  RecordProductPublished,
  SkipDraftPublish,
  RecordProductMatch,
  AcceptProductMatch,
  RefuseProductMatch,
]);
export type DraftInStoreCommand = z.infer<typeof DraftInStoreCommand>;

// State

export type MatchDecision = "proposed" | "accepted" | "refused";
export type DraftMatch = ProductMatch & { decision: MatchDecision };
export type DraftInStore = { draftId: string; publication: DraftPublication; match: DraftMatch | null };

/**
 * The store's product a publish updates instead of creating one: a match by SKU or barcode (a
 * code names one product) unless the reviewer refused it; a match by title only once accepted,
 * since titles alike may still be different products.
 */
export function matchToUpdate(match: DraftMatch | null): DraftMatch | null {
  if (!match || match.decision === "refused") return null;
  return match.decision === "accepted" || match.by !== "title" ? match : null;
}

/** A match as the draft shows it: the store's product, how and how sure, the reviewer's word, and whether a publish updates it. */
export function matchShown(match: DraftMatch) {
  const { variantId: _variantId, ...shown } = match;
  return { ...shown, updatesProduct: matchToUpdate(match) !== null };
}

function decidedMatch(draft: DraftInStore): DraftMatch {
  if (!draft.match) throw new DomainRuleViolation(`Draft ${draft.draftId} has no product in the store it matches`);
  // The product it became is the store's record of the choice; changing it now would leave that product behind.
  if (draft.publication.product)
    throw new DomainRuleViolation(`Draft ${draft.draftId} is already in the store: its match can no longer change`);
  return draft.match;
}

export function decideInStore(command: DraftInStoreCommand, draft: DraftInStore): DraftInStoreEvent[] {
  const { draftId } = command.data;
  switch (command.type) {
    case "RequestDraftPublish":
      return [{ type: "DraftPublishRequested", data: { draftId, requestId: command.data.requestId } }];
    // The publisher records what the store answered; a redelivered answer is already there.
    case "RecordProductPublished":
      return draft.publication.lastPublishedRequestId === command.data.requestId ? [] : [{ type: "ProductPublished", data: command.data }];
    case "SkipDraftPublish":
      if (draft.publication.product) throw new DomainRuleViolation(`Draft ${draftId} is already in the store: it cannot be skipped`);
      return draft.publication.skipped ? [] : [{ type: "DraftPublishSkipped", data: { draftId } }];
    // Found once; a product the reviewer refused is not proposed again, and once published the draft keeps its product.
    case "RecordProductMatch": {
      const { match } = command.data;
      if (draft.publication.product || draft.match?.productId === match.productId) return [];
      return [{ type: "ProductMatchFound", data: command.data }];
    }
    case "AcceptProductMatch": {
      const match = decidedMatch(draft);
      return match.decision === "accepted" ? [] : [{ type: "ProductMatchAccepted", data: { draftId, productId: match.productId } }];
    }
    case "RefuseProductMatch": {
      const match = decidedMatch(draft);
      return match.decision === "refused" ? [] : [{ type: "ProductMatchRefused", data: { draftId, productId: match.productId } }];
    }
  }
}

export function evolveInStore(draft: DraftInStore, event: DraftInStoreEvent): Pick<DraftInStore, "publication" | "match"> {
  const { publication, match } = draft;
  switch (event.type) {
    case "DraftPublishRequested":
      return { match, publication: { ...publication, requested: true, skipped: false } };
    case "ProductPublished": {
      const { requestId, product, basedOnEdit } = event.data;
      return {
        match,
        publication: { ...publication, lastPublishedRequestId: requestId, product, publishedEdit: basedOnEdit, skipped: false },
      };
    }
    case "DraftPublishSkipped":
      return { match, publication: { ...publication, skipped: true } };
    case "ProductMatchFound":
      return { publication, match: { ...event.data.match, decision: "proposed" } };
    case "ProductMatchAccepted":
      return { publication, match: match && { ...match, decision: "accepted" } };
    case "ProductMatchRefused":
      return { publication, match: match && { ...match, decision: "refused" } };
  }
}
