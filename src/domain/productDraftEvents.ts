import { z } from "zod";
import { Quantity, RetailPrice, UnitCost } from "./amounts.ts";
import { DraftInStoreEvent, evolveInStore, type DraftMatch } from "./draftInStore.ts";
import { DraftEnriched } from "./enrichment.ts";
import { ImageApproved, ImageRejected, PrimaryImageSelected, type ImageDecision } from "./imageReview.ts";
import { ImageSearchCompleted, ImagesAttached, OptimizedImageAttached, type FoundImage } from "./images.ts";
import { MergedLine } from "./normalization.ts";
import { ProductDescription, ProductLabel, ProductTags } from "./productFields.ts";
import { productHandle, unpublished, type DraftPublication } from "./publication.ts";
import { DraftSpec } from "./purchaseOrder.ts";
import { typedText } from "./text.ts";

/** A product draft's events and the state they fold into; its commands and decisions are in productDraft.ts. */

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
export const RemergedLines = z.array(MergedLine).min(2).nullable().optional();

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

// State

export type DraftFields = z.infer<typeof DraftCreated.shape.data> & {
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

function withImageDecision(state: ProductDraftState, imageId: string, decision: ImageDecision): ProductDraftState {
  if (state.status === "none") return state;
  const images = state.images.map((image) => (image.imageId === imageId ? { ...image, decision } : image));
  const primaryImageId = decision === "rejected" && state.primaryImageId === imageId ? null : state.primaryImageId;
  return { ...state, images, primaryImageId };
}

export function evolveProductDraft(state: ProductDraftState, event: ProductDraftEvent): ProductDraftState {
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
      return withImageDecision(state, event.data.imageId, "approved");
    case "ImageRejected":
      return withImageDecision(state, event.data.imageId, "rejected");
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
}
