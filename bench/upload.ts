/**
 * Upload → all drafts visible, through the real HTTP API on a real port, on DATABASE_URL when set
 * (a fresh database there), else on the embedded default. 50 POs of 100 lines, one after another; the image
 * work each PO starts runs behind the next uploads, as it would for a merchant.
 */
import { CatalogFeedProvider } from "../src/integrations/imageSearch/catalogFeed.ts";
import { SAMPLE_CATALOG } from "../src/integrations/imageSearch/fromConfig.ts";
import { benchDatabase } from "./benchDatabase.ts";
import { startBenchSystem } from "./benchSystem.ts";

const PURCHASE_ORDERS = 50;
/** Uploads before the measured ones, so the figures are of a warm process (JIT, database caches). */
const WARM_UP = 3;
const LINES = 100;

const purchaseOrderCsv = (n: number) =>
  [
    "SKU,Description,Qty,Unit Cost",
    ...Array.from({ length: LINES }, (_, i) => `B-${n}-${i},"Bench item ${i}, size ${n}",${i + 1},$${i}.50`),
  ].join("\n");

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

const database = await benchDatabase();
const app = await startBenchSystem(database, { imageSearch: await CatalogFeedProvider.load(SAMPLE_CATALOG) });

const timings: number[] = [];
for (let n = 0; n < WARM_UP + PURCHASE_ORDERS; n++) {
  const started = performance.now();
  const id = await app.upload(`po-${n}.csv`, purchaseOrderCsv(n));
  while ((await app.purchaseOrder(id)).drafts.length < LINES) await new Promise((resolve) => setTimeout(resolve, 5));
  if (n >= WARM_UP) timings.push(performance.now() - started);
}
await app.stop();
await database.close();

const sorted = [...timings].sort((a, b) => a - b);
const round = (ms: number) => Math.round(ms * 10) / 10;
console.log(
  JSON.stringify({
    bench: "upload",
    purchase_orders: PURCHASE_ORDERS,
    warm_up: WARM_UP,
    lines: LINES,
    database: database.kind,
    p50_ms: round(percentile(sorted, 50)),
    p95_ms: round(percentile(sorted, 95)),
    max_ms: round(sorted.at(-1)!),
  }),
);
