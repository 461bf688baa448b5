import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schemaVersionOf } from "../../src/domain/metadata.ts";
import { DomainEvent } from "../../src/domain/events.ts";
import { UndecodableEvent, ValidationError } from "../../src/errors.ts";
import { decodeEvent } from "../../src/eventlog/decodeEvent.ts";
import { upcasters } from "../../src/eventlog/upcasters.ts";
import { PostgresEventStore } from "../../src/eventstore/postgres.ts";
import { merchantA, startTestSystem, type TestSystem } from "../support/system.ts";
import { rebuiltReadModels, snapshotReadModels } from "../support/readModels.ts";

type Review = { status: string; completedBy: string | null; products: { imageStatus: string }[] };
type Entry = {
  type: string;
  data: Record<string, unknown>;
  metadata: { schemaVersion: number };
  readAsSchemaVersion?: number;
  state?: unknown;
};

const reviewReady = (review: Review) =>
  review.status === "open" && review.products.length === 8 && review.products.every((p) => p.imageStatus !== "pending");

/**
 * ReviewCompleted went from v1 (`completedBy: "merchant:<id>"`) to v2 (`reviewer: { kind, id }`). A
 * log holding both is read as v2 by every reader, and the v1 event is never rewritten.
 */
describe("an event type's schema versions", () => {
  let t: TestSystem;
  /** Completed by the app today (v2), and by an older build (v1, written straight into the log). */
  let [current, old] = ["", ""];
  let oldEventId: string;

  const upload = async () => {
    const response = await t.upload("acme-outdoor.csv", await readFile("samples/acme-outdoor.csv"));
    const { id } = (await response.json()) as { id: string };
    await t.eventually<Review>(`/purchase-orders/${id}/review`, reviewReady);
    return id;
  };

  beforeAll(async () => {
    t = await startTestSystem();
    [current, old] = [await upload(), await upload()];
    expect((await t.api(`/purchase-orders/${current}/review/complete`, { method: "POST" })).status).toBe(200);
    const raw = new PostgresEventStore(t.database.url);
    oldEventId = randomUUID();
    await raw.appendToStream(
      `review-${old}`,
      [
        {
          id: oldEventId,
          type: "ReviewCompleted",
          data: { purchaseOrderId: old, merchantId: merchantA.merchantId, completedBy: "merchant:merchant-a" },
          metadata: {
            merchantId: merchantA.merchantId,
            correlationId: old,
            causationId: randomUUID(),
            actor: "merchant:merchant-a",
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision: 0n },
    );
    await raw.close();
    await t.system.projected((await t.system.store.headPosition())!);
  }, 60_000);
  let stopped = false;
  afterAll(async () => {
    if (!stopped) await t.system.stop();
    await t.database.close();
  });

  it("keeps the old event as it was written", async () => {
    const [, written] = await t.system.store.readStream(`review-${old}`);
    expect(written).toMatchObject({ id: oldEventId, data: { completedBy: "merchant:merchant-a" }, metadata: { schemaVersion: 1 } });
    const [, today] = await t.system.store.readStream(`review-${current}`);
    expect(today).toMatchObject({ data: { reviewer: { kind: "merchant", id: "merchant-a" } }, metadata: { schemaVersion: 2 } });
  });

  it("is projected from either version alike", async () => {
    for (const id of [current, old]) {
      const review = (await (await t.api(`/purchase-orders/${id}/review`)).json()) as Review;
      expect(review).toMatchObject({ status: "completed", completedBy: "merchant:merchant-a" });
    }
  });

  it("is folded by the decider as v2: completing the old review again records nothing", async () => {
    expect((await t.api(`/purchase-orders/${old}/review/complete`, { method: "POST" })).status).toBe(200);
    expect((await t.system.store.readStream(`review-${old}`)).map((e) => e.type)).toEqual(["ReviewSessionOpened", "ReviewCompleted"]);
  });

  it("is shown by the history as v2, saying which version it was written in", async () => {
    const { events } = (await (await t.api(`/streams/review-${old}`)).json()) as { events: Entry[] };
    expect(events[1]).toMatchObject({
      type: "ReviewCompleted",
      data: { reviewer: { kind: "merchant", id: "merchant-a" } },
      metadata: { schemaVersion: 1 },
      readAsSchemaVersion: 2,
      state: { status: "completed", reviewer: { kind: "merchant", id: "merchant-a" } },
    });
    expect(events[1]!.data).not.toHaveProperty("completedBy");
  });

  it("is rebuilt as of any moment as v2", async () => {
    const head = (await t.system.store.headPosition())!;
    const asOf = (await (await t.api(`/purchase-orders/${old}?asOf=${head}`)).json()) as { review: unknown };
    expect(asOf.review).toEqual({ status: "completed", completedBy: "merchant:merchant-a" });
  });

  it("is appended in an older version as written (a log carried over), checked as its readers will read it", async () => {
    const purchaseOrderId = randomUUID();
    const event = (completedBy: unknown, schemaVersion: number) => ({
      id: randomUUID(),
      type: "ReviewCompleted",
      data: { purchaseOrderId, merchantId: "m", completedBy },
      metadata: { merchantId: "m", correlationId: purchaseOrderId, causationId: "c", actor: "merchant:m", schemaVersion },
    });
    const refusal = (append: Promise<unknown>) =>
      append.then(
        () => undefined,
        (error: ValidationError) => error.issues.map((i) => i.path),
      );
    expect(await refusal(t.system.store.appendToStream(`review-${purchaseOrderId}`, [event("nobody", 1)]))).toEqual(["data.reviewer"]);
    expect(await refusal(t.system.store.appendToStream(`review-${purchaseOrderId}`, [event("merchant:m", 3)]))).toContain(
      "metadata.schemaVersion",
    );
    expect(await refusal(t.system.store.appendToStream(`review-${purchaseOrderId}`, [event("merchant:m", 1)]))).toBeUndefined();
    const [written] = await t.system.store.readStream(`review-${purchaseOrderId}`);
    expect(written).toMatchObject({ data: { completedBy: "merchant:m" }, metadata: { schemaVersion: 1 } });
    expect(decodeEvent(written!).event.data).toEqual({ purchaseOrderId, merchantId: "m", reviewer: { kind: "merchant", id: "m" } });
  });

  it("refuses to guess at a version newer than this build reads", () => {
    const newer = {
      id: randomUUID(),
      type: "ReviewCompleted",
      data: { purchaseOrderId: old, merchantId: "m", reviewer: { kind: "merchant", id: "m" } },
      metadata: { merchantId: "m", correlationId: "c", causationId: "c", actor: "merchant:m", schemaVersion: 3 },
      streamName: `review-${old}`,
      revision: 1n,
      position: 1n,
      created: new Date(),
    };
    expect(() => decodeEvent(newer)).toThrow(UndecodableEvent);
  });

  it("has an upcaster for every old version of every event type", () => {
    for (const type of DomainEvent.options.map((o) => o.shape.type.value))
      for (let version = 1; version < schemaVersionOf(type); version++)
        expect({ type, version, step: typeof upcasters[type]?.[version] }).toEqual({ type, version, step: "function" });
  });

  it("rebuilds read models equal to the live ones from a log of both versions", async () => {
    // Quiet first: processors still react to the reviews (auto-publish off, say) after the head is read.
    for (let head = -1n; head !== (await t.system.store.headPosition())!;) {
      head = (await t.system.store.headPosition())!;
      await t.system.projected(head);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const live = await snapshotReadModels(t.database.prisma);
    expect(live.reviewSessions.map((s: { completedBy: string }) => s.completedBy)).toEqual(["merchant:merchant-a", "merchant:merchant-a"]);
    // The app stopped first, as an operator would: its projectors hold the leases a rebuild needs.
    stopped = true;
    await t.system.stop();
    const store = new PostgresEventStore(t.database.url);
    expect(await rebuiltReadModels(store, t.database.prisma)).toEqual(live);
    await store.close();
  }, 60_000);
});
