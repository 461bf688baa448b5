import { z } from "zod";

/** A product already in the merchant's store, as far as matching needs it. */
export const CatalogueProduct = z.object({
  productId: z.string(),
  variantId: z.string(),
  title: z.string(),
  sku: z.string().nullable(),
  barcode: z.string().nullable(),
});
export type CatalogueProduct = z.infer<typeof CatalogueProduct>;

export const MatchedBy = z.enum(["sku", "barcode", "title"]);
export type MatchedBy = z.infer<typeof MatchedBy>;

/** Why a draft is thought to be a product the store already has, and how sure that is (0 to 1). */
export const ProductMatch = z.object({
  productId: z.string(),
  variantId: z.string(),
  title: z.string(),
  by: MatchedBy,
  score: z.number().min(0).max(1),
});
export type ProductMatch = z.infer<typeof ProductMatch>;

/** Below this, titles alike are a coincidence, not a reorder. */
export const TITLE_MATCH_THRESHOLD = 0.8;

export type MatchCandidate = { sku: string | null; barcode?: string | null; title: string };

const code = (value: string | null | undefined) => value?.trim().toUpperCase().replace(/\s+/g, "") || undefined;

/** Lower case, accents and punctuation gone, units kept as their own words. */
const words = (title: string) =>
  title
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()
    .split(" ")
    .filter(Boolean);

const bigrams = (text: string) => {
  const grams = new Map<string, number>();
  for (let i = 0; i < text.length - 1; i++) grams.set(text.slice(i, i + 2), (grams.get(text.slice(i, i + 2)) ?? 0) + 1);
  return grams;
};

/**
 * How alike two titles are: the Sørensen–Dice coefficient of their letter pairs, over the titles'
 * words sorted (so "Mug, blue ceramic" and "Blue ceramic mug" are the same title). 1 is identical.
 */
export function titleSimilarity(a: string, b: string): number {
  const [left, right] = [words(a).sort().join(" "), words(b).sort().join(" ")];
  if (left === right) return left === "" ? 0 : 1;
  const [x, y] = [bigrams(left), bigrams(right)];
  let shared = 0;
  for (const [gram, count] of x) shared += Math.min(count, y.get(gram) ?? 0);
  const total = Math.max(1, left.length - 1) + Math.max(1, right.length - 1);
  return (2 * shared) / total;
}

/**
 * The product a draft most likely is, if any: the same SKU first (certain), then the same barcode
 * (certain), then the most alike title at or above the threshold. A code shared by two products
 * is ambiguous, so it matches neither and the titles decide.
 */
export function matchProduct(draft: MatchCandidate, catalogue: readonly CatalogueProduct[]): ProductMatch | undefined {
  for (const by of ["sku", "barcode"] as const) {
    const wanted = code(draft[by]);
    if (!wanted) continue;
    const found = catalogue.filter((product) => code(product[by]) === wanted);
    if (found.length === 1) return matchOf(found[0]!, by, 1);
  }
  let best: ProductMatch | undefined;
  for (const product of catalogue) {
    const score = Math.round(titleSimilarity(draft.title, product.title) * 1000) / 1000;
    if (score >= TITLE_MATCH_THRESHOLD && (!best || score > best.score)) best = matchOf(product, "title", score);
  }
  return best;
}

const matchOf = (product: CatalogueProduct, by: MatchedBy, score: number): ProductMatch => ({
  productId: product.productId,
  variantId: product.variantId,
  title: product.title,
  by,
  score,
});
