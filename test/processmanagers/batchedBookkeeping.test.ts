import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresEventStore } from "../../src/eventstore/postgres.ts";
import type { StreamAppend } from "../../src/eventstore/port.ts";
import { FakeImageSearch } from "../../src/testing/fakeImageSearch.ts";
import { RecordingEventStore } from "../support/recordingEventStore.ts";
import { startTestSystem, type TestSystem } from "../support/system.ts";

const DRAFTS = 40;
const csv = ["SKU,Title,Qty", ...Array.from({ length: DRAFTS }, (_, i) => `CACHE-${i},Cached item ${i},1`)].join("\n");

describe("a cached PO's image stages", () => {
  let t: TestSystem;
  let log: RecordingEventStore;
  const search = new FakeImageSearch({ minLatencyMs: 0, maxLatencyMs: 2, foundFraction: 1 });
  beforeAll(async () => {
    t = await startTestSystem({
      imageSearch: search,
      eventLog: (database) => ({ store: (log = new RecordingEventStore(new PostgresEventStore(database.url))) }),
    });
  });
  afterAll(() => t.stop());

  const uploadAndFinish = async () => {
    const { id } = (await (await t.upload("po.csv", csv)).json()) as { id: string };
    await t.eventually<{ status: string }>(`/purchase-orders/${id}`, (po) => po.status === "complete");
    return id;
  };

  it("write each result with its stage entries, many drafts to an append", async () => {
    await uploadAndFinish();
    const id = await uploadAndFinish();
    expect(search.calls).toBe(DRAFTS);

    const appends = log.appends.filter(
      (append) => append.some((a) => a.streamName === `workflow-${id}`) && !append.some((a) => a.streamName === `po-${id}`),
    );
    const typesIn = (append: StreamAppend[], streamName: string) =>
      append.filter((a) => a.streamName === streamName).flatMap((a) => a.events.map((e) => e.type));
    const stageEntriesIn = (append: StreamAppend[], stage: string, draftId: string) =>
      append
        .filter((a) => a.streamName === `workflow-${id}`)
        .flatMap((a) => a.events.filter((e) => e.data.stage === stage && e.data.subjectId === draftId).map((e) => e.type));

    const results = appends.flatMap((append) =>
      append
        .filter((a) => a.streamName.startsWith("draft-"))
        .map((draftAppend) => ({ append, draftAppend, draftId: draftAppend.streamName.slice("draft-".length) })),
    );
    expect(results).toHaveLength(2 * DRAFTS);
    for (const { append, draftAppend, draftId } of results) {
      expect(typeof draftAppend.expectedRevision).toBe("bigint");
      const [type] = typesIn(append, draftAppend.streamName);
      const stage = type === "ImageSearchCompleted" ? "search_images" : "attach_images";
      expect(stageEntriesIn(append, stage, draftId), `${type} of ${draftId}`).toEqual(["StageStarted", "StageCompleted"]);
    }
    // Every search and attachment, and the review's opening: one append each would be 2 × DRAFTS + 1.
    expect(appends.length).toBeLessThanOrEqual(DRAFTS / 2);
  });

  it("read each draft's stream once: the attachment decides on the state the search's own append left", async () => {
    const readBefore = log.streamsRead.length;
    const id = await uploadAndFinish();
    const po = (await (await t.api(`/purchase-orders/${id}`)).json()) as { drafts: { id: string; images: unknown[] }[] };
    expect(po.drafts.every((draft) => draft.images.length > 0)).toBe(true);
    const draftReads = log.streamsRead.slice(readBefore).filter((name) => po.drafts.some((draft) => name === `draft-${draft.id}`));
    expect(draftReads.sort()).toEqual(po.drafts.map((draft) => `draft-${draft.id}`).sort());
  });
});
