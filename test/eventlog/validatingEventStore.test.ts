import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { handleDraftCommand } from "../../src/application/draftCommands.ts";
import { eventsToAppend } from "../../src/application/commandHandler.ts";
import type { DraftChanges } from "../../src/domain/productDraftEvents.ts";
import { ValidationError } from "../../src/errors.ts";
import { ValidatingEventStore } from "../../src/eventlog/validatingEventStore.ts";
import { InMemoryEventStore } from "../../src/eventstore/memory.ts";
import { testMetadata } from "../../src/testing/givenWhenThen.ts";

const draftId = randomUUID();
const purchaseOrderId = randomUUID();
const draftStream = `draft-${draftId}`;
const draftCreated = {
  type: "DraftCreated",
  data: { draftId, purchaseOrderId, merchantId: "merchant-a", lineNumber: 2, sku: "AO-TENT-2P", title: "Tent", quantity: 3, unitCost: 10 },
};
const context = { merchantId: "merchant-a", correlationId: purchaseOrderId, causationId: randomUUID(), actor: "merchant:merchant-a" };

async function refusal(append: Promise<unknown>): Promise<ValidationError> {
  const error = await append.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe("the validating event store", () => {
  let log: InMemoryEventStore;
  let store: ValidatingEventStore;
  beforeEach(() => {
    log = new InMemoryEventStore();
    store = new ValidatingEventStore(log);
  });

  it("appends a valid event as its schema parsed it", async () => {
    await store.appendToStream(draftStream, eventsToAppend([draftCreated], context));
    const [recorded] = await log.readStream(draftStream);
    expect(recorded).toMatchObject({ type: "DraftCreated", data: draftCreated.data, metadata: { ...context, schemaVersion: 1 } });
  });

  it("refuses an edit the types allow but the schema does not (an empty title), naming the event, the stream and the path; nothing is written", async () => {
    await store.appendToStream(draftStream, eventsToAppend([draftCreated], context));
    const emptyTitle = { title: "" } as DraftChanges;
    const error = await refusal(
      handleDraftCommand(store, { type: "UpdateDraft", data: { draftId, merchantId: "merchant-a", changes: emptyTitle } }),
    );
    expect(error.message).toContain(`Refused to append DraftUpdated to ${draftStream}`);
    expect(error.issues.map((i) => i.path)).toEqual(["data.changes.title"]);
    expect((await log.readStream(draftStream)).map((e) => e.type)).toEqual(["DraftCreated"]);
  });

  it("refuses a whole multi-stream append when one event in it is invalid, writing none of it", async () => {
    const otherDraft = { ...draftCreated, data: { ...draftCreated.data, draftId: randomUUID(), quantity: -1 } };
    const error = await refusal(
      store.appendToStreams([
        { streamName: draftStream, events: eventsToAppend([draftCreated], context), expectedRevision: "no_stream" },
        { streamName: `draft-${otherDraft.data.draftId}`, events: eventsToAppend([otherDraft], context), expectedRevision: "no_stream" },
      ]),
    );
    expect(error.issues.map((i) => i.path)).toEqual(["data.quantity"]);
    expect(await log.readAll()).toEqual([]);
  });

  it("refuses an unknown event type, bad metadata and an event on another aggregate's stream", async () => {
    const unknown = await refusal(
      store.appendToStream(draftStream, [{ id: randomUUID(), type: "DraftArchived", data: { draftId }, metadata: testMetadata() }]),
    );
    expect(unknown.issues.map((i) => i.path)).toEqual(["type"]);

    const anonymous = await refusal(
      store.appendToStream(draftStream, [
        { id: randomUUID(), type: draftCreated.type, data: draftCreated.data, metadata: testMetadata({ actor: "someone" }) },
      ]),
    );
    expect(anonymous.issues.map((i) => i.path)).toEqual(["metadata.actor"]);

    const elsewhere = await refusal(store.appendToStream(`po-${purchaseOrderId}`, eventsToAppend([draftCreated], context)));
    expect(elsewhere.issues).toEqual([{ path: "streamName", message: `a DraftCreated of this data belongs in ${draftStream}` }]);
    expect(await log.readAll()).toEqual([]);
  });

  it("writes what the schema made of the event, not fields it does not know", async () => {
    const withExtra = { ...draftCreated, data: { ...draftCreated.data, secretToken: "shh" } };
    await store.appendToStream(draftStream, eventsToAppend([withExtra], context));
    const [recorded] = await log.readStream(draftStream);
    expect(recorded!.data).toEqual(draftCreated.data);
  });
});
