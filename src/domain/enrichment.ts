import { z } from "zod";
import { ProductDescription, ProductLabel, ProductTags } from "./productFields.ts";

/** What an AI model suggests for a draft; the reviewer sees it and can edit it like any field. */
export const Enrichment = z.object({
  description: ProductDescription,
  tags: ProductTags,
  productType: ProductLabel,
});
export type Enrichment = z.infer<typeof Enrichment>;

/**
 * The suggestion as it was applied: only the fields the reviewer had not set yet, so an edit made
 * while the model was writing is never overwritten.
 */
export const DraftEnriched = z.object({
  type: z.literal("DraftEnriched"),
  data: z.object({
    draftId: z.uuid(),
    enrichmentId: z.uuid(),
    model: z.string().min(1),
    changes: Enrichment.partial(),
  }),
});

export const RecordEnrichment = z.object({
  type: z.literal("RecordEnrichment"),
  data: z.object({ draftId: z.uuid(), enrichmentId: z.uuid(), model: z.string().min(1), suggestion: Enrichment }),
});
