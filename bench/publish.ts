/**
 * 500 approved drafts published to the fake Shopify, whose shop has Shopify's standard bucket
 * (1,000 points, restoring 50 a second; a productSet costs 10): how much of what the bucket allowed
 * the publisher used, how many THROTTLED answers it got and how many became failures, and whether
 * any product was made twice. Runs on DATABASE_URL when set, else on the embedded default.
 */
import { startFakeShopify } from "../src/testing/fakeShopify.ts";
import { FakeImageSearch } from "../src/testing/fakeImageSearch.ts";
import { benchDatabase } from "./benchDatabase.ts";
import { startBenchSystem } from "./benchSystem.ts";

const DRAFTS = Number(process.env.BENCH_PUBLISH_DRAFTS ?? 500);
const shop = { domain: "bench.myshopify.com", token: "shpat_bench" };
const csv = [
  "SKU,Title,Qty,Unit Cost",
  ...Array.from({ length: DRAFTS }, (_, i) => `PUB-${i},Publish bench item ${i},3,${(4 + (i % 50)).toFixed(2)}`),
].join("\n");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const shopify = await startFakeShopify({ shops: [shop], latencyMs: 30 });
const database = await benchDatabase();
const app = await startBenchSystem(database, {
  imageSearch: new FakeImageSearch({ minLatencyMs: 1, maxLatencyMs: 5 }),
  shopify: { stores: [{ merchantId: "bench", shop: shop.domain, accessToken: shop.token }], apiVersion: "2026-10", apiUrl: shopify.url },
});
const progress = (message: string) => process.stderr.write(`bench:publish ${message}\n`);
const id = await app.upload("publish.csv", csv);
progress("uploaded; waiting for the images");
while ((await app.purchaseOrder(id)).status !== "complete") await sleep(50);
const approved = await app.post(`/purchase-orders/${id}/review/approve-remaining`);
if (approved.status !== 200) throw new Error(`approving answered ${approved.status}: ${await approved.text()}`);

progress("approved; publishing");
const started = performance.now();
const publish = await app.post(`/purchase-orders/${id}/publish`);
if (publish.status !== 202) throw new Error(`publish answered ${publish.status}: ${await publish.text()}`);
while ((await app.purchaseOrder(id)).status !== "complete") await sleep(100);
const elapsedMs = performance.now() - started;

const stats = shopify.stats(shop.domain);
const windowS = (stats.lastRequestAt! - stats.firstRequestAt!) / 1000;
// What the bucket allowed over the window: what it held at the start, and what it restored since.
const allowed = stats.bucketSize + stats.restorePerSecond * windowS;
const stageLog = await app.system.store.readStream(`workflow-${id}`);
const publishFailures = stageLog.filter((e) => e.type === "StageFailed" && (e.data as { stage: string }).stage === "publish");
const throttledFailures = publishFailures.filter((e) => /thrott/i.test((e.data as { error: string }).error)).length;
for (const failure of publishFailures) progress(`publish failed: ${(failure.data as { error: string }).error}`);
const products = shopify.products();
const handles = new Set(products.map((p) => p.handle));
await app.stop();
await database.close();
await shopify.close();

console.log(
  JSON.stringify({
    bench: "publish",
    database: database.kind,
    drafts: DRAFTS,
    bucket: `${stats.bucketSize} points, ${stats.restorePerSecond}/s`,
    publish_s: Math.round(elapsedMs) / 1000,
    points_spent: stats.pointsSpent,
    bucket_share_used: Math.round((stats.pointsSpent / allowed) * 1000) / 1000,
    throttled_answers: stats.throttled,
    throttled_failures: throttledFailures,
    publish_failures: publishFailures.length,
    products: products.length,
    products_created: stats.created,
    duplicates: products.length - handles.size + (stats.created - products.length),
  }),
);
