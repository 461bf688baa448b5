import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemoryEventStore } from "../../src/eventstore/memory.ts";
import { testMetadata } from "../../src/testing/givenWhenThen.ts";
import { merchantA, merchantB, startTestSystem, type TestSystem } from "../support/system.ts";

type Image = { id: string; status: string; isPrimary: boolean };
type Draft = { id: string; title: string; revision: number; images: Image[] };
type Review = { status: string; products: { draftId: string; title: string; imageStatus: string; images: { id: string }[] }[] };

const allImagesIn = (review: Review) =>
  review.status === "open" && review.products.length === 8 && review.products.every((p) => p.imageStatus !== "pending");

/** Through Fastify's inject, as a merchant; JSON in, JSON out. */
function requester(t: TestSystem) {
  return async (
    method: "GET" | "PATCH" | "DELETE" | "POST",
    url: string,
    options: { body?: unknown; ifMatch?: string; as?: { key: string } } = {},
  ) => {
    const response = await t.system.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${(options.as ?? merchantA).key}`,
        ...(options.ifMatch !== undefined && { "if-match": options.ifMatch }),
        ...(options.body !== undefined && { "content-type": "application/json" }),
      },
      ...(options.body !== undefined && { payload: JSON.stringify(options.body) }),
    });
    return { status: response.statusCode, etag: response.headers.etag, body: response.body ? response.json() : undefined };
  };
}

async function uploadedDrafts(t: TestSystem) {
  const upload = await t.upload("acme-outdoor.csv", await readFile("samples/acme-outdoor.csv"));
  const { id } = (await upload.json()) as { id: string };
  return t.eventually<Review>(`/purchase-orders/${id}/review`, allImagesIn);
}

describe("a draft over HTTP", () => {
  let t: TestSystem;
  let request: ReturnType<typeof requester>;
  let review: Review;
  beforeAll(async () => {
    t = await startTestSystem();
    request = requester(t);
    review = await uploadedDrafts(t);
  });
  afterAll(() => t.stop());

  const draftOf = (prefix: string) => review.products.find((p) => p.title.startsWith(prefix))!;
  const streamRevision = async (draftId: string) => (await t.system.store.readStream(`draft-${draftId}`)).at(-1)!.revision;
  const eventsOf = async (draftId: string) => (await t.system.store.readStream(`draft-${draftId}`)).map((e) => e.type);

  it("is sent with its stream's revision as its ETag, which every event of the draft advances", async () => {
    const tent = draftOf("Trailhead Tent");
    const before = await request("GET", `/drafts/${tent.draftId}`);
    expect(before.status).toBe(200);
    expect(before.etag).toBe(`"${await streamRevision(tent.draftId)}"`);
    expect((before.body as Draft).revision).toBe(Number(await streamRevision(tent.draftId)));

    expect((await request("POST", `/drafts/${tent.draftId}/images/${tent.images[0]!.id}/approve`)).status).toBe(200);
    const after = await request("GET", `/drafts/${tent.draftId}`);
    expect(after.etag).toBe(`"${(before.body as Draft).revision + 1}"`);
    expect(after.etag).toBe(`"${await streamRevision(tent.draftId)}"`);
  });

  it("shows each image's review decision and which one is primary", async () => {
    const tent = draftOf("Basecamp Tent");
    const [first, second] = tent.images.map((i) => i.id);
    const images = async () =>
      ((await request("GET", `/drafts/${tent.draftId}`)).body as Draft).images.map((i) => [i.id, i.status, i.isPrimary]);
    expect(await images()).toEqual([
      [first, "pending", false],
      [second, "pending", false],
    ]);

    await request("POST", `/drafts/${tent.draftId}/images/${first}/approve`);
    expect(await images()).toEqual([
      [first, "approved", false],
      [second, "pending", false],
    ]);

    await request("POST", `/drafts/${tent.draftId}/images/${second}/primary`);
    expect(await images()).toEqual([
      [first, "approved", false],
      [second, "approved", true],
    ]);

    await request("POST", `/drafts/${tent.draftId}/images/${first}/primary`);
    expect(await images()).toEqual([
      [first, "approved", true],
      [second, "approved", false],
    ]);

    await request("POST", `/drafts/${tent.draftId}/images/${first}/reject`, { body: { reason: "blurry" } });
    expect(await images()).toEqual([
      [first, "rejected", false],
      [second, "approved", false],
    ]);
  });

  it("refuses an edit under a stale If-Match with 412 and both revisions, and writes nothing", async () => {
    const pack = draftOf("Ridge Backpack");
    const seen = await request("GET", `/drafts/${pack.draftId}`);
    await request("POST", `/drafts/${pack.draftId}/images/${pack.images[0]!.id}/approve`);
    const events = await eventsOf(pack.draftId);

    const stale = await request("PATCH", `/drafts/${pack.draftId}`, { body: { title: "Ridge Backpack 45L, moss" }, ifMatch: seen.etag });
    expect(stale.status).toBe(412);
    const given = (seen.body as Draft).revision;
    expect(stale.body).toMatchObject({ error: "precondition_failed", revisions: { given, current: given + 1 } });
    expect(await eventsOf(pack.draftId)).toEqual(events);
    expect(((await request("GET", `/drafts/${pack.draftId}`)).body as Draft).title).toBe("Ridge Backpack 45 L, forest green");
  });

  it("takes an edit under the current If-Match and answers with the edited draft and its new ETag", async () => {
    const lamp = draftOf("Summit Headlamp");
    const seen = await request("GET", `/drafts/${lamp.draftId}`);
    const edited = await request("PATCH", `/drafts/${lamp.draftId}`, { body: { title: "Summit Headlamp 350 lumen" }, ifMatch: seen.etag });
    expect(edited.status).toBe(200);
    expect((edited.body as Draft).title).toBe("Summit Headlamp 350 lumen");
    expect(edited.etag).toBe(`"${(seen.body as Draft).revision + 1}"`);
    expect(await eventsOf(lamp.draftId)).toContain("DraftUpdated");
  });

  it("edits and deletes without If-Match as before, and takes * as any revision", async () => {
    const stove = draftOf("Pocket Camp Stove");
    expect((await request("PATCH", `/drafts/${stove.draftId}`, { body: { quantity: 30 } })).status).toBe(200);
    expect((await request("PATCH", `/drafts/${stove.draftId}`, { body: { quantity: 31 }, ifMatch: "*" })).status).toBe(200);
    expect((await request("DELETE", `/drafts/${stove.draftId}`)).status).toBe(204);
  });

  it("deletes only under the current If-Match; a stale one leaves the draft where it was", async () => {
    const bag = draftOf("Sleeping Bag");
    const seen = await request("GET", `/drafts/${bag.draftId}`);
    await request("PATCH", `/drafts/${bag.draftId}`, { body: { quantity: 16 } });

    const stale = await request("DELETE", `/drafts/${bag.draftId}`, { ifMatch: seen.etag });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ revisions: { given: (seen.body as Draft).revision, current: (seen.body as Draft).revision + 1 } });
    expect((await request("GET", `/drafts/${bag.draftId}`)).status).toBe(200);

    const current = await request("GET", `/drafts/${bag.draftId}`);
    expect((await request("DELETE", `/drafts/${bag.draftId}`, { ifMatch: current.etag })).status).toBe(204);
    expect((await request("GET", `/drafts/${bag.draftId}`)).status).toBe(404);
  });

  it("answers another merchant's draft with 404 whatever the If-Match, and a malformed If-Match with 400", async () => {
    const bottle = draftOf("Insulated Bottle");
    const seen = await request("GET", `/drafts/${bottle.draftId}`);
    expect((await request("PATCH", `/drafts/${bottle.draftId}`, { body: { quantity: 1 }, ifMatch: '"0"', as: merchantB })).status).toBe(
      404,
    );
    expect((await request("DELETE", `/drafts/${bottle.draftId}`, { ifMatch: seen.etag, as: merchantB })).status).toBe(404);
    const malformed = await request("PATCH", `/drafts/${bottle.draftId}`, { body: { quantity: 1 }, ifMatch: `W/${seen.etag}` });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: "invalid_request" });
    expect(await eventsOf(bottle.draftId)).not.toContain("DraftUpdated");
  });
});

describe("a draft whose stream holds an event our schemas refuse", () => {
  const log = new InMemoryEventStore();
  let t: TestSystem;
  let request: ReturnType<typeof requester>;
  let draftId: string;
  beforeAll(async () => {
    t = await startTestSystem({ eventLog: { store: log } });
    request = requester(t);
    draftId = (await uploadedDrafts(t)).products[0]!.draftId;
    // Written past the validating store, as an older version or another writer might have.
    const [last] = await log.readStream(`draft-${draftId}`, { direction: "backwards", maxCount: 1 });
    await log.appendToStream(
      `draft-${draftId}`,
      [{ id: randomUUID(), type: "DraftCreated", data: { draftId }, metadata: testMetadata() }],
      { expectedRevision: last!.revision },
    );
  });
  afterAll(() => t.stop());

  it("answers a command on it with 500, not a 4xx: the fault is in the log, not in the request", async () => {
    const edit = await request("PATCH", `/drafts/${draftId}`, { body: { quantity: 2 } });
    expect(edit.status).toBe(500);
    expect(edit.body).toMatchObject({ error: "internal" });
    expect((await log.readStream(`draft-${draftId}`)).map((e) => e.type)).not.toContain("DraftUpdated");
  });
});
