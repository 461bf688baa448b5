import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { merchantB, startTestSystem, type TestSystem } from "../support/system.ts";
import { readServerSentEvents } from "../support/serverSentEvents.ts";

type Review = {
  status: string;
  summary: { drafts: number; images: number; approved: number; rejected: number; pending: number };
  products: {
    draftId: string;
    title: string;
    imageStatus: string;
    primaryImageId: string | null;
    images: { id: string; decision: string; isPrimary: boolean }[];
  }[];
};

const allImagesIn = (review: Review) =>
  review.status === "open" && review.products.length === 8 && review.products.every((p) => p.imageStatus !== "pending");

describe("image review over HTTP", () => {
  let t: TestSystem;
  let purchaseOrderId: string;
  let review: Review;
  beforeAll(async () => {
    t = await startTestSystem();
    const upload = await t.upload("acme-outdoor.csv", await readFile("samples/acme-outdoor.csv"));
    purchaseOrderId = ((await upload.json()) as { id: string }).id;
    review = await t.eventually<Review>(`/purchase-orders/${purchaseOrderId}/review`, allImagesIn);
  });
  afterAll(() => t.stop());

  const post = (path: string, body?: unknown) =>
    t.api(path, {
      method: "POST",
      ...(body !== undefined && { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });

  it("opens with the first images and lists every draft with its candidates, all undecided", () => {
    expect(review.summary).toMatchObject({ drafts: 8, approved: 0, rejected: 0 });
    expect(review.summary.pending).toBe(review.summary.images);
    const tent = review.products.find((p) => p.title.startsWith("Trailhead Tent"))!;
    expect(tent.imageStatus).toBe("found");
    expect(tent.images).toHaveLength(2);
  });

  it("is opened once, with one stage-log entry, though each of the eight drafts' images asked for it", async () => {
    await t.system.projected((await t.system.store.headPosition())!);
    const opened = (await t.system.store.readStream(`review-${purchaseOrderId}`)).map((e) => e.type);
    expect(opened).toEqual(["ReviewSessionOpened"]);
    const stageLog = await t.system.store.readStream(`workflow-${purchaseOrderId}`);
    const openReview = stageLog.filter((e) => (e.data as { stage: string }).stage === "open_review").map((e) => e.type);
    expect(openReview).toEqual(["StageStarted", "StageCompleted"]);
  });

  it("approves, rejects and picks a primary image, each recorded once", async () => {
    const tent = review.products.find((p) => p.title.startsWith("Trailhead Tent"))!;
    const [first, second] = tent.images;
    const approved = await post(`/drafts/${tent.draftId}/images/${first!.id}/approve`);
    expect(approved.status).toBe(200);
    expect(((await approved.json()) as Review["products"][0]).images[0]!.decision).toBe("approved");

    const primary = (await (await post(`/drafts/${tent.draftId}/images/${second!.id}/primary`)).json()) as Review["products"][0];
    expect(primary.primaryImageId).toBe(second!.id);
    expect(primary.images.map((i) => [i.decision, i.isPrimary])).toEqual([
      ["approved", false],
      ["approved", true],
    ]);

    const rejected = (await (
      await post(`/drafts/${tent.draftId}/images/${second!.id}/reject`, { reason: "wrong colour" })
    ).json()) as Review["products"][0];
    expect(rejected.primaryImageId).toBeNull();
    expect(rejected.images[1]!.decision).toBe("rejected");

    const again = await post(`/drafts/${tent.draftId}/images/${second!.id}/reject`);
    expect(again.status).toBe(200);
    const decisions = (await t.system.store.readStream(`draft-${tent.draftId}`))
      .map((e) => e.type)
      .filter((type) => type.startsWith("Image") || type.startsWith("Primary"));
    expect(decisions).toEqual([
      "ImageSearchCompleted",
      "ImagesAttached",
      "ImageApproved",
      "ImageApproved",
      "PrimaryImageSelected",
      "ImageRejected",
    ]);
  });

  it("approves what is left, leaves a deleted draft out, and completes", async () => {
    const [gone, ...rest] = review.products.filter((p) => !p.title.startsWith("Trailhead Tent"));
    expect((await t.api(`/drafts/${gone!.draftId}`, { method: "DELETE" })).status).toBe(204);
    const body = (await (await post(`/purchase-orders/${purchaseOrderId}/review/approve-remaining`)).json()) as {
      approved: number;
      review: Review;
    };
    expect(body.approved).toBe(rest.flatMap((p) => p.images).length);
    expect(body.review.products.map((p) => p.draftId)).not.toContain(gone!.draftId);
    expect(body.review.summary.pending).toBe(0);

    const completed = (await (await post(`/purchase-orders/${purchaseOrderId}/review/complete`)).json()) as Review;
    expect(completed.status).toBe("completed");
    expect((await post(`/purchase-orders/${purchaseOrderId}/review/complete`)).status).toBe(200);
  });

  it("says what is wrong with an unknown image, another merchant's draft or PO, and a bad id", async () => {
    const tent = review.products[0]!;
    const unknownImage = await post(`/drafts/${tent.draftId}/images/00000000-0000-4000-8000-000000000000/approve`);
    expect(unknownImage.status).toBe(404);
    expect(((await unknownImage.json()) as { message: string }).message).toContain("Image 00000000-0000-4000-8000-000000000000");
    const foreign = await t.api(`/drafts/${tent.draftId}/images/${tent.images[0]!.id}/approve`, { method: "POST", as: merchantB });
    expect(foreign.status).toBe(404);
    expect((await t.api(`/purchase-orders/${purchaseOrderId}/review`, { as: merchantB })).status).toBe(404);
    expect((await t.api(`/purchase-orders/${purchaseOrderId}/review/complete`, { method: "POST", as: merchantB })).status).toBe(404);
    const badId = await post(`/drafts/not-a-uuid/images/${tent.images[0]!.id}/approve`);
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as { message: string }).message).toContain("draftId");
  });
});

