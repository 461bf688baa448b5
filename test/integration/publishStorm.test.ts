import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { PostgresEventStore } from "../../src/eventstore/postgres.ts";
import type { EventStore } from "../../src/eventstore/port.ts";
import { startFakeReplicate, type FakeReplicate } from "../../src/testing/fakeReplicate.ts";
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

type Stage = { stage: string; subjectId: string | null; status: string; reason: string | null };
type EnrichingPurchaseOrder = { status: string; drafts: { id: string; title: string }[]; stages: Stage[] };
const titleIn = (prompt: string) => /Product title: (.*)/.exec(prompt)?.[1] ?? "";
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("enriching and publishing while 40% of the drafts are deleted at random moments", () => {
  const drafts = 40;
  let t: TestSystem;
  let shopify: FakeShopify;
  let replicate: FakeReplicate;
  /** Awaited when the store has written a product and before it answers: a deletion can land mid-call. */
  let onProductWritten: (handle: string) => Promise<void> = async () => undefined;
  /** How long the fake model takes for each title's prediction. */
  const predictionMs = new Map<string, number>();
  beforeAll(async () => {
    replicate = await startFakeReplicate({
      token: "r8_storm",
      webhookSecret: "whsec_dGVzdA==",
      output: (input) => {
        const title = titleIn(String(input.prompt));
        return JSON.stringify({ description: `${title}, described.`, tags: ["storm"], productType: "Gear" });
      },
      // The enrichment client polls every 500 ms: a draft's enrichment is in flight for 0.5 to 1.5 s.
      predictionMs: (input) => {
        const ms = 300 + Math.random() * 900;
        predictionMs.set(titleIn(String(input.prompt)), ms);
        return ms;
      },
    });
    shopify = await startFakeShopify({
      shops: [shop],
      latencyMs: 60,
      beforeAnswer: async (variables) => {
        const handle = (variables.identifier as { handle?: string } | undefined)?.handle;
        if (handle !== undefined) await onProductWritten(handle);
      },
    });
    t = await startTestSystem({
      shopify: {
        stores: [{ merchantId: merchantA.merchantId, shop: shop.domain, accessToken: shop.token }],
        apiVersion: "2026-10",
        apiUrl: shopify.url,
      },
      enrichment: { token: "r8_storm", baseUrl: replicate.baseUrl, model: "test/writer", maxRPM: 6_000, maxOtherRPM: 30_000 },
      // One image for every line, so each draft has one to approve.
      imageSearch: { name: "storm-images", search: async ({ sku }) => [{ url: `https://images.example/${sku}.jpg` }] },
      processors: { concurrency: 8 },
    });
    const settings = { pricing: null, defaultVendor: null, productType: null, tags: [], publishStatus: "DRAFT", autoPublish: true };
    const saved = await t.api("/settings", {
      method: "PUT",
      body: JSON.stringify(settings),
      headers: { "content-type": "application/json" },
    });
    expect(saved.status).toBe(200);
  });
  afterAll(async () => {
    await t?.stop();
    await shopify?.close();
    await replicate?.close();
  });

  it(
    "enriches and publishes no deleted draft, writes nothing on a draft after its deletion and publishes every live draft once",
    { timeout: 120_000 },
    async () => {
      // Which lines die, and how, is chosen before the upload: enrichment starts as soon as the drafts exist.
      const titles = Array.from({ length: drafts }, (_, i) => `EN item ${i}`);
      const [whileModelWrites, randomlyDuringEnrichment, whileInTheStore, randomlyDuringPublish] = [5, 5, 3, 3].reduce<{
        rest: string[];
        groups: Set<string>[];
      }>(({ rest, groups }, size) => ({ rest: rest.slice(size), groups: [...groups, new Set(rest.slice(0, size))] }), {
        rest: [...titles].sort(() => Math.random() - 0.5),
        groups: [],
      }).groups as [Set<string>, Set<string>, Set<string>, Set<string>];
      let idOf: (title: string) => string = () => {
        throw new Error("no drafts yet");
      };
      let listed!: () => void;
      const draftsListed = new Promise<void>((resolve) => (listed = resolve));
      const deletions: Promise<void>[] = [];
      const remove = async (title: string) => {
        const response = await t.api(`/drafts/${idOf(title)}`, { method: "DELETE" });
        expect(response.status, title).toBe(204);
      };
      /** The doomed drafts whose deletion was answered while the model was still writing for them. */
      const deletedMidPrediction = new Set<string>();
      replicate.onCreate.push((prediction) => {
        const title = titleIn(String(prediction.input.prompt));
        if (!whileModelWrites.has(title)) return;
        whileModelWrites.delete(title);
        const createdAt = Date.now();
        deletions.push(
          (async () => {
            await draftsListed;
            // A moment before the model is done: the deletion lands while it writes.
            const finishesIn = createdAt + predictionMs.get(title)! - Date.now();
            await pause(Math.random() * Math.max(0, finishesIn - 150));
            await remove(title);
            if (["starting", "processing"].includes(prediction.status)) deletedMidPrediction.add(title);
          })(),
        );
      });
      const doomedWhileModelWrites = new Set(whileModelWrites);

      const upload = await t.upload(
        "enrich-storm.csv",
        ["SKU,Title,Qty,Unit Cost", ...titles.map((title, i) => `ES-${i},${title},1,${5 + i}`)].join("\n"),
      );
      const { id } = (await upload.json()) as { id: string };
      const po = await t.eventually<EnrichingPurchaseOrder>(`/purchase-orders/${id}`, (p) => p.drafts.length === drafts);
      const ids = new Map(po.drafts.map((d) => [d.title, d.id]));
      idOf = (title) => ids.get(title)!;
      listed();
      // The rest of the enrichment storm: before, during or after each draft's own enrichment.
      for (const title of randomlyDuringEnrichment) deletions.push(pause(Math.random() * 3_000).then(() => remove(title)));
      await until(async () => whileModelWrites.size === 0, 30_000);
      await Promise.all(deletions);

      // Review once every draft's enrichment has ended (written or skipped) and the images are in.
      const enrichEnded = (p: EnrichingPurchaseOrder) =>
        p.stages.filter((s) => s.stage === "enrich" && ["completed", "skipped", "failed"].includes(s.status)).length === drafts;
      await until(async () => enrichEnded((await (await t.api(`/purchase-orders/${id}`)).json()) as EnrichingPurchaseOrder), 30_000);
      const live = drafts - doomedWhileModelWrites.size - randomlyDuringEnrichment.size;
      await t.eventually<{ status: string; products: { imageStatus: string }[] }>(
        `/purchase-orders/${id}/review`,
        (r) => r.status === "open" && r.products.length === live && r.products.every((p) => p.imageStatus !== "pending"),
      );
      expect((await t.api(`/purchase-orders/${id}/review/approve-remaining`, { method: "POST" })).status).toBe(200);

      // The publishing storm: some drafts deleted once the store has made their product and before the
      // publisher hears of it (their ProductPublished must not land), some at random moments.
      const publishDeletions: Promise<void>[] = [];
      const titleOfId = new Map([...ids].map(([title, draftId]) => [draftId, title]));
      onProductWritten = async (handle) => {
        const title = [...whileInTheStore].find((candidate) => handle.endsWith(idOf(candidate)));
        if (title === undefined) return;
        whileInTheStore.delete(title);
        const deleted = remove(title);
        publishDeletions.push(deleted);
        await deleted;
      };
      const doomedWhileInTheStore = new Set(whileInTheStore);
      // Auto-publish is on: completing the review publishes the PO.
      expect((await t.api(`/purchase-orders/${id}/review/complete`, { method: "POST" })).status).toBe(200);
      for (const title of randomlyDuringPublish) publishDeletions.push(pause(Math.random() * 1_500).then(() => remove(title)));
      await until(async () => {
        const p = (await (await t.api(`/purchase-orders/${id}`)).json()) as EnrichingPurchaseOrder;
        return p.status === "complete" && p.stages.some((s) => s.stage === "complete" && s.status === "completed");
      });
      await Promise.all(publishDeletions);
      expect(whileInTheStore.size, "every draft doomed mid-call had its call").toBe(0);
      const doomed = doomedWhileModelWrites.size + randomlyDuringEnrichment.size + doomedWhileInTheStore.size + randomlyDuringPublish.size;
      // Deletions after a draft's product was made take it out again; wait for the last of them.
      await until(async () => shopify.products().length <= drafts - doomed, 10_000).catch(() => undefined);

      const draftIds = [...ids.values()];
      const outcome = await expectStoreMatchesLog(shopify, t.system.store, draftIds);
      // The log has a DraftDeleted for 40% of the drafts, and the store a product for each of the rest.
      expect(outcome.deleted / drafts).toBe(0.4);
      expect(outcome).toEqual({ deleted: doomed, published: drafts - doomed });
      const { stages } = (await (await t.api(`/purchase-orders/${id}`)).json()) as EnrichingPurchaseOrder;
      for (const draftId of draftIds) {
        const title = titleOfId.get(draftId)!;
        const types = (await t.system.store.readStream(`draft-${draftId}`)).map((e) => e.type);
        const enrich = stages.find((s) => s.stage === "enrich" && s.subjectId === draftId);
        if (!types.includes("DraftDeleted")) {
          // A live draft was enriched once, and published with what the model wrote.
          expect(
            types.filter((type) => type === "DraftEnriched"),
            title,
          ).toHaveLength(1);
          expect(enrich, title).toMatchObject({ status: "completed" });
          const [product] = shopify.products().filter((p) => p.handle.endsWith(draftId));
          expect(product!.descriptionHtml, title).toContain(`${title}, described.`);
          // …and with the image its review approved.
          expect(
            product!.media.map((m) => m.url),
            title,
          ).toEqual([`https://images.example/${product!.variants[0]!.sku}.jpg`]);
        } else if (doomedWhileInTheStore.has(title)) {
          // Deleted while its product was being made: the product was taken out again, never recorded.
          expect(types, title).not.toContain("ProductPublished");
        } else if (deletedMidPrediction.has(title)) {
          // Deleted while the model was writing: its answer came too late to land.
          expect(types, title).not.toContain("DraftEnriched");
          expect(enrich, title).toMatchObject({ status: "skipped", reason: "draft deleted during its enrichment" });
        }
      }
      // Most of the deletions aimed at a running prediction were answered before it ended.
      expect(deletedMidPrediction.size).toBeGreaterThanOrEqual(3);
    },
  );
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
