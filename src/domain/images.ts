import { z } from "zod";

/** An image a search found for a draft; its id is derived from the draft and URL, so it is stable. */
export const FoundImage = z.object({
  imageId: z.uuid(),
  url: z.string().min(1).max(2048),
  source: z.string().min(1),
});
export type FoundImage = z.infer<typeof FoundImage>;

export const ImageSearchCompleted = z.object({
  type: z.literal("ImageSearchCompleted"),
  data: z.object({
    draftId: z.uuid(),
    searchId: z.uuid(),
    query: z.string(),
    provider: z.string(),
    images: z.array(FoundImage),
  }),
});

export const ImagesAttached = z.object({
  type: z.literal("ImagesAttached"),
  data: z.object({ draftId: z.uuid(), searchId: z.uuid(), source: z.string(), images: z.array(FoundImage).min(1) }),
});

export const RecordImageSearch = z.object({ type: z.literal("RecordImageSearch"), data: ImageSearchCompleted.shape.data });
export const AttachImages = z.object({ type: z.literal("AttachImages"), data: ImagesAttached.shape.data });

/** An optimized variant of one of the draft's images, the result of an optimization item. */
export const OptimizedImageAttached = z.object({
  type: z.literal("OptimizedImageAttached"),
  data: z.object({
    draftId: z.uuid(),
    image: FoundImage,
    sourceImageId: z.uuid(),
    jobId: z.uuid(),
    itemId: z.uuid(),
  }),
});
/** The decider's command; the optimized-image-attachment processor's AttachOptimizedImage leads to it. */
export const AttachOptimizationResult = z.object({ type: z.literal("AttachOptimizationResult"), data: OptimizedImageAttached.shape.data });
