import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.ts";
import { adminKey, merchantA, merchantB, startTestSystem, type TestSystem } from "../support/system.ts";

type Ref = {
  kind: string;
  id: string;
  type?: string;
  streamName?: string;
  revision?: string;
  href?: string;
  actor?: string;
  wrote?: Ref[];
};
type Entry = {
  id: string;
  type: string;
  streamName: string;
  revision: string;
  position: string;
  time: string;
  metadata: { merchantId: string; correlationId: string; causationId: string; actor: string; schemaVersion: number };
  data: Record<string, unknown>;
  state?: Record<string, unknown>;
  diff?: { path: string; before?: unknown; after?: unknown }[];
  causedBy: Ref | null;
  caused: Ref[];
};
type Page = { events: Entry[]; next: string | null; previous: string | null };
type Review = { status: string; products: { draftId: string; title: string; imageStatus: string; images: { id: string }[] }[] };
type PurchaseOrder = { status: string; drafts: { id: string; title: string; images: { id: string; status: string }[] }[] };

const allImagesIn = (review: Review) =>
  review.status === "open" && review.products.length === 8 && review.products.every((p) => p.imageStatus !== "pending");

describe("auditing a purchase order's streams", () => {
  let t: TestSystem;
  let purchaseOrderId: string;
  let tent: Review["products"][number];
  let deleted: Review["products"][number];
  /** The log's head just before the deletion, and the time then. */
  let beforeDeletion: { position: bigint; time: string };
  let afterDeletion: { position: bigint; time: string };

  const get = async <T>(path: string, as: { key: string } = merchantA) => {
    const response = await t.api(path, { as });
    return { status: response.status, body: (await response.json()) as T };
  };
  const head = async () => (await t.system.store.headPosition())!;

  beforeAll(async () => {
    t = await startTestSystem();
    const upload = await t.upload("acme-outdoor.csv", await readFile("samples/acme-outdoor.csv"));
    purchaseOrderId = ((await upload.json()) as { id: string }).id;
    const review = await t.eventually<Review>(`/purchase-orders/${purchaseOrderId}/review`, allImagesIn);
    tent = review.products.find((p) => p.title.startsWith("Trailhead Tent"))!;
    deleted = review.products.find((p) => p !== tent && p.images.length > 0)!;
    const json = { "content-type": "application/json" };
    expect(
      (await t.api(`/drafts/${tent.draftId}`, { method: "PATCH", headers: json, body: JSON.stringify({ title: "Trailhead Tent XL" }) }))
        .status,
    ).toBe(200);
    expect((await t.api(`/drafts/${tent.draftId}/images/${tent.images[0]!.id}/approve`, { method: "POST" })).status).toBe(200);
    await t.system.projected(await head());
    beforeDeletion = { position: await head(), time: new Date().toISOString() };
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await t.api(`/drafts/${deleted.draftId}`, { method: "DELETE" })).status).toBe(204);
    afterDeletion = { position: await head(), time: new Date(Date.now() + 5).toISOString() };
    await t.system.projected(afterDeletion.position);
  }, 60_000);
  afterAll(() => t.stop());

  it("shows each event of a draft's stream with its metadata, the state after it and the fields it changed", async () => {
    const { status, body } = await get<Page>(`/streams/draft-${tent.draftId}`);
    expect(status).toBe(200);
    const types = body.events.map((e) => e.type);
    expect(types).toEqual(["DraftCreated", "ImageSearchCompleted", "ImagesAttached", "DraftUpdated", "ImageApproved"]);
    expect(body.events.map((e) => e.revision)).toEqual(["0", "1", "2", "3", "4"]);
    const [created, , , updated, approved] = body.events;
    expect(created!.metadata).toMatchObject({
      merchantId: merchantA.merchantId,
      correlationId: purchaseOrderId,
      actor: "merchant:merchant-a",
      schemaVersion: 1,
    });
    expect(Number.isNaN(Date.parse(created!.time))).toBe(false);
    expect(BigInt(updated!.position)).toBeGreaterThan(BigInt(created!.position));
    expect(created!.state).toMatchObject({ status: "active", title: expect.stringMatching(/^Trailhead Tent/) });
    expect(updated!.diff).toEqual([
      { path: "title", before: tent.title, after: "Trailhead Tent XL" },
      // The draft counts its edits, so a product published before this one shows as changed since.
      { path: "edits", before: 0, after: 1 },
    ]);
    expect(updated!.state).toMatchObject({ title: "Trailhead Tent XL" });
    expect(approved!.diff).toEqual([{ path: "images[0].decision", before: "pending", after: "approved" }]);
  });

  it("pages a stream both ways by the links it answers with", async () => {
    const first = (await get<Page>(`/streams/draft-${tent.draftId}?limit=2`)).body;
    expect(first.events.map((e) => e.revision)).toEqual(["0", "1"]);
    expect(first.previous).toBeNull();
    const second = (await get<Page>(first.next!)).body;
    expect(second.events.map((e) => e.revision)).toEqual(["2", "3"]);
    const back = (await get<Page>(second.previous!)).body;
    expect(back.events.map((e) => e.revision)).toEqual(["1", "0"]);
    expect(back.previous).toBeNull();
    const newest = (await get<Page>(`/streams/draft-${tent.draftId}?direction=backwards&limit=2`)).body;
    expect(newest.events.map((e) => e.revision)).toEqual(["4", "3"]);
    expect(newest.next).toBeNull();
    // The state after an event on a later page is still folded from the stream's start.
    const attached = (await get<Page>(newest.previous!)).body.events[0]!;
    expect(attached).toMatchObject({ type: "ImagesAttached", state: { status: "active", attachedSearchIds: [expect.any(String)] } });
    expect(attached.state!.images).toEqual(expect.arrayContaining([{ imageId: tent.images[0]!.id, decision: "pending" }]));
  });

  it("links each event to what caused it (an event, or the request) and to what it caused", async () => {
    const draft = (await get<Page>(`/streams/draft-${tent.draftId}`)).body.events;
    const [created, search, , updated] = draft;
    expect(created!.causedBy).toMatchObject({ kind: "request", actor: "merchant:merchant-a" });
    expect(created!.causedBy!.wrote!.map((r) => r.type)).toEqual(
      expect.arrayContaining(["PurchaseOrderUploaded", "DraftsCreated", "DraftCreated"]),
    );
    expect(updated!.causedBy).toMatchObject({ kind: "request", wrote: [expect.objectContaining({ id: updated!.id })] });
    expect(search!.causedBy).toMatchObject({ kind: "event", type: "DraftsCreated", streamName: `po-${purchaseOrderId}` });
    const cause = (await get<Page>(search!.causedBy!.href!)).body.events[0]!;
    expect(cause.type).toBe("DraftsCreated");
    expect(cause.caused.map((r) => r.id)).toContain(search!.id);
  });

  it("shows the stage log's events without a state: it has no decider", async () => {
    const { body } = await get<Page>(`/streams/workflow-${purchaseOrderId}?limit=200`);
    expect(body.events.length).toBeGreaterThan(10);
    expect(body.events.every((e) => e.state === undefined && e.diff === undefined)).toBe(true);
  });

  it("tells the whole PO's story in log order, each draft's stream included", async () => {
    const { body } = await get<Page>(`/audit/purchase-orders/${purchaseOrderId}/history?limit=200`);
    const streams = new Set(body.events.map((e) => e.streamName));
    expect(streams).toEqual(
      new Set([
        `po-${purchaseOrderId}`,
        `workflow-${purchaseOrderId}`,
        `review-${purchaseOrderId}`,
        ...Array.from(streams).filter((s) => s.startsWith("draft-")),
      ]),
    );
    expect([...streams].filter((s) => s.startsWith("draft-"))).toHaveLength(8);
    const positions = body.events.map((e) => BigInt(e.position));
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)));
    // The deletion is its draft's last event (processors may still log stages after it).
    expect(body.events.filter((e) => e.streamName.startsWith("draft-")).at(-1)).toMatchObject({
      type: "DraftDeleted",
      diff: [{ path: "status", before: "active", after: "deleted" }],
    });
    const first = (await get<Page>(`/audit/purchase-orders/${purchaseOrderId}/history?limit=5`)).body;
    expect(first.events.map((e) => e.id)).toEqual(body.events.slice(0, 5).map((e) => e.id));
    const second = (await get<Page>(first.next!)).body;
    expect(second.events.map((e) => e.id)).toEqual(body.events.slice(5, 10).map((e) => e.id));
    const back = (await get<Page>(second.previous!)).body;
    expect(back.events.map((e) => e.id)).toEqual(
      body.events
        .slice(0, 5)
        .map((e) => e.id)
        .reverse(),
    );
    expect(back.previous).toBeNull();
  });

  it("answers the PO as of a position or a time: before the deletion the draft is there, after it is not", async () => {
    const asOf = async (when: string) =>
      (await get<PurchaseOrder>(`/purchase-orders/${purchaseOrderId}?asOf=${encodeURIComponent(when)}`)).body;
    for (const [before, after] of [
      [beforeDeletion.position.toString(), afterDeletion.position.toString()],
      [beforeDeletion.time, afterDeletion.time],
    ]) {
      expect((await asOf(before!)).drafts.map((d) => d.id)).toContain(deleted.draftId);
      expect((await asOf(after!)).drafts.map((d) => d.id)).not.toContain(deleted.draftId);
    }
    const then = await asOf(beforeDeletion.position.toString());
    expect(then.drafts.find((d) => d.id === tent.draftId)).toMatchObject({
      title: "Trailhead Tent XL",
      images: expect.arrayContaining([expect.objectContaining({ id: tent.images[0]!.id, status: "approved" })]),
    });
    const draftsCreated = (await get<Page>(`/streams/po-${purchaseOrderId}`)).body.events.find((e) => e.type === "DraftsCreated")!;
    const atUpload = await asOf(draftsCreated.position);
    expect(atUpload.drafts.find((d) => d.id === tent.draftId)).toMatchObject({ title: tent.title, images: [] });
  });

  it("rebuilds today's PO from the log as the read models show it", async () => {
    const live = (await get<PurchaseOrder & Record<string, unknown>>(`/purchase-orders/${purchaseOrderId}`)).body;
    const rebuilt = (await get<PurchaseOrder & Record<string, unknown>>(`/purchase-orders/${purchaseOrderId}?asOf=${await head()}`)).body;
    for (const field of [
      "status",
      "progress",
      "fileName",
      "contentType",
      "sha256",
      "sizeBytes",
      "uploadedAt",
      "parseErrors",
      "columnMapping",
      "warnings",
      "lineItems",
      "timeline",
      "stages",
      "drafts",
    ])
      expect({ field, value: rebuilt[field] }).toEqual({ field, value: live[field] });
  });

  it("answers 404 to another merchant on every audit route, and $all only to the admin key", async () => {
    for (const path of [
      `/streams/draft-${tent.draftId}`,
      `/streams/po-${purchaseOrderId}`,
      `/streams/workflow-${purchaseOrderId}`,
      `/streams/review-${purchaseOrderId}`,
      `/audit/purchase-orders/${purchaseOrderId}/history`,
      `/audit/purchase-orders/${purchaseOrderId}?asOf=${afterDeletion.position}`,
      `/purchase-orders/${purchaseOrderId}?asOf=${afterDeletion.position}`,
      "/audit/all",
      "/streams/$all",
    ]) {
      const { status, body } = await get<{ error: string }>(path, merchantB);
      expect({ path, status, error: body.error }).toEqual({ path, status: 404, error: "not_found" });
    }
    expect((await get<Page>("/audit/all", merchantA)).status).toBe(404);
    expect((await get<Page>(`/streams/draft-${tent.draftId}`, { key: adminKey })).status).toBe(200);
  });

  it("reads $all for the admin by position, both ways, and by time range", async () => {
    const admin = { key: adminKey };
    const first = (await get<Page>("/audit/all?limit=3", admin)).body;
    expect(first.events).toHaveLength(3);
    const second = (await get<Page>(first.next!, admin)).body;
    expect(BigInt(second.events[0]!.position)).toBeGreaterThan(BigInt(first.events[2]!.position));
    const back = (await get<Page>(second.previous!, admin)).body;
    expect(back.events.map((e) => e.id)).toEqual(first.events.map((e) => e.id).reverse());
    const range = (await get<Page>(`/audit/all?since=${encodeURIComponent(beforeDeletion.time)}&limit=200`, admin)).body;
    expect(range.events.map((e) => e.type)).toContain("DraftDeleted");
    expect(range.events.map((e) => e.type)).not.toContain("PurchaseOrderUploaded");
    const until = (await get<Page>(`/audit/all?until=${encodeURIComponent(beforeDeletion.time)}&direction=backwards&limit=200`, admin))
      .body;
    expect(until.events.map((e) => e.type)).not.toContain("DraftDeleted");
    expect(until.events.map((e) => e.type)).toContain("PurchaseOrderUploaded");
  });

  it("does the same from the CLI: history of a stream, and the PO as of a position", async () => {
    const lines: string[] = [];
    const env = { ADMIN_KEY: adminKey, PO_PIPELINE_URL: t.baseUrl };
    expect(await runCli(["audit", "history", `draft-${tent.draftId}`], env, (line) => lines.push(line))).toBe(0);
    expect(lines.join("\n")).toMatch(
      /DraftUpdated by merchant:merchant-a \(request [0-9a-f-]+\)\n {4}title: "Trailhead Tent[^"]*" → "Trailhead Tent XL"/,
    );
    lines.length = 0;
    expect(await runCli(["audit", "as-of", purchaseOrderId, beforeDeletion.position.toString()], env, (line) => lines.push(line))).toBe(0);
    expect((JSON.parse(lines.join("\n")) as PurchaseOrder).drafts.map((d) => d.id)).toContain(deleted.draftId);
    lines.length = 0;
    const asB = { ...env, PO_PIPELINE_KEY: merchantB.key };
    expect(await runCli(["audit", "history", `draft-${tent.draftId}`], asB, (line) => lines.push(line))).toBe(1);
    expect(lines.join("\n")).toContain("not_found");
  });

  it("answers an empty page past either end of a stream", async () => {
    for (const path of [`/streams/draft-${tent.draftId}?from=9999999999999`, `/streams/workflow-${purchaseOrderId}?from=9999999999999`]) {
      const { status, body } = await get<Page>(path);
      expect({ path, status, events: body.events, next: body.next }).toEqual({ path, status: 200, events: [], next: null });
    }
  });

  it("links an event of an $all page to its cause there, or to its own stream's page where the cause is elsewhere", async () => {
    const page = (await get<Page>("/audit/all?direction=backwards&limit=1", { key: adminKey })).body;
    const [newest] = page.events;
    expect(newest!.causedBy).toMatchObject({ kind: "elsewhere", href: expect.stringMatching(/^\/streams\//) });
    const inItsStream = (await get<Page>(newest!.causedBy!.href!, { key: adminKey })).body.events[0]!;
    expect(inItsStream.id).toBe(newest!.id);
    expect(inItsStream.causedBy!.kind).toMatch(/^(event|request)$/);
  });

  it("refuses a malformed cursor or moment saying where", async () => {
    const cursor = await get<{ error: string; message: string }>(`/streams/draft-${tent.draftId}?from=abc`);
    expect(cursor).toMatchObject({ status: 400, body: { message: expect.stringContaining("from") } });
    const byTime = await get<{ issues: { path: string }[] }>(`/streams/draft-${tent.draftId}?since=2026-01-01T00:00:00Z`);
    expect(byTime).toMatchObject({ status: 422, body: { issues: [{ path: "querystring.since" }] } });
    const moment = await get<{ error: string; message: string }>(`/purchase-orders/${purchaseOrderId}?asOf=yesterday`);
    expect(moment).toMatchObject({ status: 400, body: { message: expect.stringContaining("asOf") } });
  });
});
