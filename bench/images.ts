/**
 * The image stage of one 200-draft PO with search latency 300 ± 100 ms: one search at the provider
 * at a time, then the default (8), then a second PO with the same SKUs served from the search cache.
 * Runs on DATABASE_URL when set, else on the embedded default.
 */
import { DEFAULT_IMAGE_SEARCH_CONCURRENCY } from "../src/integrations/imageSearch/cachedSearch.ts";
import { FakeImageSearch } from "../src/testing/fakeImageSearch.ts";
import { benchDatabase } from "./benchDatabase.ts";
import { startBenchSystem } from "./benchSystem.ts";

const DRAFTS = 200;
const csv = ["SKU,Title,Qty", ...Array.from({ length: DRAFTS }, (_, i) => `IMG-${i},Image bench item ${i},1`)].join("\n");

async function imageStage(concurrency: number, uploads: number) {
  const database = await benchDatabase();
  const search = new FakeImageSearch({ minLatencyMs: 200, maxLatencyMs: 400 });
  const app = await startBenchSystem(database, { imageSearch: search, imageSearchConcurrency: concurrency });
  const timings: number[] = [];
  for (let n = 0; n < uploads; n++) {
    const started = Date.now();
    const id = await app.upload(`images-${n}.csv`, csv);
    // Looked at now and then, and timed by the stage log's own clock: polling the 200-draft PO
    // every 20 ms had put as much load on the cached run as its work did.
    let po = await app.purchaseOrder(id);
    while (po.status !== "complete") {
      await new Promise((resolve) => setTimeout(resolve, 250));
      po = await app.purchaseOrder(id);
    }
    const imageWork = po.stages.filter((s) => s.stage === "search_images" || s.stage === "attach_images");
    timings.push(Math.max(...imageWork.map((s) => Date.parse(s.finishedAt!))) - started);
  }
  await app.stop();
  await database.close();
  return { timings, searchCalls: search.calls, database: database.kind };
}

const serial = await imageStage(1, 1);
const parallel = await imageStage(DEFAULT_IMAGE_SEARCH_CONCURRENCY, 2);
const [cold, cached] = parallel.timings as [number, number];
const seconds = (ms: number) => Math.round(ms) / 1000;
console.log(
  JSON.stringify({
    bench: "images",
    database: parallel.database,
    drafts: DRAFTS,
    latency_ms: "300±100",
    concurrency_1_s: seconds(serial.timings[0]!),
    concurrency_default: DEFAULT_IMAGE_SEARCH_CONCURRENCY,
    concurrency_default_s: seconds(cold),
    speedup: Math.round((serial.timings[0]! / cold) * 100) / 100,
    cached_s: seconds(cached),
    cache_ratio: Math.round((cached / cold) * 1000) / 1000,
    provider_calls_cold_then_cached: `${DRAFTS} then ${parallel.searchCalls - DRAFTS}`,
  }),
);
