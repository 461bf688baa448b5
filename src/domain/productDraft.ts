import { z } from "zod";
import { NotFound } from "../errors.ts";
import type { Decider } from "./decider.ts";
import { decideInStore, DraftInStoreCommand } from "./draftInStore.ts";
import { RecordEnrichment, type Enrichment } from "./enrichment.ts";
import { ApproveImage, ApproveUndecidedImages, RejectImage, SelectPrimaryImage } from "./imageReview.ts";
import { AttachImages, AttachOptimizationResult, RecordImageSearch, type FoundImage } from "./images.ts";
import {
  DraftChanges,
  DraftCreated,
  evolveProductDraft,
  RemergedLines,
  type DraftFields,
  type ProductDraftEvent,
  type ProductDraftState,
} from "./productDraftEvents.ts";

// Commands: every one names the merchant, so another merchant's draft is indistinguishable from a missing one.

export const CreateDraft = z.object({ type: z.literal("CreateDraft"), data: DraftCreated.shape.data });
export const UpdateDraft = z.object({
  type: z.literal("UpdateDraft"),
  data: z.object({ draftId: z.uuid(), merchantId: z.string(), changes: DraftChanges, mergedLines: RemergedLines }),
});
export const DeleteDraft = z.object({
  type: z.literal("DeleteDraft"),
  data: z.object({ draftId: z.uuid(), merchantId: z.string() }),
});
export const ProductDraftCommand = z.discriminatedUnion("type", [
  CreateDraft,
  UpdateDraft,
  DeleteDraft,
  RecordImageSearch,
  AttachImages,
  ApproveImage,
  RejectImage,
  SelectPrimaryImage,
  ApproveUndecidedImages,
  AttachOptimizationResult,
  RecordEnrichment,
  ...DraftInStoreCommand.options,
]);
export type ProductDraftCommand = z.infer<typeof ProductDraftCommand>;

export const productDraftStream = (draftId: string) => `draft-${draftId}`;

function activeDraft(state: ProductDraftState, draftId: string) {
  if (state.status !== "active") throw new NotFound("Draft", draftId);
  return state;
}

function activeDraftOf(state: ProductDraftState, draftId: string, merchantId: string) {
  const draft = activeDraft(state, draftId);
  if (draft.merchantId !== merchantId) throw new NotFound("Draft", draftId);
  return draft;
}

/** The suggested fields the draft has no value for yet: the reviewer's own are kept. */
function unsetFields(draft: DraftFields, suggestion: Enrichment): Partial<Enrichment> {
  return {
    ...(draft.description === null && { description: suggestion.description }),
    ...(draft.tags.length === 0 && { tags: suggestion.tags }),
    ...(draft.productType === null && { productType: suggestion.productType }),
  };
}

function attachedImage(draft: DraftFields, imageId: string) {
  const image = draft.images.find((i) => i.imageId === imageId);
  if (!image) throw new NotFound("Image", imageId);
  return image;
}

export const productDraftDecider: Decider<ProductDraftCommand, ProductDraftEvent, ProductDraftState> = {
  initialState: { status: "none" },

  decide(command, state) {
    switch (command.type) {
      case "CreateDraft":
        // Creation is driven by a processor that may be redelivered; once created, it is done.
        return state.status === "none" ? [{ type: "DraftCreated", data: command.data }] : [];
      case "UpdateDraft":
        const { draftId, changes, mergedLines } = command.data;
        activeDraftOf(state, draftId, command.data.merchantId);
        return [{ type: "DraftUpdated", data: { draftId, changes, ...(mergedLines !== undefined && { mergedLines }) } }];
      case "DeleteDraft":
        activeDraftOf(state, command.data.draftId, command.data.merchantId);
        return [{ type: "DraftDeleted", data: { draftId: command.data.draftId } }];
      // Image work is done by processors for the draft's own merchant; a deleted draft takes nothing.
      case "RecordImageSearch": {
        const draft = activeDraft(state, command.data.draftId);
        if (draft.searches.some((s) => s.searchId === command.data.searchId)) return [];
        return [{ type: "ImageSearchCompleted", data: command.data }];
      }
      case "AttachImages": {
        const draft = activeDraft(state, command.data.draftId);
        if (draft.attachedSearchIds.includes(command.data.searchId)) return [];
        return [{ type: "ImagesAttached", data: command.data }];
      }
      // A decision already taken is not recorded twice, so a double click changes nothing.
      case "ApproveImage": {
        const { draftId, imageId, merchantId } = command.data;
        const image = attachedImage(activeDraftOf(state, draftId, merchantId), imageId);
        return image.decision === "approved" ? [] : [{ type: "ImageApproved", data: { draftId, imageId } }];
      }
      case "RejectImage": {
        const { draftId, imageId, merchantId, reason } = command.data;
        const image = attachedImage(activeDraftOf(state, draftId, merchantId), imageId);
        if (image.decision === "rejected") return [];
        return [{ type: "ImageRejected", data: reason ? { draftId, imageId, reason } : { draftId, imageId } }];
      }
      case "SelectPrimaryImage": {
        const { draftId, imageId, merchantId } = command.data;
        const draft = activeDraftOf(state, draftId, merchantId);
        const image = attachedImage(draft, imageId);
        if (draft.primaryImageId === imageId) return [];
        const approval: ProductDraftEvent[] = image.decision === "approved" ? [] : [{ type: "ImageApproved", data: { draftId, imageId } }];
        return [...approval, { type: "PrimaryImageSelected", data: { draftId, imageId } }];
      }
      case "ApproveUndecidedImages": {
        const { draftId, merchantId } = command.data;
        const draft = activeDraftOf(state, draftId, merchantId);
        return draft.images
          .filter((i) => i.decision === "pending")
          .map((i) => ({ type: "ImageApproved", data: { draftId, imageId: i.imageId } }));
      }
      case "AttachOptimizationResult": {
        const draft = activeDraft(state, command.data.draftId);
        if (draft.optimizedItemIds.includes(command.data.itemId)) return [];
        return [{ type: "OptimizedImageAttached", data: command.data }];
      }
      case "RequestDraftPublish":
      case "SkipDraftPublish":
      case "AcceptProductMatch":
      case "RefuseProductMatch":
        return decideInStore(command, activeDraftOf(state, command.data.draftId, command.data.merchantId));
      // Recorded by processors, for the draft's own merchant.
      case "RecordProductPublished":
      case "RecordProductMatch":
        return decideInStore(command, activeDraft(state, command.data.draftId));
      case "RecordEnrichment": {
        const { draftId, enrichmentId, model, suggestion } = command.data;
        const draft = activeDraft(state, draftId);
        if (draft.enrichmentIds.includes(enrichmentId)) return [];
        return [{ type: "DraftEnriched", data: { draftId, enrichmentId, model, changes: unsetFields(draft, suggestion) } }];
      }
    }
  },

  evolve: evolveProductDraft,
};

/**
 * The images of a draft an optimization job takes (optimized variants are results, not sources):
 * for a whole PO, the ones its reviewer approved; for drafts picked one by one, any not rejected.
 */
export function imagesToOptimize(state: ProductDraftState, take: "approved" | "not_rejected"): FoundImage[] {
  if (state.status !== "active") return [];
  const decisions = new Map(state.images.map((i) => [i.imageId, i.decision]));
  const wanted = (image: FoundImage) =>
    take === "approved" ? decisions.get(image.imageId) === "approved" : decisions.get(image.imageId) !== "rejected";
  return state.searches
    .filter((s) => state.attachedSearchIds.includes(s.searchId))
    .flatMap((s) => s.images)
    .filter(wanted);
}
