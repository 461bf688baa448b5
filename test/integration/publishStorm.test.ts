import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { PostgresEventStore } from "../../src/eventstore/postgres.ts";
import type { EventStore } from "../../src/eventstore/port.ts";
import { startFakeShopify, type FakeShopify } from "../../src/testing/fakeShopify.ts";
import { startAppProcess } from "../support/appProcess.ts";
import { createTestDatabase } from "../support/database.ts";
import { merchantA, startTestSystem, type TestSystem } from "../support/system.ts";

type PurchaseOrder = { status: string; drafts: { id: string }[] };
const shop = { domain: "storm.myshopify.com", token: "shpat_storm" };
const csv = (prefix: string, lines: number) =>
  [
    "SKU,Title,Qty,Unit Cost",
    ...Array.from({ length: lines }, (_, i) => `${prefix}-${i},${prefix} item ${i},2,${(5 + i).toFixed(2)}`),
  ].join("\n");

async function until(done: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error("not there in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What the store holds against what the log says: deleted drafts have no product, live ones exactly one. */
async function expectStoreMatchesLog(shopify: FakeShopify, store: EventStore, draftIds: string[]) {
  const products = shopify.products();
  const deleted: string[] = [];
  for (const draftId of draftIds) {
    const types = (await store.readStream(`draft-${draftId}`)).map((e) => e.type);
    const isDeleted = types.includes("DraftDeleted");
    if (isDeleted) deleted.push(draftId);
    // Nothing lands on a draft after its deletion, a product record least of all.
    expect(types.slice(types.indexOf("DraftDeleted") + 1).filter(() => isDeleted)).toEqual([]);
    expect(
      products.filter((p) => p.handle.endsWith(draftId)),
      draftId,
    ).toHaveLength(isDeleted ? 0 : 1);
    if (!isDeleted) expect(types.filter((t) => t === "ProductPublished")).toHaveLength(1);
  }
  expect(products).toHaveLength(draftIds.length - deleted.length);
  expect(new Set(products.map((p) => p.handle)).size).toBe(products.length);
  return { deleted: deleted.length, published: products.length };
}

describe("publishing while 40% of the drafts are deleted at random moments", () => {
  let t: TestSystem;
  let shopify: FakeShopify;
  beforeAll(async () => {
    shopify = await startFakeShopify({ shops: [shop], latencyMs: 40 });
    t = await startTestSystem({
      shopify: {
        stores: [{ merchantId: merchantA.merchantId, shop: shop.domain, accessToken: shop.token }],
        apiVersion: "2026-10",
        apiUrl: shopify.url,
      },
      processors: { concurrency: 4 },
    });
  });
  afterAll(async () => {
    await t.stop();
    await shopify.close();
  });

  it("publishes no deleted draft, duplicates nothing and publishes every live draft once", { timeout: 120_000 }, async () => {
    const upload = await t.upload("storm.csv", csv("ST", 60));
    const { id } = (await upload.json()) as { id: string };
    const { drafts } = await t.eventually<PurchaseOrder>(`/purchase-orders/${id}`, (po) => po.drafts.length === 60);
    const draftIds = drafts.map((d) => d.id);
    const doomed = [...draftIds].sort(() => Math.random() - 0.5).slice(0, 24);
    expect((await t.api(`/purchase-orders/${id}/publish`, { method: "POST" })).status).toBe(202);
    // Publishing 60 drafts four at a time takes seconds: the deletions fall before, during and after drafts' calls.
    await Promise.all(
      doomed.map(async (draftId) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 2_000));
        expect((await t.api(`/drafts/${draftId}`, { method: "DELETE" })).status).toBe(204);
      }),
    );
    await until(async () => ((await (await t.api(`/purchase-orders/${id}`)).json()) as PurchaseOrder).status === "complete");
    // Deletions after a draft's product was made take it out again; wait for the last of them.
    await until(async () => shopify.products().length <= 36).catch(() => undefined);
    const outcome = await expectStoreMatchesLog(shopify, t.system.store, draftIds);
    expect(outcome).toEqual({ deleted: 24, published: 36 });
  });
});

describe("publishing when the app is SIGKILLed midway, then restarted", () => {
  let shopify: FakeShopify;
  let database: Database;
  let dataDir: string;
  const merchant = { merchantId: "crash", key: "crash-merchant-key" };
  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    PORT: "0",
    LOG_LEVEL: "info",
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    API_KEYS: `${merchant.merchantId}:${merchant.key}`,
    ADMIN_KEY: "crash-admin-key",
    IMAGE_SEARCH_CONCURRENCY: "4",
    SHOPIFY_STORES: `${merchant.merchantId}:${shop.domain}:${shop.token}`,
    SHOPIFY_API_URL: shopify.url,
  });
  beforeAll(async () => {
    shopify = await startFakeShopify({ shops: [shop], latencyMs: 60 });
    database = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "po-publish-crash-"));
  });
  afterAll(async () => {
    await shopify.close();
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("leaves no duplicate product: the restarted publisher updates what the killed one made", async () => {
    let app = startAppProcess(env());
    let baseUrl = await app.baseUrl;
    const headers = { authorization: `Bearer ${merchant.key}` };
    const form = new FormData();
    form.append("file", new Blob([csv("CR", 80)], { type: "text/csv" }), "crash.csv");
    const { id } = (await (await fetch(`${baseUrl}/purchase-orders`, { method: "POST", body: form, headers })).json()) as { id: string };
    const readPo = async () => (await (await fetch(`${baseUrl}/purchase-orders/${id}`, { headers })).json()) as PurchaseOrder;
    expect((await fetch(`${baseUrl}/purchase-orders/${id}/publish`, { method: "POST", headers })).status).toBe(202);
    // Killed once some products are made and most are still to come.
    while (shopify.products().length < 10) await new Promise((resolve) => setTimeout(resolve, 10));
    app.child.kill("SIGKILL");
    await app.exited;
    expect(shopify.products().length).toBeLessThan(80);

    app = startAppProcess(env());
    baseUrl = await app.baseUrl;
    const deadline = Date.now() + 90_000;
    while ((await readPo()).status !== "complete") {
      if (Date.now() > deadline) throw new Error(`not complete after the kill: ${(await readPo()).status}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const { drafts } = await readPo();
    app.child.kill("SIGTERM");
    await app.exited;
    const store = new PostgresEventStore(database.url!);
    try {
      expect(
        await expectStoreMatchesLog(
          shopify,
          store,
          drafts.map((d) => d.id),
        ),
      ).toEqual({ deleted: 0, published: 80 });
      expect(shopify.stats(shop.domain).created).toBe(80);
    } finally {
      await store.close();
    }
  }, 180_000);
});
