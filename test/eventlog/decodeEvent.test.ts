import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PurchaseOrderEvent } from "../../src/domain/purchaseOrder.ts";
import { UndecodableEvent } from "../../src/errors.ts";
import { decodeEvent } from "../../src/eventlog/decodeEvent.ts";
import type { RecordedEvent } from "../../src/eventstore/port.ts";
import { testMetadata } from "../../src/testing/givenWhenThen.ts";

const draftId = randomUUID();
const recorded = (type: string, data: Record<string, unknown>, metadata: Record<string, unknown> = testMetadata()): RecordedEvent => ({
  id: randomUUID(),
  type,
  data,
  metadata,
  streamName: `draft-${draftId}`,
  revision: 4n,
  position: 97n,
  created: new Date("2026-11-23T10:00:00.000Z"),
});

function undecodable(decode: () => unknown): UndecodableEvent {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(UndecodableEvent);
    return error as UndecodableEvent;
  }
  throw new Error("expected the event to be refused");
}

describe("decoding an event read from the log", () => {
  it("gives the domain event with its metadata and where it is in the log", () => {
    const event = recorded("DraftDeleted", { draftId });
    expect(decodeEvent(event)).toEqual({
      event: { type: "DraftDeleted", data: { draftId } },
      metadata: testMetadata(),
      id: event.id,
      streamName: event.streamName,
      revision: 4n,
      position: 97n,
      created: event.created,
    });
  });

  it("refuses an event its schema refuses, saying which event, where, and what is wrong", () => {
    const event = recorded("ImageApproved", { draftId, imageId: "not-a-uuid" }, { ...testMetadata(), merchantId: "" });
    const error = undecodable(() => decodeEvent(event));
    expect(error.event).toEqual({ id: event.id, type: "ImageApproved", streamName: `draft-${draftId}`, revision: 4n, position: 97n });
    expect(error.issues.map((i) => i.path)).toEqual(["data.imageId", "metadata.merchantId"]);
    expect(error.message).toContain(`Event ${event.id} (ImageApproved) at draft-${draftId}@4, position 97`);
  });

  it("refuses, with an aggregate's schema, an event that is not one of that aggregate's", () => {
    const error = undecodable(() => decodeEvent(recorded("DraftDeleted", { draftId }), PurchaseOrderEvent));
    expect(error.issues.map((i) => i.path)).toEqual(["type"]);
  });
});
