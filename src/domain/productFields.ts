import { z } from "zod";
import { typedText } from "./text.ts";

/** A product's own text fields as Shopify keeps them, shared by the merchant's defaults, the AI's suggestions and the reviewer's edits. */
export const ProductLabel = typedText().trim().min(1, "must not be empty").max(255, "must be at most 255 characters");

// Shopify keeps tags as one comma-separated list, so a comma would split a tag in two.
const Tag = ProductLabel.refine((tag) => !tag.includes(","), "must not contain a comma");

export const ProductTags = z
  .array(Tag)
  .max(250, "must be at most 250 tags")
  .refine((tags) => new Set(tags.map((t) => t.toLowerCase())).size === tags.length, "must not name the same tag twice");

export const ProductDescription = typedText().trim().min(1, "must not be empty").max(5000, "must be at most 5,000 characters");
