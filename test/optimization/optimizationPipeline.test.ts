import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signWebhook, startFakeReplicate, type FakeReplicate, type FakeReplicateSettings } from "../../src/testing/fakeReplicate.ts";
import type { OptimizationSettings } from "../../src/optimization/optimization.ts";
import { pino } from "pino";
import { createSystem, type System } from "../../src/system.ts";
import { adminKey, merchantB, startTestSystem, testKeySecret, type TestSystem } from "../support/system.ts";

const secret = `whsec_${Buffer.from("the pipeline test's signing key!").toString("base64")}`;
const token = "r8_pipeline_test";

type Job = {
  id: string;
  status: string;
  itemCount: number;
  counts: Record<string, number>;
  items: { id: string; draftId: string; status: string; error: string | null; resultImageId: string | null }[];
};
type PurchaseOrder = { status: string; drafts: { id: string; images: { id: string; source: string; url: string }[] }[] };

const optimizationThrough = (replicate: FakeReplicate): OptimizationSettings => ({
  token,
  baseUrl: replicate.baseUrl,
  model: "google/nano-banana",
  maxRPM: 450,
  maxOtherRPM: 600,
  webhookSecret: secret,
});

async function withSystem(replicateSettings: Partial<FakeReplicateSettings>, optimization: Partial<OptimizationSettings> = {}) {
  const replicate = await startFakeReplicate({ token, webhookSecret: secret, predictionMs: () => 150, ...replicateSettings });
  const t = await startTestSystem({
    optimization: { ...optimizationThrough(replicate), ...optimization },
  });
  return { replicate, t };
}

/** A PO whose images are all in, reviewed: the first image rejected if asked, every other approved. */
async function uploadedPurchaseOrder(t: TestSystem, review: { rejectFirst?: boolean } = {}) {
  const { id } = (await (await t.upload("acme.csv", await readFile("samples/acme-outdoor.csv"))).json()) as { id: string };
  const po = await t.eventually<PurchaseOrder>(`/purchase-orders/${id}`, (b) => b.status === "complete");
  await t.eventually<{ status: string }>(`/purchase-orders/${id}/review`, (r) => r.status === "open");
  const first = po.drafts.find((d) => d.images.length > 0)!;
  if (review.rejectFirst)
    expect((await t.api(`/drafts/${first.id}/images/${first.images[0]!.id}/reject`, { method: "POST" })).status).toBe(200);
  expect((await t.api(`/purchase-orders/${id}/review/approve-remaining`, { method: "POST" })).status).toBe(200);
  return { id, po };
}