describe("a PO none of whose products has images", () => {
  let t: TestSystem;
  beforeAll(async () => (t = await startTestSystem()));
  afterAll(() => t.stop());

  it("has no session to open, and says so for each draft", async () => {
    const upload = await t.upload("unknown.csv", "SKU,Description,Qty\nZZ-NOTHING-1,A product no catalog has,1\n");
    const { id } = (await upload.json()) as { id: string };
    const review = await t.eventually<Review>(
      `/purchase-orders/${id}/review`,
      (r) => r.products.length === 1 && r.products[0]!.imageStatus !== "pending",
    );
    expect(review.status).toBe("waiting_for_images");
    expect(review.products[0]!.imageStatus).toBe("none_found");
    expect((await t.api(`/purchase-orders/${id}/review/approve-remaining`, { method: "POST" })).status).toBe(404);
  });
});

describe("a PO's progress as server-sent events", () => {
  let t: TestSystem;
  beforeAll(async () => (t = await startTestSystem()));
  afterAll(() => t.stop());

  it("replays the PO's history, then goes live, and resumes after Last-Event-ID", async () => {
    const upload = await t.upload("acme-outdoor.csv", await readFile("samples/acme-outdoor.csv"));
    const { id } = (await upload.json()) as { id: string };
    const live = await readServerSentEvents(`${t.baseUrl}/purchase-orders/${id}/events`, { authorization: "Bearer key-of-merchant-a" });
    const firstEight = await live.until((events) => events.filter((e) => e.event === "ImagesAttached").length === 8);
    expect(firstEight[0]!.event).toBe("PurchaseOrderUploaded");
    expect(firstEight.map((e) => e.event)).toContain("DraftsCreated");
    const positions = firstEight.map((e) => BigInt(e.id!));
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)));

    // Whatever the stream announced is already in the read models.
    const created = firstEight.find((e) => e.event === "DraftsCreated")!;
    const po = (await (await t.api(`/purchase-orders/${id}`)).json()) as { drafts: unknown[] };
    expect(po.drafts).toHaveLength(8);

    const draftId = (JSON.parse(created.data) as { data: { drafts: { draftId: string }[] } }).data.drafts[0]!.draftId;
    const lastSeen = firstEight.at(-1)!.id!;
    live.close();
    await t.api(`/drafts/${draftId}`, { method: "DELETE" });
    const resumed = await readServerSentEvents(`${t.baseUrl}/purchase-orders/${id}/events`, {
      authorization: "Bearer key-of-merchant-a",
      "last-event-id": lastSeen,
    });
    const after = await resumed.until((events) => events.some((e) => e.event === "DraftDeleted"));
    resumed.close();
    expect(after.every((e) => BigInt(e.id!) > BigInt(lastSeen))).toBe(true);
  });

  it("does not stream another merchant's PO, nor take a made-up Last-Event-ID", async () => {
    const upload = await t.upload("acme-outdoor.csv", await readFile("samples/acme-outdoor.csv"));
    const { id } = (await upload.json()) as { id: string };
    expect((await t.api(`/purchase-orders/${id}/events`, { as: merchantB })).status).toBe(404);
    const bad = await t.api(`/purchase-orders/${id}/events`, { headers: { "last-event-id": "yesterday" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain("last-event-id");
    expect((await t.api(`/purchase-orders/${id}/events?lastEventId=${"9".repeat(19)}`)).status).toBe(400);
  });
});
