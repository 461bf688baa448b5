import { z } from "zod";
import { typedText } from "./text.ts";
import { Quantity, RetailPrice, UnitCost } from "./amounts.ts";
import { NotFound } from "../errors.ts";
import type { Decider } from "./decider.ts";
import {
  ApproveImage,
  ApproveUndecidedImages,
  ImageApproved,
  ImageRejected,
  PrimaryImageSelected,
  RejectImage,
  SelectPrimaryImage,
  type ImageDecision,
} from "./imageReview.ts";
import {
  AttachImages,
  AttachOptimizationResult,
  ImageSearchCompleted,
  ImagesAttached,
  OptimizedImageAttached,
  RecordImageSearch,
  type FoundImage,
} from "./images.ts";
import { DraftEnriched, RecordEnrichment, type Enrichment } from "./enrichment.ts";
import { ProductDescription, ProductLabel, ProductTags } from "./productFields.ts";
import { MergedLine } from "./normalization.ts";
import { DraftSpec } from "./purchaseOrder.ts";
import { productHandle, unpublished, type DraftPublication } from "./publication.ts";
import { decideInStore, DraftInStoreCommand, DraftInStoreEvent, evolveInStore, type DraftMatch } from "./draftInStore.ts";

const EDITABLE = ["title", "sku", "quantity", "unitCost", "retailPrice", "description", "tags", "productType"];

export const DraftChanges = z
  .object({
    title: typedText().trim().min(1).max(500),
    sku: typedText().trim().min(1).max(100).nullable(),
    quantity: Quantity,
    unitCost: UnitCost.nullable(),
    retailPrice: RetailPrice.nullable(),
    description: ProductDescription.nullable(),
    tags: ProductTags,
    productType: ProductLabel.nullable(),
  })
  .partial()
  .strict()
  .refine((changes) => Object.keys(changes).length > 0, `at least one of ${EDITABLE.join(", ")} is required`);
export type DraftChanges = z.infer<typeof DraftChanges>;

// Events

export const DraftCreated = z.object({
  type: z.literal("DraftCreated"),
  data: DraftSpec.extend({ purchaseOrderId: z.uuid(), merchantId: z.string().min(1) }),
});
/** A re-parse's lines with the draft's SKU, when they changed (null: no longer merged); never the merchant's to set. */
const RemergedLines = z.array(MergedLine).min(2).nullable().optional();

export const DraftUpdated = z.object({
  type: z.literal("DraftUpdated"),
  data: z.object({ draftId: z.uuid(), changes: DraftChanges, mergedLines: RemergedLines }),
});
export const DraftDeleted = z.object({
  type: z.literal("DraftDeleted"),
  data: z.object({ draftId: z.uuid() }),
});

export const ProductDraftEvent = z.discriminatedUnion("type", [
  DraftCreated,
  DraftUpdated,
  DraftDeleted,
  ImageSearchCompleted,
  ImagesAttached,
  ImageApproved,
  ImageRejected,
  PrimaryImageSelected,
  OptimizedImageAttached,
  DraftEnriched,
  ...DraftInStoreEvent.options,
]);
export type ProductDraftEvent = z.infer<typeof ProductDraftEvent>;

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

// State

type DraftFields = z.infer<typeof DraftCreated.shape.data> & {
  searches: { searchId: string; images: FoundImage[] }[];
  attachedSearchIds: string[];
  /** Attached images in the order they arrived, with the reviewer's decision on each. */
  images: { imageId: string; decision: ImageDecision }[];
  primaryImageId: string | null;
  /** Optimization items whose result this draft already holds. */
  optimizedItemIds: string[];
  /** The store product's handle, fixed at creation so every publish of the draft names the same product. */
  handle: string;
  /** How many times the merchant edited it: a product built from fewer is out of date. */
  edits: number;
  publication: DraftPublication;
  /** The product the merchant's store already has that this draft may be, and the reviewer's word on it. */
  match: DraftMatch | null;
  description: string | null;
  tags: string[];
  productType: string | null;
  /** Enrichments already applied, so a redelivered one is not applied twice. */
  enrichmentIds: string[];
};
export type ProductDraftState = { status: "none" } | ({ status: "active" | "deleted" } & DraftFields);

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

function decide(state: ProductDraftState, imageId: string, decision: ImageDecision): ProductDraftState {
  if (state.status === "none") return state;
  const images = state.images.map((image) => (image.imageId === imageId ? { ...image, decision } : image));
  const primaryImageId = decision === "rejected" && state.primaryImageId === imageId ? null : state.primaryImageId;
  return { ...state, images, primaryImageId };
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

  evolve(state, event) {
    switch (event.type) {
      case "DraftCreated":
        return {
          status: "active",
          ...event.data,
          searches: [],
          attachedSearchIds: [],
          images: [],
          primaryImageId: null,
          optimizedItemIds: [],
          handle: productHandle(event.data.title, event.data.draftId),
          edits: 0,
          publication: unpublished,
          match: null,
          description: null,
          tags: [],
          productType: null,
          enrichmentIds: [],
        };
      case "DraftUpdated": {
        if (state.status === "none") return state;
        const { changes, mergedLines } = event.data;
        return {
          ...state,
          ...changes,
          ...(mergedLines !== undefined && { mergedLines: mergedLines ?? undefined }),
          edits: state.edits + 1,
        };
      }
      case "DraftDeleted":
        return state.status === "none" ? state : { ...state, status: "deleted" };
      case "ImageSearchCompleted":
        return state.status === "none"
          ? state
          : { ...state, searches: [...state.searches, { searchId: event.data.searchId, images: event.data.images }] };
      case "ImagesAttached": {
        if (state.status === "none") return state;
        const known = new Set(state.images.map((i) => i.imageId));
        const arrived = event.data.images
          .filter((i) => !known.has(i.imageId))
          .map((i) => ({ imageId: i.imageId, decision: "pending" as const }));
        return { ...state, attachedSearchIds: [...state.attachedSearchIds, event.data.searchId], images: [...state.images, ...arrived] };
      }
      case "ImageApproved":
        return decide(state, event.data.imageId, "approved");
      case "ImageRejected":
        return decide(state, event.data.imageId, "rejected");
      case "PrimaryImageSelected":
        return state.status === "none" ? state : { ...state, primaryImageId: event.data.imageId };
      case "OptimizedImageAttached":
        return state.status === "none" ? state : { ...state, optimizedItemIds: [...state.optimizedItemIds, event.data.itemId] };
      case "DraftPublishRequested":
      case "ProductPublished":
      case "DraftPublishSkipped":
      case "ProductMatchFound":
      case "ProductMatchAccepted":
      case "ProductMatchRefused":
        return state.status === "none" ? state : { ...state, ...evolveInStore(state, event) };
      case "DraftEnriched":
        return state.status === "none"
          ? state
          : { ...state, ...event.data.changes, enrichmentIds: [...state.enrichmentIds, event.data.enrichmentId] };
    }
  },
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
