import { z } from "zod";

/**
 * The pipeline's stages, defined once; the stage log, read models and UI all derive from this.
 * Saving the line items is not a stage of its own: the append that records the parse saves them.
 */
export const Stage = z.enum([
  "upload",
  "parse",
  "normalize",
  "apply_rules",
  "create_drafts",
  "match_products",
  "search_images",
  "attach_images",
  "open_review",
  "enrich",
  "optimize_images",
  "publish",
  "complete",
]);
export type Stage = z.infer<typeof Stage>;