const post = (t: TestSystem, path: string, body: unknown, as?: { key: string }) =>
  t.api(path, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" }, as });

describe("image optimization through Replicate, end to end", () => {
  let replicate: FakeReplicate;
  let t: TestSystem;
  beforeAll(async () => {
    ({ replicate, t } = await withSystem({
      failure: (input) => (String((input.image_input as string[])[0]).includes("ao-mug") ? "E6716: unsafe content" : undefined),
    }));
  });
  afterAll(async () => {
    await t.stop();
    await replicate.close();
  });

  it("optimizes every approved image of a purchase order: one prediction per item, results attached as new images", async () => {
    const { id, po } = await uploadedPurchaseOrder(t, { rejectFirst: true });
    const sources = po.drafts.flatMap((d) => d.images).slice(1);
    const created = await post(t, "/optimization-jobs", { prompt: "remove the background", purchaseOrderId: id });
    expect(created.status).toBe(202);
    const job = (await created.json()) as Job;
    expect(job.itemCount).toBe(sources.length);
    const done = await t.eventually<Job>(`/optimization-jobs/${job.id}`, (b) => b.status === "completed");
    const failed = done.items.filter((i) => i.status === "FAILED");
    expect(done.items.filter((i) => i.status === "DONE").length + failed.length).toBe(sources.length);
    expect(failed.every((i) => i.error?.includes("E6716"))).toBe(true);
    for (const item of done.items) expect(replicate.createdFor(item.id)).toHaveLength(1);
    const after = await t.eventually<PurchaseOrder>(`/purchase-orders/${id}`, () => true);
    const optimized = after.drafts.flatMap((d) => d.images).filter((i) => i.source === "optimized:google/nano-banana");
    expect(optimized.map((i) => i.id).sort()).toEqual(
      done.items
        .filter((i) => i.status === "DONE")
        .map((i) => i.resultImageId)
        .sort(),
    );
    expect(replicate.predictions.values().next().value?.input).toMatchObject({
      prompt: "remove the background",
      image_input: [expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/catalog\/images\//)],
    });
  });

  it("never writes a result to a draft deleted meanwhile: its items are cancelled", async () => {
    const { po } = await uploadedPurchaseOrder(t);
    const [doomed, kept] = po.drafts.filter((d) => d.images.length > 0);
    const job = (await (await post(t, "/optimization-jobs", { prompt: "relight", draftIds: [doomed!.id, kept!.id] })).json()) as Job;
    expect((await t.api(`/drafts/${doomed!.id}`, { method: "DELETE" })).status).toBe(204);
    const done = await t.eventually<Job>(`/optimization-jobs/${job.id}`, (b) => b.status === "completed");
    expect(done.items.filter((i) => i.draftId === doomed!.id).every((i) => i.status === "CANCELLED")).toBe(true);
    expect(done.items.filter((i) => i.draftId === kept!.id).every((i) => i.status === "DONE")).toBe(true);
    const types = (await t.system.store.readStream(`draft-${doomed!.id}`)).map((e) => e.type);
    expect(types).not.toContain("OptimizedImageAttached");
  });

  it("keeps jobs to their merchant, and says what is wrong with a request", async () => {
    const { id } = await uploadedPurchaseOrder(t);
    expect((await post(t, "/optimization-jobs", { prompt: "x", purchaseOrderId: id }, merchantB)).status).toBe(404);
    expect((await post(t, "/optimization-jobs", { prompt: "", purchaseOrderId: id })).status).toBe(400);
    const job = (await (await post(t, "/optimization-jobs", { prompt: "x", purchaseOrderId: id })).json()) as Job;
    expect((await t.api(`/optimization-jobs/${job.id}`, { as: merchantB })).status).toBe(404);
    expect((await post(t, `/optimization-jobs/${job.id}/cancel`, {}, merchantB)).status).toBe(404);
  });

  it("cancels a job: its unfinished items are cancelled", async () => {
    const { id } = await uploadedPurchaseOrder(t);
    const job = (await (await post(t, "/optimization-jobs", { prompt: "square crop", purchaseOrderId: id })).json()) as Job;
    const cancelled = await post(t, `/optimization-jobs/${job.id}/cancel`, {});
    expect(cancelled.status).toBe(202);
    const after = await t.eventually<Job>(
      `/optimization-jobs/${job.id}`,
      (b) => b.status === "cancelled" && !b.items.some((i) => i.status === "PENDING" || i.status === "PROCESSING"),
    );
    expect(after.items.some((i) => i.status === "CANCELLED")).toBe(true);
  });

  it("rejects webhooks that are unsigned, forged or stale", async () => {
    const url = `${t.baseUrl}/webhooks/replicate?job=00000000-0000-4000-8000-000000000001&item=00000000-0000-4000-8000-000000000002`;
    const body = JSON.stringify({ id: "p1", status: "succeeded", output: "https://x.test/1.png" });
    const send = (headers: Record<string, string>) =>
      fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
    expect((await send({})).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 3600;
    expect(
      (await send({ "webhook-id": "m1", "webhook-timestamp": String(stale), "webhook-signature": signWebhook(secret, "m1", stale, body) }))
        .status,
    ).toBe(401);
    const now = Math.floor(Date.now() / 1000);
    expect(
      (
        await send({
          "webhook-id": "m1",
          "webhook-timestamp": String(now),
          "webhook-signature": signWebhook(`whsec_${Buffer.from("another key").toString("base64")}`, "m1", now, body),
        })
      ).status,
    ).toBe(401);
    expect(
      (await send({ "webhook-id": "m1", "webhook-timestamp": String(now), "webhook-signature": signWebhook(secret, "m1", now, body) }))
        .status,
    ).toBe(404);
  });
});

describe("monitoring the optimizer", () => {
  it("reports the shared limiter and Prometheus metrics to the admin only", async () => {
    // A system of its own: every create it made is then in the last minute, none was cancelled on the way.
    const { replicate, t } = await withSystem({});
    try {
      const { id } = await uploadedPurchaseOrder(t);
      const job = (await (await post(t, "/optimization-jobs", { prompt: "x", purchaseOrderId: id })).json()) as Job;
      await t.eventually<Job>(`/optimization-jobs/${job.id}`, (b) => b.status === "completed");
      const admin = { key: adminKey };
      const limiter = (await (await t.api("/admin/rate-limiter", { as: admin })).json()) as Record<string, unknown>;
      expect(limiter).toMatchObject({ maxRPM: 450, queueLength: 0, rpmUsagePercent: expect.any(Number), merchants: expect.any(Array) });
      expect(limiter.requestsInLastMinute).toBe(replicate.counts.creates);
      expect(limiter.health).toEqual({ queueHealthy: true, rpmHealthy: true });
      expect((await t.api("/admin/rate-limiter")).status).toBe(401);
      const metrics = await (await t.api("/metrics", { as: admin })).text();
      expect(metrics).toMatch(/po_replicate_predictions_created_total\{merchant="merchant-a"\} \d+/);
      expect(metrics).toContain("po_http_request_duration_seconds_bucket");
      expect(metrics).toMatch(/po_processor_lag\{processor="optimized-image-attachment"\}/);
      expect(metrics).toContain("po_rate_limiter_max_rpm 450");
    } finally {
      await t.stop();
      await replicate.close();
    }
  });
});

describe("image optimization when webhooks do not come, or Replicate pushes back", () => {
  it("polls for results a webhook should have brought", async () => {
    const { replicate, t } = await withSystem({ deliverWebhook: () => false }, { scheduler: { webhookGraceMs: 300 } });
    try {
      const { id } = await uploadedPurchaseOrder(t);
      const job = (await (await post(t, "/optimization-jobs", { prompt: "x", purchaseOrderId: id })).json()) as Job;
      const done = await t.eventually<Job>(`/optimization-jobs/${job.id}`, (b) => b.status === "completed");
      expect(done.items.every((i) => i.status === "DONE")).toBe(true);
      expect(replicate.counts.webhooksSent).toBe(0);
      expect(replicate.counts.gets).toBeGreaterThanOrEqual(done.itemCount);
    } finally {
      await t.stop();
      await replicate.close();
    }
  });

  it("backs off globally on 429 as Retry-After says, retries 5xx, and creates each item's prediction once", async () => {
    const { replicate, t } = await withSystem({}, { work: { retryBaseDelayMs: 50 } });
    try {
      const { id } = await uploadedPurchaseOrder(t);
      replicate.script.push(
        { method: "POST", status: 429, headers: { "retry-after": "1" } },
        { method: "POST", status: 503 },
        { method: "POST", status: 502, afterCreate: true },
      );
      const started = Date.now();
      const job = (await (await post(t, "/optimization-jobs", { prompt: "x", purchaseOrderId: id })).json()) as Job;
      const done = await t.eventually<Job>(`/optimization-jobs/${job.id}`, (b) => b.status === "completed");
      expect(done.items.every((i) => i.status === "DONE")).toBe(true);
      for (const item of done.items) expect(replicate.createdFor(item.id)).toHaveLength(1);
      const createTimes = [...replicate.predictions.values()].map((p) => Date.parse(p.created_at)).sort();
      // Everything after the 429 waited for its Retry-After (the one lost create came just before it).
      expect(createTimes.filter((at) => at - started > 900).length).toBeGreaterThanOrEqual(done.itemCount - 1);
    } finally {
      await t.stop();
      await replicate.close();
    }
  });

  it("starts without a Replicate token and says optimization is off", async () => {
    const t = await startTestSystem();
    try {
      const response = await post(t, "/optimization-jobs", { prompt: "x", purchaseOrderId: "00000000-0000-4000-8000-000000000001" });
      expect(response.status).toBe(503);
      expect(((await response.json()) as { message: string }).message).toMatch(/REPLICATE_API_TOKEN/);
    } finally {
      await t.stop();
    }
  });
});

describe("cancelling a job whose predictions are running", () => {
  let replicate: FakeReplicate;
  let t: TestSystem;
  beforeAll(async () => {
    ({ replicate, t } = await withSystem({ predictionMs: () => 60_000 }));
  });
  afterAll(async () => {
    await t.stop();
    await replicate.close();
  });

  it("cancels them on Replicate too, so nobody pays for results no one will use", async () => {
    const { id } = await uploadedPurchaseOrder(t);
    const job = (await (await post(t, "/optimization-jobs", { prompt: "relight", purchaseOrderId: id })).json()) as Job;
    const running = await t.eventually<Job>(`/optimization-jobs/${job.id}`, (b) => b.items.every((i) => i.status === "PROCESSING"));
    expect((await post(t, `/optimization-jobs/${job.id}/cancel`, {})).status).toBe(202);
    const predictions = () => running.items.flatMap((item) => replicate.createdFor(item.id));
    for (const deadline = Date.now() + 10_000; predictions().some((p) => p.status !== "canceled");) {
      if (Date.now() > deadline)
        throw new Error(`still running on Replicate: ${predictions().filter((p) => p.status !== "canceled").length}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(predictions()).toHaveLength(running.items.length);
    expect(replicate.counts.cancels).toBe(running.items.length);
  });
});

describe("the optimization scheduler's checkpoint", () => {
  it("is saved at stop with the view of the unfinished work, and the next process reads on from it", async () => {
    const { replicate, t } = await withSystem({ predictionMs: () => 6_000 });
    let next: System | undefined;
    try {
      const { id } = await uploadedPurchaseOrder(t);
      const job = (await (await post(t, "/optimization-jobs", { prompt: "remove the background", purchaseOrderId: id })).json()) as Job;
      await t.eventually<Job>(`/optimization-jobs/${job.id}`, (b) => b.items.every((i) => i.status === "PROCESSING"));
      // The read model can show an item processing before the scheduler's own view has taken that event in.
      const view = t.system.optimization!.scheduler.view;
      await vi.waitFor(() => expect([...view.items.values()].map((item) => item.status)).toEqual(job.items.map(() => "processing")), {
        timeout: 5_000,
      });
      await t.system.stop();
      // The stopped system's store is closed: read the log's table directly.
      const [lastOptimizationEvent] = await t.database.prisma.$queryRawUnsafe<{ position: bigint }[]>(
        "SELECT max(position) AS position FROM event_log WHERE event_type LIKE 'Prediction%' OR event_type LIKE 'Optimization%'",
      );
      const checkpoint = await t.database.prisma.schedulerCheckpoint.findUniqueOrThrow({ where: { consumer: "optimization-scheduler" } });
      expect(checkpoint.position).toBe(lastOptimizationEvent!.position);
      expect((checkpoint.view as { items: { status: string }[] }).items.map((i) => i.status)).toEqual(job.items.map(() => "processing"));

      next = await createSystem({
        database: t.database,
        logger: pino({ level: "silent" }),
        apiKeys: [],
        keySecret: testKeySecret,
        adminKey,
        maxUploadBytes: 1024,
        imageSearch: { name: "none", search: async () => [] },
        optimization: optimizationThrough(replicate),
      });
      const applied = vi.spyOn(next.optimization!.scheduler.view, "apply");
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      // The view came from the checkpoint: every item still in flight, and none of the events before it taken again.
      expect([...next.optimization!.scheduler.view.items.values()].map((item) => item.status)).toEqual(job.items.map(() => "processing"));
      expect(applied.mock.calls.filter(([envelope]) => envelope.position <= checkpoint.position)).toEqual([]);
    } finally {
      await next?.stop();
      await t.database.close();
      await replicate.close();
    }
  });
});
