import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { eventsToAppend } from "../../src/application/commandHandler.ts";
import { handleDraftCommand } from "../../src/application/draftCommands.ts";
import type { ProductDraftEvent } from "../../src/domain/productDraftEvents.ts";
import { NotFound, PreconditionFailed } from "../../src/errors.ts";
import { InMemoryEventStore } from "../../src/eventstore/memory.ts";

const draftId = randomUUID();
const imageId = randomUUID();
const searchId = randomUUID();
const stream = `draft-${draftId}`;
const history: ProductDraftEvent[] = [
  {
    type: "DraftCreated",
    data: {
      draftId,
      purchaseOrderId: randomUUID(),
      merchantId: "m1",
      lineNumber: 1,
      sku: null,
      title: "Tent",
      quantity: 1,
      unitCost: null,
    },
  },
  {
    type: "ImagesAttached",
    data: { draftId, searchId, source: "catalog", images: [{ imageId, url: "https://img.test/1.jpg", source: "catalog" }] },
  },
  { type: "ImageApproved", data: { draftId, imageId } },
];
const approve = { type: "ApproveImage" as const, data: { draftId, imageId, merchantId: "m1" } };

describe("a merchant's draft command under If-Match", () => {
  let store: InMemoryEventStore;
  beforeEach(async () => {
    store = new InMemoryEventStore();
    await store.appendToStream(
      stream,
      eventsToAppend(history, { merchantId: "m1", correlationId: "po", causationId: "c", actor: "merchant:m1" }),
    );
  });

  it("is refused under a stale revision even when it would append nothing", async () => {
    const refused = await handleDraftCommand(store, approve, 1n).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PreconditionFailed);
    expect(refused).toMatchObject({ givenRevision: 1n, currentRevision: 2n });
  });

  it("under the current revision, appends nothing when there is nothing to record", async () => {
    const handled = await handleDraftCommand(store, approve, 2n);
    expect(handled.events).toEqual([]);
    expect(handled.nextExpectedRevision).toBe(2n);
    expect(await store.readStream(stream)).toHaveLength(3);
  });

  it("says nothing of the revision of another merchant's draft", async () => {
    await expect(handleDraftCommand(store, { ...approve, data: { ...approve.data, merchantId: "m2" } }, 0n)).rejects.toBeInstanceOf(
      NotFound,
    );
  });
});
