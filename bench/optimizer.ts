/**
 * The optimization scheduler under load. Part one runs on a virtual clock: 50,000 items from five
 * merchants (40,000 + 4 × 2,500) through the scheduler's own fair queue (SchedulerView, DRR) and
 * limiter (GCRA, 450 RPM), against a simulated Replicate that allows 450 creates per sliding
 * minute (429 + Retry-After beyond), answers 1 % of creates with 503 and takes 5–15 s per
 * prediction. Part two runs the real system in real time against the local fake Replicate server
 * and times job created → first prediction created.
 * Prints one JSON line.
 */
import { readFile } from "node:fs/promises";
import type { Envelope } from "../src/domain/events.ts";
import { CatalogFeedProvider } from "../src/integrations/imageSearch/catalogFeed.ts";
import { SAMPLE_CATALOG } from "../src/integrations/imageSearch/fromConfig.ts";
import { MemoryRateLimiter } from "../src/optimization/rateLimiter.ts";
import { SchedulerView } from "../src/optimization/schedulerView.ts";
import { startBenchSystem } from "./benchSystem.ts";
import { startFakeReplicate } from "../src/testing/fakeReplicate.ts";
import { VirtualClock } from "../src/testing/virtualClock.ts";
import { benchDatabase } from "./benchDatabase.ts";

const MAX_RPM = 450;
const backlog = { "merchant-big": 40_000, "merchant-1": 2_500, "merchant-2": 2_500, "merchant-3": 2_500, "merchant-4": 2_500 };

