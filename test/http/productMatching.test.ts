import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeShopify, type FakeShopify } from "../../src/testing/fakeShopify.ts";
import { merchantA, startTestSystem, type TestSystem } from "../support/system.ts";

type Match = { productId: string; title: string; by: string; score: number; decision: string; updatesProduct: boolean };
type PurchaseOrder = {
  status: string;
  drafts: { id: string; sku: string; publication: { state: string; productId: string | null; match: Match | null } }[];
  stages: { stage: string; subjectId: string | null; status: string }[];
  timeline: { stage: string; status: string }[];
};

const shop = { domain: "reorders.myshopify.com", token: "shpat_reorders" };
const csv = [
  "SKU,Title,Qty,Unit Cost,EAN",
  "MUG-1,Blue mug,12,4.50,",
  "OCB-9,Oak cuting board large,2,18.00,",
  "TEA-1,Teapot,1,9.00,",
  "LMP-1,Desk lamp,3,12.00,",
  "SPN-1,Wooden spoon,10,1.20,4006381333931",
].join("\n");

describe("matching drafts with the products the merchant's store already has, over HTTP", () => {
  let t: TestSystem;
  let shopify: FakeShopify;
  let po: PurchaseOrder;
  let purchaseOrderId: string;
  const draft = (sku: string) => po.drafts.find((d) => d.sku === sku)!;
  const stored = (title: string) => shopify.products().find((p) => p.title === title)!;

  beforeAll(async () => {
    shopify = await startFakeShopify({
      shops: [shop],
      catalogue: [
        {
          shop: shop.domain,
          title: "Blue Mug",
          variants: [
            { sku: "mug-1", price: "5.00" },
            { sku: "MUG-1-RED", price: "5.00" },
          ],
        },
        { shop: shop.domain, title: "Large oak cutting board", variants: [{ sku: "OCB-L", price: "30.00" }] },
        { shop: shop.domain, title: "Teapot classic", variants: [{ sku: "TEA-1", price: "20.00" }] },
        { shop: shop.domain, title: "Garden hose", variants: [{ sku: "GH-1", price: "15.00" }] },
        { shop: shop.domain, title: "Beech spoon", variants: [{ sku: "BS-1", barcode: "4006381333931", price: "2.00" }] },
      ],
    });
    t = await startTestSystem({
      shopify: {
        stores: [{ merchantId: merchantA.merchantId, shop: shop.domain, accessToken: shop.token }],
        apiVersion: "2026-10",
        apiUrl: shopify.url,
      },
    });
    const upload = await t.upload("reorder.csv", csv);
    purchaseOrderId = ((await upload.json()) as { id: string }).id;
    po = await t.eventually<PurchaseOrder>(
      `/purchase-orders/${purchaseOrderId}`,
      (p) => p.stages.filter((s) => s.stage === "match_products" && s.status === "completed").length === 5,
    );
  });
  afterAll(async () => {
    await t?.stop();
    await shopify?.close();
  });

  const post = (path: string) => t.api(path, { method: "POST" });

  it("given a reorder, when its drafts are created, then each shows the store product it matches, how and how sure", () => {
    expect(draft("MUG-1").publication.match).toEqual({
      productId: stored("Blue Mug").id,
      title: "Blue Mug",
      by: "sku",
      score: 1,
      decision: "proposed",
      updatesProduct: true,
    });
    const board = draft("OCB-9").publication.match!;
    expect(board).toMatchObject({
      productId: stored("Large oak cutting board").id,
      by: "title",
      decision: "proposed",
      updatesProduct: false,
    });
    expect(board.score).toBeGreaterThanOrEqual(0.8);
    expect(board.score).toBeLessThan(1);
    expect(draft("TEA-1").publication.match).toMatchObject({ title: "Teapot classic", by: "sku", updatesProduct: true });
    expect(draft("SPN-1").publication.match).toMatchObject({
      productId: stored("Beech spoon").id,
      by: "barcode",
      score: 1,
      updatesProduct: true,
    });
    expect(draft("LMP-1").publication.match).toBeNull();
  });

  it("given the reviewer accepts the title match and refuses a SKU match, when the PO is published, then the matched products are updated and the others created", async () => {
    expect((await post(`/drafts/${draft("OCB-9").id}/match/accept`)).status).toBe(200);
    expect((await post(`/drafts/${draft("TEA-1").id}/match/refuse`)).status).toBe(200);
    expect((await post(`/purchase-orders/${purchaseOrderId}/publish`)).status).toBe(202);
    po = await t.eventually<PurchaseOrder>(`/purchase-orders/${purchaseOrderId}`, (p) => p.status === "complete");

    // The reorders update the matched variant's price, cost and SKU; the product's page and its other variants stay.
    expect(stored("Blue Mug").variants).toEqual([
      expect.objectContaining({ sku: "MUG-1", price: "4.50", cost: "4.50" }),
      expect.objectContaining({ sku: "MUG-1-RED", price: "5.00" }),
    ]);
    expect(stored("Large oak cutting board").variants).toEqual([expect.objectContaining({ sku: "OCB-9", price: "18.00" })]);
    expect(stored("Beech spoon").variants).toEqual([expect.objectContaining({ sku: "SPN-1", barcode: "4006381333931", price: "1.20" })]);
    expect(draft("MUG-1").publication).toMatchObject({ state: "published", productId: stored("Blue Mug").id });
    expect(draft("OCB-9").publication).toMatchObject({ state: "published", productId: stored("Large oak cutting board").id });
    // The refused match and the unmatched line became products of their own; nothing else was made.
    expect(stored("Teapot classic").variants).toEqual([expect.objectContaining({ sku: "TEA-1", price: "20.00" })]);
    expect(
      shopify
        .products()
        .map((p) => p.title)
        .sort(),
    ).toEqual(["Beech spoon", "Blue Mug", "Desk lamp", "Garden hose", "Large oak cutting board", "Teapot", "Teapot classic"].sort());
    expect(shopify.stats(shop.domain).created).toBe(2);
  });

  it("given a draft in the store, when its match is accepted or refused again, then it is refused with 409: the product it became stays its product", async () => {
    const answer = await post(`/drafts/${draft("TEA-1").id}/match/accept`);
    expect(answer.status).toBe(409);
    expect(await answer.json()).toMatchObject({ message: expect.stringContaining("already in the store") });
    const none = await post(`/drafts/${draft("LMP-1").id}/match/accept`);
    expect(none.status).toBe(409);
  });
});
