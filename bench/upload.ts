/**
 * Upload → all drafts visible, on the embedded default (PGlite in a fresh data directory),
 * through the real HTTP API on a real port. 50 POs of 100 lines, one after another.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { openDatabase } from "../src/db/database.ts";
import { CatalogFeedProvider } from "../src/integrations/imageSearch/catalogFeed.ts";
import { SAMPLE_CATALOG } from "../src/integrations/imageSearch/fromConfig.ts";
import { createSystem } from "../src/system.ts";

const PURCHASE_ORDERS = 50;
/** Uploads before the measured ones, so the figures are of a warm process (JIT, PGlite caches). */
const WARM_UP = 3;
const LINES = 100;
const merchant = { merchantId: "bench", key: "bench-key-123" };

const purchaseOrderCsv = (n: number) =>
  ["SKU,Description,Qty,Unit Cost", ...Array.from({ length: LINES }, (_, i) => `B-${n}-${i},"Bench item ${i}, size ${n}",${i + 1},$${i}.50`)].join("\n");

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

const dataDir = await mkdtemp(join(tmpdir(), "po-bench-upload-"));
const database = await openDatabase({ dataDir });
const system = await createSystem({
  database,
  logger: pino({ level: "silent" }),
  apiKeys: [merchant],
  adminKey: "bench-admin-key",
  maxUploadBytes: 5 * 1024 * 1024,
  imageSearch: await CatalogFeedProvider.load(SAMPLE_CATALOG),
});
const baseUrl = await system.app.listen({ port: 0, host: "127.0.0.1" });
const headers = { authorization: `Bearer ${merchant.key}` };

const timings: number[] = [];
for (let n = 0; n < WARM_UP + PURCHASE_ORDERS; n++) {
  const form = new FormData();
  form.append("file", new Blob([purchaseOrderCsv(n)], { type: "text/csv" }), `po-${n}.csv`);
  const started = performance.now();
  const response = await fetch(`${baseUrl}/purchase-orders`, { method: "POST", body: form, headers });
  if (response.status !== 202) throw new Error(`upload ${n} answered ${response.status}: ${await response.text()}`);
  const { id } = (await response.json()) as { id: string };
  for (;;) {
    const po = (await (await fetch(`${baseUrl}/purchase-orders/${id}`, { headers })).json()) as { drafts: unknown[] };
    if (po.drafts.length === LINES) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (n >= WARM_UP) timings.push(performance.now() - started);
}

await system.stop();
await database.close();
await rm(dataDir, { recursive: true, force: true });

const sorted = [...timings].sort((a, b) => a - b);
const round = (ms: number) => Math.round(ms * 10) / 10;
console.log(
  JSON.stringify({
    bench: "upload",
    purchase_orders: PURCHASE_ORDERS,
    warm_up: WARM_UP,
    lines: LINES,
    database: "pglite",
    p50_ms: round(percentile(sorted, 50)),
    p95_ms: round(percentile(sorted, 95)),
    max_ms: round(sorted.at(-1)!),
  }),
);
