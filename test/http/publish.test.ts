import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeShopify, type FakeShopify } from "../../src/testing/fakeShopify.ts";
import { runCli } from "../../src/cli.ts";
import { adminKey, merchantA, merchantB, startTestSystem, type TestSystem } from "../support/system.ts";

type Publication = { state: string; productId: string | null; handle: string | null };
type PurchaseOrder = {
  status: string;
  drafts: {
    id: string;
    title: string;
    sku: string;
    revision: number;
    publication: Publication;
    images: { id: string; status: string; url: string }[];
  }[];
  stages: { stage: string; subjectId: string | null; status: string; error: string | null }[];
  timeline: { stage: string; status: string }[];
};
type Review = { status: string; products: { draftId: string; imageStatus: string; images: { id: string }[] }[] };

const shopA = { domain: "merchant-a.myshopify.com", token: "shpat_a" };
const shopB = { domain: "merchant-b.myshopify.com", token: "shpat_b" };

describe("publishing a reviewed purchase order to Shopify, over HTTP", () => {
  let t: TestSystem;
  let shopify: FakeShopify;
  let purchaseOrderId: string;
  beforeAll(async () => {
    shopify = await startFakeShopify({
      shops: [shopA, shopB],
      rejectProduct: (input) =>
        input.title?.includes("forbidden") ? [{ field: ["input", "title"], message: "Title is not allowed" }] : [],
    });
    t = await startTestSystem({
      shopify: {
        stores: [
          { merchantId: merchantA.merchantId, shop: shopA.domain, accessToken: shopA.token },
          { merchantId: merchantB.merchantId, shop: shopB.domain, accessToken: shopB.token },
        ],
        apiVersion: "2026-10",
        apiUrl: shopify.url,
      },
    });
    const upload = await t.upload("acme-outdoor.csv", await readFile("samples/acme-outdoor.csv"));
    purchaseOrderId = ((await upload.json()) as { id: string }).id;
    await t.eventually<Review>(
      `/purchase-orders/${purchaseOrderId}/review`,
      (r) => r.status === "open" && r.products.length === 8 && r.products.every((p) => p.imageStatus !== "pending"),
    );
  });
  afterAll(async () => {
    await t.stop();
    await shopify.close();
  });

  const post = (path: string, as = merchantA, body?: unknown) =>
    t.api(path, {
      method: "POST",
      as,
      ...(body !== undefined && { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
  const productOf = (draftId: string) => shopify.products().filter((p) => p.handle.endsWith(draftId));

  it("publishes one product per draft with its approved images, primary first, and completes the PO", async () => {
    expect((await post(`/purchase-orders/${purchaseOrderId}/review/approve-remaining`)).status).toBe(200);
    const before = await t.eventually<PurchaseOrder>(`/purchase-orders/${purchaseOrderId}`, (po) => po.drafts.length === 8);
    const tent = before.drafts.find((d) => d.sku === "AO-TENT-2P")!;
    const [firstImage, secondImage] = tent.images;
    expect((await post(`/drafts/${tent.id}/images/${secondImage!.id}/primary`)).status).toBe(200);

    const published = await post(`/purchase-orders/${purchaseOrderId}/publish`);
    expect(published.status).toBe(202);
    expect(await published.json()).toMatchObject({ drafts: 8, status: "publishing" });
    const po = await t.eventually<PurchaseOrder>(
      `/purchase-orders/${purchaseOrderId}`,
      (p) => p.status === "complete" && p.timeline.some((s) => s.stage === "complete" && s.status === "completed"),
    );

    expect(shopify.products()).toHaveLength(8);
    expect(po.drafts.every((d) => d.publication.state === "published" && d.publication.productId)).toBe(true);
    const product = productOf(tent.id);
    expect(product).toHaveLength(1);
    expect(product[0]).toMatchObject({ title: "Trailhead Tent, 2 person", status: "DRAFT", writes: 1 });
    expect(product[0]!.variants).toEqual([expect.objectContaining({ sku: "AO-TENT-2P", price: "189.00", cost: "189.00" })]);
    expect(product[0]!.media.map((m) => m.url)).toEqual([secondImage!.url, firstImage!.url]);
    expect(po.timeline.map((s) => [s.stage, s.status])).toEqual(
      expect.arrayContaining([
        ["publish", "completed"],
        ["complete", "completed"],
      ]),
    );
    const completed = (await t.system.store.readStream(`po-${purchaseOrderId}`)).filter((e) => e.type === "PurchaseOrderCompleted");
    expect(completed.map((e) => e.data)).toEqual([expect.objectContaining({ published: 8, skipped: 0, deleted: 0 })]);
  });

  it("marks a draft edited after publishing as changed, and a republish updates its product", async () => {
    const po = await t.eventually<PurchaseOrder>(`/purchase-orders/${purchaseOrderId}`, (p) => p.status === "complete");
    const lamp = po.drafts.find((d) => d.sku === "AO-LAMP-300")!;
    const edited = await t.api(`/drafts/${lamp.id}`, {
      method: "PATCH",
      body: JSON.stringify({ title: "Summit Headlamp 350 lumen", description: "Bright & light.\n\nWaterproof <IPX4>" }),
      headers: { "content-type": "application/json" },
    });
    expect(edited.status).toBe(200);
    await t.eventually<{ publication: Publication }>(`/drafts/${lamp.id}`, (d) => d.publication.state === "changed");
    expect((await post(`/drafts/${lamp.id}/publish`)).status).toBe(202);
    await t.eventually<{ publication: Publication }>(`/drafts/${lamp.id}`, (d) => d.publication.state === "published");
    expect(productOf(lamp.id)).toEqual([
      expect.objectContaining({
        title: "Summit Headlamp 350 lumen",
        descriptionHtml: "<p>Bright &amp; light.</p><p>Waterproof &lt;IPX4&gt;</p>",
        writes: 2,
      }),
    ]);
    expect(shopify.products()).toHaveLength(8);
  });

  it("lets an operator publish the PO again from the CLI: every product is updated, none added", async () => {
    const lines: string[] = [];
    const code = await runCli(["publish", purchaseOrderId], { ADMIN_KEY: adminKey, PO_PIPELINE_URL: t.baseUrl }, (line) =>
      lines.push(line),
    );
    expect(code, lines.join("\n")).toBe(0);
    expect(JSON.parse(lines[0]!)).toMatchObject({ merchantId: merchantA.merchantId, drafts: 8, status: "publishing" });
    const completions = async () =>
      (await t.system.store.readStream(`po-${purchaseOrderId}`)).filter((e) => e.type === "PurchaseOrderCompleted").length;
    for (const deadline = Date.now() + 20_000; (await completions()) < 2 && Date.now() < deadline;)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await completions()).toBe(2);
    expect(shopify.products()).toHaveLength(8);
    expect(shopify.products().every((p) => p.writes >= 2)).toBe(true);
  });

  it("records Shopify's userErrors as the draft's failed publish stage, with the field and the message", async () => {
    const po = await t.eventually<PurchaseOrder>(`/purchase-orders/${purchaseOrderId}`, (p) => p.status === "complete");
    const stove = po.drafts.find((d) => d.sku === "AO-STOVE-1")!;
    await t.api(`/drafts/${stove.id}`, {
      method: "PATCH",
      body: JSON.stringify({ title: "A forbidden stove" }),
      headers: { "content-type": "application/json" },
    });
    expect((await post(`/drafts/${stove.id}/publish`)).status).toBe(202);
    const failed = await t.eventually<PurchaseOrder>(`/purchase-orders/${purchaseOrderId}`, (p) =>
      p.stages.some((s) => s.stage === "publish" && s.subjectId === stove.id && s.status === "failed"),
    );
    const stage = failed.stages.find((s) => s.stage === "publish" && s.subjectId === stove.id)!;
    expect(stage.error).toBe("Shopify refused the product: input.title: Title is not allowed");
    expect(productOf(stove.id)[0]!.title).toBe("Pocket Camp Stove");
  });

  it("answers another merchant's publish with 404", async () => {
    expect((await post(`/purchase-orders/${purchaseOrderId}/publish`, merchantB)).status).toBe(404);
    const po = await t.eventually<PurchaseOrder>(`/purchase-orders/${purchaseOrderId}`, (p) => p.status === "complete");
    expect((await post(`/drafts/${po.drafts[0]!.id}/publish`, merchantB)).status).toBe(404);
    expect(shopify.products().filter((p) => p.shop === shopB.domain)).toEqual([]);
  });
});

describe("auto-publish after the review, with the merchant's settings", () => {
  let t: TestSystem;
  let shopify: FakeShopify;
  beforeAll(async () => {
    shopify = await startFakeShopify({ shops: [shopA] });
    t = await startTestSystem({
      shopify: {
        stores: [{ merchantId: merchantA.merchantId, shop: shopA.domain, accessToken: shopA.token }],
        apiVersion: "2026-10",
        apiUrl: shopify.url,
      },
    });
    const settings = {
      pricing: { markup: 2, rounding: ".99", minimumMarginPercent: 0 },
      defaultVendor: "ACME Outdoor",
      productType: "Camping",
      tags: ["reorder", "acme"],
      publishStatus: "ACTIVE",
      autoPublish: true,
    };
    const saved = await t.api("/settings", {
      method: "PUT",
      body: JSON.stringify(settings),
      headers: { "content-type": "application/json" },
    });
    expect(saved.status).toBe(200);
  });
  afterAll(async () => {
    await t.stop();
    await shopify.close();
  });

  it("publishes the reviewed PO with the merchant's vendor, type, tags, status and retail prices", async () => {
    const upload = await t.upload("acme-outdoor.csv", await readFile("samples/acme-outdoor.csv"));
    const { id } = (await upload.json()) as { id: string };
    await t.eventually<Review>(
      `/purchase-orders/${id}/review`,
      (r) => r.status === "open" && r.products.length === 8 && r.products.every((p) => p.imageStatus !== "pending"),
    );
    const post = (path: string) => t.api(path, { method: "POST" });
    expect((await post(`/purchase-orders/${id}/review/approve-remaining`)).status).toBe(200);
    expect((await post(`/purchase-orders/${id}/review/complete`)).status).toBe(200);
    await t.eventually<PurchaseOrder>(
      `/purchase-orders/${id}`,
      (po) => po.status === "complete" && po.timeline.some((s) => s.stage === "complete" && s.status === "completed"),
    );
    expect(shopify.products()).toHaveLength(8);
    for (const product of shopify.products())
      expect(product).toMatchObject({ vendor: "ACME Outdoor", productType: "Camping", tags: ["reorder", "acme"], status: "ACTIVE" });
    const { drafts } = (await (await t.api(`/purchase-orders/${id}`)).json()) as {
      drafts: { id: string; unitCost: number; retailPrice: number }[];
    };
    for (const draft of drafts) {
      expect(draft.retailPrice).toBeGreaterThan(draft.unitCost);
      const [product] = shopify.products().filter((p) => p.handle.endsWith(draft.id));
      expect(product!.variants[0]).toMatchObject({ price: draft.retailPrice.toFixed(2), cost: draft.unitCost.toFixed(2) });
    }
  });

  it("answers a merchant with no store configured 409, saying how to configure one", async () => {
    const upload = await t.upload("b.csv", "SKU,Title,Qty\nB-1,Lamp,1\n", { as: merchantB });
    const { id } = (await upload.json()) as { id: string };
    await t.eventually<PurchaseOrder>(`/purchase-orders/${id}`, (po) => po.drafts.length === 1, merchantB);
    const refused = await t.api(`/purchase-orders/${id}/publish`, { method: "POST", as: merchantB });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { message: string }).message).toContain("SHOPIFY_STORES");
  });
});
