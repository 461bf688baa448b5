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

export const EnrichDraft = z.object({
  type: z.literal("EnrichDraft"),
  stage: z.literal(Stage.enum.enrich),
  ...routing,
  draftId: z.uuid(),
});

export const PipelineCommand = z.discriminatedUnion("type", [
  SearchDraftImages,
  AttachDraftImages,
  OpenImageReview,
  AttachOptimizedImage,
  ParseWithModel,
  EnrichDraft,
]);
export type PipelineCommand = z.infer<typeof PipelineCommand>;
export type PipelineCommandOfType<T extends PipelineCommand["type"]> = Extract<PipelineCommand, { type: T }>;