function simulate() {
  const clock = new VirtualClock();
  const start = clock.now().getTime();
  const limiter = new MemoryRateLimiter("bench", { maxPerMinute: MAX_RPM }, clock);
  const view = new SchedulerView({ webhookGraceMs: 30_000 });
  const envelope = (event: object, at = clock.now()) => ({ event, created: at }) as unknown as Envelope;
  for (const [merchantId, count] of Object.entries(backlog)) {
    const items = Array.from({ length: count }, (_, i) => ({ itemId: `${merchantId}-${i}` }));
    view.apply(envelope({ type: "OptimizationJobCreated", data: { jobId: merchantId, merchantId, items } }));
  }
  // Replicate's side: a sliding minute of accepted creates.
  const accepted: number[] = [];
  let throttled = 0;
  let random = 42;
  const rand = () => (random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const perMinute: { created: Map<string, number>; queuedThroughout: Set<string>; busy: boolean }[] = [];
  let lastDone = start;
  const minuteOf = (t: number) => Math.floor((t - start) / 60_000);
  const bucket = (m: number) => (perMinute[m] ??= { created: new Map(), queuedThroughout: new Set(view.pending().keys()), busy: true });

  return (async () => {
    while (view.hasQueued) {
      const now = clock.now().getTime();
      bucket(minuteOf(now));
      const token = await limiter.tryAcquire();
      if (!token.granted) {
        await clock.sleep(token.waitMs);
        continue;
      }
      const item = view.nextReady(now);
      if (!item) {
        await clock.sleep(Math.max(1, (view.nextDueMs() ?? now + 1) - now));
        continue;
      }
      view.apply(envelope({ type: "PredictionRequested", data: { itemId: item.itemId, jobId: item.jobId } }));
      while (accepted.length > 0 && accepted[0]! <= now - 60_000) accepted.shift();
      if (accepted.length >= MAX_RPM) {
        throttled++;
        const retryAfterMs = Math.ceil((accepted[0]! + 60_000 - now) / 1000) * 1000;
        await limiter.holdFor(retryAfterMs);
        view.apply(
          envelope({
            type: "PredictionRequestFailed",
            data: { itemId: item.itemId, jobId: item.jobId, retryAt: new Date(now + retryAfterMs).toISOString() },
          }),
        );
        continue;
      }
      if (rand() < 0.01) {
        view.apply(
          envelope({
            type: "PredictionRequestFailed",
            data: { itemId: item.itemId, jobId: item.jobId, retryAt: new Date(now + 2_000).toISOString() },
          }),
        );
        continue;
      }
      accepted.push(now);
      const minute = bucket(minuteOf(now));
      minute.created.set(item.merchantId, (minute.created.get(item.merchantId) ?? 0) + 1);
      view.apply(envelope({ type: "PredictionCreated", data: { itemId: item.itemId, jobId: item.jobId, predictionId: item.itemId } }));
      // Its webhook arrives when it finishes; the view forgets it then.
      lastDone = Math.max(lastDone, now + 5_000 + rand() * 10_000);
      view.apply(envelope({ type: "OptimizationItemSucceeded", data: { itemId: item.itemId, jobId: item.jobId } }));
    }
    // Minutes in which work was queued from start to end: the last, partial one is left out.
    for (const [m, minute] of perMinute.entries()) {
      const stillQueued = m + 1 < perMinute.length ? perMinute[m + 1]!.queuedThroughout : new Set<string>();
      minute.queuedThroughout = new Set([...minute.queuedThroughout].filter((merchant) => stillQueued.has(merchant)));
      minute.busy = m + 1 < perMinute.length;
    }
    const full = perMinute.filter((m) => m.busy);
    const utilization = full.reduce((sum, m) => sum + [...m.created.values()].reduce((a, b) => a + b, 0), 0) / (full.length * MAX_RPM);
    const jain = full
      .filter((m) => m.queuedThroughout.size > 1)
      .map((m) => {
        const shares = [...m.queuedThroughout].map((merchant) => m.created.get(merchant) ?? 0);
        const sum = shares.reduce((a, b) => a + b, 0);
        return (sum * sum) / (shares.length * shares.reduce((a, b) => a + b * b, 0));
      });
    return {
      utilization: Math.round(utilization * 10_000) / 10_000,
      throttled,
      fairness_min: Math.round(Math.min(...jain) * 10_000) / 10_000,
      makespan_min: Math.round(((lastDone - start) / 60_000) * 100) / 100,
    };
  })();
}

async function firstPredictionLatency(jobs: number) {
  const secret = `whsec_${Buffer.from("bench signing key").toString("base64")}`;
  const replicate = await startFakeReplicate({ token: "r8_bench", webhookSecret: secret, predictionMs: () => 200 });
  const database = await benchDatabase();
  const app = await startBenchSystem(database, {
    imageSearch: await CatalogFeedProvider.load(SAMPLE_CATALOG),
    optimization: {
      token: "r8_bench",
      baseUrl: replicate.baseUrl,
      model: "google/nano-banana",
      maxRPM: MAX_RPM,
      maxOtherRPM: 600,
      webhookSecret: secret,
    },
  });
  const headers = { authorization: `Bearer ${app.merchantKey}` };
  try {
    const id = await app.upload("acme.csv", await readFile("samples/acme-outdoor.csv", "utf8"));
    let po = await app.purchaseOrder(id);
    while (po.status !== "complete") {
      await new Promise((resolve) => setTimeout(resolve, 50));
      po = await app.purchaseOrder(id);
    }
    const drafts = po.drafts as { id: string; images: unknown[] }[];
    const withImages = drafts.filter((d) => d.images.length > 0);
    const latencies: number[] = [];
    for (let n = 0; n < jobs; n++) {
      const started = performance.now();
      const first = new Promise<number>((resolve) => replicate.onCreate.splice(0, 1, () => resolve(performance.now())));
      const response = await fetch(`${app.baseUrl}/optimization-jobs`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({ prompt: "remove the background", draftIds: [withImages[n % withImages.length]!.id] }),
      });
      if (response.status !== 202) throw new Error(`job creation answered ${response.status}: ${await response.text()}`);
      latencies.push((await first) - started);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    latencies.sort((a, b) => a - b);
    return { p95: Math.round(latencies[Math.ceil(latencies.length * 0.95) - 1]!), database: database.kind };
  } finally {
    await app.stop();
    await database.close();
    await replicate.close();
  }
}

const simulated = await simulate();
const realTime = await firstPredictionLatency(20);
console.log(
  JSON.stringify({
    bench: "optimizer",
    items: Object.values(backlog).reduce((a, b) => a + b, 0),
    merchants: Object.keys(backlog).length,
    max_rpm: MAX_RPM,
    ...simulated,
    first_prediction_p95_ms: realTime.p95,
    first_prediction_database: realTime.database,
  }),
);
