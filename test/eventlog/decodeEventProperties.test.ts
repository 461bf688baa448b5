import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { DomainEvent } from "../../src/domain/events.ts";
import { OptimizationEvent } from "../../src/domain/optimization.ts";
import { ProductDraftEvent } from "../../src/domain/productDraftEvents.ts";
import { PurchaseOrderEvent } from "../../src/domain/purchaseOrder.ts";
import { ReviewSessionEvent } from "../../src/domain/reviewSession.ts";
import { WorkflowEvent } from "../../src/domain/workflow.ts";
import { UndecodableEvent } from "../../src/errors.ts";
import { decodeEvent } from "../../src/eventlog/decodeEvent.ts";
import type { RecordedEvent } from "../../src/eventstore/port.ts";
import { testMetadata } from "../../src/testing/givenWhenThen.ts";
import { jsonMutationOf } from "../support/jsonMutations.ts";

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8")) as { given: unknown[] };
const poId = randomUUID();
const draftId = randomUUID();
/** Valid events of every aggregate, as stored: the seeds the mutations start from. */
const validEvents = [
  ...["search-found-nothing.json", "deletion-during-image-search.json"].flatMap((name) => fixture(name).given),
  {
    type: "PurchaseOrderUploaded",
    data: {
      purchaseOrderId: poId,
      merchantId: "merchant-a",
      fileName: "po.csv",
      contentType: "text/csv",
      sizeBytes: 12,
      sha256: "a".repeat(64),
      uploadedAt: "2026-12-01T10:00:00.000Z",
    },
  },
  {
    type: "PurchaseOrderParsed",
    data: { purchaseOrderId: poId, lineItems: [{ lineNumber: 2, sku: "A", title: "Lamp", quantity: 2, unitCost: 9.5 }] },
  },
  { type: "DraftUpdated", data: { draftId, changes: { title: "Lamp, brass", unitCost: null } } },
  { type: "ImageApproved", data: { draftId, imageId: randomUUID() } },
  { type: "StageStarted", data: { purchaseOrderId: poId, stage: "parse", subjectId: poId, attempt: 1, at: "2026-12-01T10:00:00.000Z" } },
  { type: "ReviewSessionOpened", data: { purchaseOrderId: poId, merchantId: "merchant-a" } },
] as { type: string; data: unknown }[];
for (const event of validEvents) DomainEvent.parse(event);

const schemas: [string, z.ZodType | undefined][] = [
  ["every domain event", undefined],
  ["purchase order", PurchaseOrderEvent],
  ["product draft", ProductDraftEvent],
  ["workflow", WorkflowEvent],
  ["review session", ReviewSessionEvent],
  ["optimization", OptimizationEvent],
];
const eventTypes = DomainEvent.options.map((option) => option.shape.type.value);

const recorded = (type: string, data: unknown, metadata: unknown): RecordedEvent => ({
  id: randomUUID(),
  type,
  data: data as RecordedEvent["data"],
  metadata: metadata as RecordedEvent["metadata"],
  streamName: `draft-${draftId}`,
  revision: 3n,
  position: 41n,
  created: new Date("2026-12-01T10:00:00.000Z"),
});

/** Decodes to an event its schema accepts, or refuses with UndecodableEvent naming the event and what is wrong; nothing else. */
function expectDecodedOrRefused(event: RecordedEvent, schema: z.ZodType | undefined) {
  let decoded;
  try {
    decoded = schema ? decodeEvent(event, schema) : decodeEvent(event);
  } catch (error) {
    expect(error).toBeInstanceOf(UndecodableEvent);
    const refusal = error as UndecodableEvent;
    expect(refusal.event).toMatchObject({ id: event.id, streamName: event.streamName, revision: 3n, position: 41n });
    expect(refusal.issues.length).toBeGreaterThan(0);
    for (const issue of refusal.issues) expect(issue).toEqual({ path: expect.any(String), message: expect.any(String) });
    return;
  }
  expect((schema ?? DomainEvent).safeParse(decoded.event).success).toBe(true);
  expect(decoded.event).toEqual({ type: event.type, data: expect.anything() });
}

describe.each(schemas)("decoding stored events against %s", (_name, schema) => {
  it("decodes or refuses, with a typed error, any type, data and metadata", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...eventTypes), fc.string()),
        fc.jsonValue({ maxDepth: 4 }),
        fc.oneof(fc.constant(testMetadata()), fc.jsonValue({ maxDepth: 2 })),
        (type, data, metadata) => expectDecodedOrRefused(recorded(type, data, metadata), schema),
      ),
      { numRuns: 200 },
    );
  });

  it("decodes or refuses, with a typed error, mutations of valid events and their metadata", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...validEvents).chain((event) => fc.tuple(fc.constant(event.type), jsonMutationOf(event.data))),
        fc.oneof(fc.constant(testMetadata()), jsonMutationOf(testMetadata())),
        ([type, data], metadata) => expectDecodedOrRefused(recorded(type, data, metadata), schema),
      ),
      { numRuns: 200 },
    );
  });
});
