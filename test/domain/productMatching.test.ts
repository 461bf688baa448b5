import { describe, expect, it } from "vitest";
import { matchProduct, titleSimilarity, type CatalogueProduct } from "../../src/domain/productMatching.ts";

const product = (productId: string, title: string, sku: string | null, barcode: string | null = null): CatalogueProduct => ({
  productId: `gid://shopify/Product/${productId}`,
  variantId: `gid://shopify/ProductVariant/${productId}`,
  title,
  sku,
  barcode,
});

const catalogue = [
  product("1", "Blue ceramic mug", "MUG-BLUE", "4006381333931"),
  product("2", "Oak cutting board, large", "BOARD-OAK-L"),
  product("3", "Oak cutting board, small", "BOARD-OAK-S"),
  product("4", "Linen tea towel", "TOWEL-1"),
  product("5", "Linen tea towel (grey)", "TOWEL-1"),
];

describe("matching a draft to a product the store already has", () => {
  it("given the same SKU in another case and with spaces, when matching, then it is that product, for certain", () => {
    expect(matchProduct({ sku: " mug-blue ", title: "Something else entirely" }, catalogue)).toEqual({
      productId: "gid://shopify/Product/1",
      variantId: "gid://shopify/ProductVariant/1",
      title: "Blue ceramic mug",
      by: "sku",
      score: 1,
    });
  });

  it("given no SKU match but the same barcode, then the barcode decides", () => {
    expect(matchProduct({ sku: "NEW-CODE", barcode: "4006381333931", title: "Mug" }, catalogue)).toMatchObject({
      productId: "gid://shopify/Product/1",
      by: "barcode",
    });
  });

  it("given a SKU two products share, then the SKU is ambiguous and the title decides", () => {
    expect(matchProduct({ sku: "TOWEL-1", title: "Linen tea towel (grey)" }, catalogue)).toMatchObject({
      productId: "gid://shopify/Product/5",
      by: "title",
      score: 1,
    });
  });

  it("given a title with its words in another order, accents and punctuation, then it matches above the threshold", () => {
    const match = matchProduct({ sku: null, title: "Mug, BLUE céramic" }, catalogue);
    expect(match).toMatchObject({ productId: "gid://shopify/Product/1", by: "title" });
    expect(match!.score).toBeGreaterThanOrEqual(0.8);
  });

  it("given two alike titles, then the closer one wins", () => {
    expect(matchProduct({ sku: null, title: "Oak cutting board large" }, catalogue)).toMatchObject({
      productId: "gid://shopify/Product/2",
    });
  });

  it("given only a loosely related title, then there is no match", () => {
    expect(matchProduct({ sku: null, title: "Blue glass vase" }, catalogue)).toBeUndefined();
    expect(matchProduct({ sku: null, title: "Mug" }, [])).toBeUndefined();
  });

  it("scores identical titles 1, unrelated ones near 0, and is symmetric", () => {
    expect(titleSimilarity("Blue mug", "blue MUG")).toBe(1);
    expect(titleSimilarity("Blue mug", "Oak board")).toBeLessThan(0.2);
    expect(titleSimilarity("Oak board small", "Oak board large")).toBe(titleSimilarity("Oak board large", "Oak board small"));
    expect(titleSimilarity("", "")).toBe(0);
  });
});
