/**
 * Upload → all drafts visible, through the real HTTP API of the app as `npm start` runs it (its own
 * process, the background work on its thread), on DATABASE_URL when set (a fresh database there),
 * else on the embedded default in a fresh data directory. 50 POs of 100 lines, one after another;
 * the image work each PO starts runs behind the next uploads, as it would for a merchant.
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServerDatabase } from "../test/support/database.ts";
import { startAppProcess } from "../test/support/appProcess.ts";

const PURCHASE_ORDERS = 50;
/** Uploads before the measured ones, so the figures are of a warm process (JIT, database caches). */
const WARM_UP = 3;
const LINES = 100;
const merchant = { merchantId: "bench", key: "bench-merchant-key" };

const purchaseOrderCsv = (n: number) =>
  [
    "SKU,Description,Qty,Unit Cost",
    ...Array.from({ length: LINES }, (_, i) => `B-${n}-${i},"Bench item ${i}, size ${n}",${i + 1},$${i}.50`),
  ].join("\n");

/**
 * CPU time the app's threads (main, background, V8's and libuv's helpers) have used, from Linux's
 * per-thread scheduler statistics; undefined elsewhere. Less noisy than latency on a shared machine,
 * and it counts the background work the uploads cause, which the latency figures only feel.
 */
function appCpuMs(pid: number | undefined): number | undefined {
  try {
    const tasks = readdirSync(`/proc/${pid}/task`);
    return tasks.reduce((sum, task) => sum + Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]) / 1e6, 0);
  } catch {
    return undefined;
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

const dataDir = await mkdtemp(join(tmpdir(), "po-bench-"));
const server = process.env.DATABASE_URL ? await createServerDatabase(process.env.DATABASE_URL) : undefined;
const app = startAppProcess({
  ...process.env,
  ...(server ? { DATABASE_URL: server.url } : { DATABASE_URL: "" }),
  DATA_DIR: dataDir,
  PORT: "0",
  API_KEYS: `${merchant.merchantId}:${merchant.key}`,
  ADMIN_KEY: "bench-admin-key",
  LOG_LEVEL: "info",
});
const timings: number[] = [];
/** The upload's answer (its drafts projected), and the reads of the PO page after it, apart. */
const uploads: number[] = [];
const pageReads: number[] = [];
let cpuAtStart: number | undefined;
let cpuAtEnd: number | undefined;
try {
  const baseUrl = await app.baseUrl;
  const headers = { authorization: `Bearer ${merchant.key}` };
  for (let n = 0; n < WARM_UP + PURCHASE_ORDERS; n++) {
    if (n === WARM_UP) cpuAtStart = appCpuMs(app.child.pid);
    const started = performance.now();
    const form = new FormData();
    form.append("file", new Blob([purchaseOrderCsv(n)], { type: "text/csv" }), `po-${n}.csv`);
    const response = await fetch(`${baseUrl}/purchase-orders`, { method: "POST", body: form, headers });
    if (response.status !== 202) throw new Error(`upload ${n} answered ${response.status}: ${await response.text()}`);
    const { id } = (await response.json()) as { id: string };
    const answered = performance.now();
    const drafts = async () =>
      ((await (await fetch(`${baseUrl}/purchase-orders/${id}`, { headers })).json()) as { drafts: unknown[] }).drafts;
    while ((await drafts()).length < LINES) await new Promise((resolve) => setTimeout(resolve, 5));
    if (n >= WARM_UP) {
      timings.push(performance.now() - started);
      uploads.push(answered - started);
      pageReads.push(performance.now() - answered);
    }
  }
  cpuAtEnd = appCpuMs(app.child.pid);
} finally {
  app.child.kill("SIGTERM");
  await app.exited;
  await server?.drop();
  await rm(dataDir, { recursive: true, force: true });
}

const round = (ms: number) => Math.round(ms * 10) / 10;
const ascending = (values: number[]) => [...values].sort((a, b) => a - b);
const sorted = ascending(timings);
const quantiles = (values: number[]) => {
  const ordered = ascending(values);
  return { p50: round(percentile(ordered, 50)), p95: round(percentile(ordered, 95)) };
};
const answers = quantiles(uploads);
const reads = quantiles(pageReads);
console.log(
  JSON.stringify({
    bench: "upload",
    purchase_orders: PURCHASE_ORDERS,
    warm_up: WARM_UP,
    lines: LINES,
    database: server ? "server" : "embedded",
    background: process.env.BACKGROUND ?? "thread",
    p50_ms: round(percentile(sorted, 50)),
    p95_ms: round(percentile(sorted, 95)),
    max_ms: round(sorted.at(-1)!),
    upload_answer_p50_ms: answers.p50,
    upload_answer_p95_ms: answers.p95,
    page_read_p50_ms: reads.p50,
    page_read_p95_ms: reads.p95,
    app_cpu_ms_per_upload: cpuAtStart === undefined || cpuAtEnd === undefined ? null : round((cpuAtEnd - cpuAtStart) / PURCHASE_ORDERS),
  }),
);
