import { randomUUID } from "node:crypto";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventsToAppend } from "../../src/application/commandHandler.ts";
import type { DomainEvent } from "../../src/domain/events.ts";
import { streamOf } from "../../src/domain/streams.ts";
import type { Database } from "../../src/db/database.ts";
import { ValidatingEventStore } from "../../src/eventlog/validatingEventStore.ts";
import { InMemoryEventStore } from "../../src/eventstore/memory.ts";
import { Projector } from "../../src/projections/projector.ts";
import { projectionGroups } from "../../src/projections/registry.ts";
import { createTestDatabase } from "../support/database.ts";

const purchaseOrderId = randomUUID();
const draftId = randomUUID();
const [found, other, optimized] = [randomUUID(), randomUUID(), randomUUID()];
const searchId = randomUUID();
const image = (imageId: string, n: number) => ({ imageId, url: `https://img.test/${n}.jpg`, source: "catalog" });
const line = { lineNumber: 5, sku: "AO-TENT-2P", title: "Trailhead Tent, 2 person", quantity: 12, unitCost: 189 };
const context = { merchantId: "merchant-a", correlationId: purchaseOrderId, causationId: randomUUID(), actor: "merchant:merchant-a" };

const history: DomainEvent[] = [
  {
    type: "PurchaseOrderUploaded",
    data: {
      purchaseOrderId,
      merchantId: "merchant-a",
      fileName: "po.csv",
      contentType: "text/csv",
      sizeBytes: 10,
      sha256: "a".repeat(64),
      uploadedAt: "2026-11-23T10:00:00.000Z",
    },
  },
  { type: "PurchaseOrderParsed", data: { purchaseOrderId, lineItems: [line] } },
  { type: "DraftCreated", data: { ...line, draftId, purchaseOrderId, merchantId: "merchant-a" } },
  { type: "DraftsCreated", data: { purchaseOrderId, drafts: [{ ...line, draftId }] } },
  {
    type: "ImageSearchCompleted",
    data: { draftId, searchId, query: "AO-TENT-2P", provider: "catalog", images: [image(found, 1), image(other, 2)] },
  },
  { type: "ImagesAttached", data: { draftId, searchId, source: "catalog", images: [image(found, 1), image(other, 2)] } },
  { type: "ImageApproved", data: { draftId, imageId: found } },
  { type: "PrimaryImageSelected", data: { draftId, imageId: found } },
  {
    type: "OptimizedImageAttached",
    data: {
      draftId,
      image: { imageId: optimized, url: "https://img.test/1-clean.png", source: "optimized:google/nano-banana" },
      sourceImageId: found,
      jobId: randomUUID(),
      itemId: randomUUID(),
    },
  },
  { type: "ImageRejected", data: { draftId, imageId: other, reason: "wrong colour" } },
];

describe("the draft and image read models", () => {
  let database: Database;
  let projectors: Projector[];
  beforeAll(async () => {
    database = await createTestDatabase();
    const store = new ValidatingEventStore(new InMemoryEventStore());
    for (const event of history) await store.appendToStream(streamOf(event), eventsToAppend([event], context));
    const logger = pino({ level: "silent" });
    const drafts = new Projector("read-models", store, database.prisma, projectionGroups["read-models"], logger);
    projectors = [drafts, new Projector("images", store, database.prisma, projectionGroups.images, logger, { after: drafts })];
    for (const projector of projectors) await projector.start();
    for (const projector of projectors) await projector.waitFor((await store.headPosition())!);
  });
  afterAll(async () => {
    for (const projector of projectors.reverse()) await projector.stop();
    await database.close();
  });

  it("say each image's review decision and which is primary; an optimized variant joins after its source", async () => {
    const images = await database.prisma.productImage.findMany({ where: { draftId } });
    const byId = Object.fromEntries(images.map((i) => [i.id, { position: i.position, status: i.status, isPrimary: i.isPrimary }]));
    expect(byId).toEqual({
      [found]: { position: 0, status: "approved", isPrimary: true },
      [optimized]: { position: 0, status: "optimized", isPrimary: false },
      [other]: { position: 1, status: "rejected", isPrimary: false },
    });
  });

  it("keep the draft at its stream's revision: every event of the draft moved it", async () => {
    const draft = await database.prisma.productDraft.findUniqueOrThrow({ where: { id: draftId } });
    const draftEvents = history.filter((event) => streamOf(event) === `draft-${draftId}`);
    expect(draft.revision).toBe(BigInt(draftEvents.length - 1));
  });
});
