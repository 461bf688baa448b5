import { z } from "zod";
import { Stage } from "../domain/stages.ts";

/**
 * The commands process managers issue. Each names its stage (the old job queue lost it and
 * failed with "Unknown workflow stage: undefined") and its subject (a draft id, or "" for the PO).
 */
const routing = {
  purchaseOrderId: z.uuid(),
  merchantId: z.string().min(1),
  subjectId: z.string(),
};

export const SearchDraftImages = z.object({
  type: z.literal("SearchDraftImages"),
  stage: z.literal(Stage.enum.search_images),
  ...routing,
  draftId: z.uuid(),
});

export const AttachDraftImages = z.object({
  type: z.literal("AttachDraftImages"),
  stage: z.literal(Stage.enum.attach_images),
  ...routing,
  draftId: z.uuid(),
  searchId: z.uuid(),
});

export const OpenImageReview = z.object({
  type: z.literal("OpenImageReview"),
  stage: z.literal(Stage.enum.open_review),
  ...routing,
});

export const AttachOptimizedImage = z.object({
  type: z.literal("AttachOptimizedImage"),
  stage: z.literal(Stage.enum.optimize_images),
  ...routing,
  jobId: z.uuid(),
  itemId: z.uuid(),
});

export const ParseWithModel = z.object({
  type: z.literal("ParseWithModel"),
  stage: z.literal(Stage.enum.parse),
  ...routing,
});

/** One draft to the merchant's store, under the request that asked for it (the PO's or the draft's own). */
export const PublishDraft = z.object({
  type: z.literal("PublishDraft"),
  stage: z.literal(Stage.enum.publish),
  ...routing,
  draftId: z.uuid(),
  requestId: z.uuid(),
});

/** A deleted draft's product leaves the store, if a publish ever put it there. */
export const WithdrawDraftProduct = z.object({
  type: z.literal("WithdrawDraftProduct"),
  stage: z.literal(Stage.enum.publish),
  ...routing,
  draftId: z.uuid(),
});

/** Looks the draft up in the merchant's store, so a reorder updates the product it already has. */
export const MatchDraftProduct = z.object({
  type: z.literal("MatchDraftProduct"),
  stage: z.literal(Stage.enum.match_products),
  ...routing,
  draftId: z.uuid(),
});

export const EnrichDraft = z.object({
  type: z.literal("EnrichDraft"),
  stage: z.literal(Stage.enum.enrich),
  ...routing,
  draftId: z.uuid(),
});

/** The merchant skipped a draft: the PO's publication counts it as settled. */
export const SettleSkippedDraft = z.object({
  type: z.literal("SettleSkippedDraft"),
  stage: z.literal(Stage.enum.publish),
  ...routing,
  draftId: z.uuid(),
});

/** A reviewed PO goes to the store on its own when its merchant's settings say so. */
export const AutoPublishPurchaseOrder = z.object({
  type: z.literal("AutoPublishPurchaseOrder"),
  stage: z.literal(Stage.enum.publish),
  ...routing,
});

export const CompletePurchaseOrder = z.object({
  type: z.literal("CompletePurchaseOrder"),
  stage: z.literal(Stage.enum.complete),
  ...routing,
});

export const PipelineCommand = z.discriminatedUnion("type", [
  SearchDraftImages,
  AttachDraftImages,
  OpenImageReview,
  AttachOptimizedImage,
  ParseWithModel,
  PublishDraft,
  WithdrawDraftProduct,
  SettleSkippedDraft,
  AutoPublishPurchaseOrder,
  CompletePurchaseOrder,
  EnrichDraft,
  MatchDraftProduct,
]);
export type PipelineCommand = z.infer<typeof PipelineCommand>;
export type PipelineCommandOfType<T extends PipelineCommand["type"]> = Extract<PipelineCommand, { type: T }>;
