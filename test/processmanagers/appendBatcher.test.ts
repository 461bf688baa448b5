import { describe, expect, it } from "vitest";
import { ConcurrencyError } from "../../src/errors.ts";
import { InMemoryEventStore } from "../../src/eventstore/memory.ts";
import type { StreamAppend } from "../../src/eventstore/port.ts";
import { AppendBatcher } from "../../src/processmanagers/appendBatcher.ts";
import { RecordingEventStore } from "../support/recordingEventStore.ts";

const event = (type: string) => ({ id: crypto.randomUUID(), type, data: {}, metadata: {} });
const draftResult = (draft: string, expectedRevision: bigint): StreamAppend[] => [
  { streamName: `draft-${draft}`, expectedRevision, events: [event("ImageSearchCompleted")] },
  { streamName: "workflow-po", events: [event("StageStarted"), event("StageCompleted")] },
];

async function givenDrafts(...drafts: string[]) {
  const log = new RecordingEventStore(new InMemoryEventStore());
  for (const draft of drafts) await log.appendToStream(`draft-${draft}`, [event("DraftCreated")]);
  log.appends.length = 0;
  return log;
}

const shapeOf = (appends: StreamAppend[][]) => appends.map((append) => append.map((a) => `${a.streamName}:${a.events.length}`));

describe("appends batched across commands", () => {
  it("writes what commands ask for together as one append, each draft under its own revision, the stage log once", async () => {
    const log = await givenDrafts("a", "b", "c");
    const { append } = new AppendBatcher(log);
    const results = await Promise.all(["a", "b", "c"].map((draft) => append(draftResult(draft, 0n))));
    expect(shapeOf(log.appends)).toEqual([["draft-a:1", "draft-b:1", "draft-c:1", "workflow-po:6"]]);
    expect(results.map(([draftAppend]) => draftAppend!.nextExpectedRevision)).toEqual([1n, 1n, 1n]);
  });

  it("on a conflict writes each command's appends alone, so only the stale one fails", async () => {
    const log = await givenDrafts("a", "b");
    await log.appendToStream("draft-b", [event("DraftDeleted")]);
    log.appends.length = 0;
    const { append } = new AppendBatcher(log);
    const [a, b] = await Promise.allSettled([append(draftResult("a", 0n)), append(draftResult("b", 0n))]);
    expect(a.status).toBe("fulfilled");
    expect(b.status === "rejected" && b.reason).toBeInstanceOf(ConcurrencyError);
    expect(shapeOf(log.appends)).toEqual([["draft-a:1", "workflow-po:2"]]);
    expect((await log.readStream("draft-b")).map((e) => e.type)).toEqual(["DraftCreated", "DraftDeleted"]);
  });

  it("never puts two guarded appends to one stream in the same write", async () => {
    const log = await givenDrafts("a");
    const { append } = new AppendBatcher(log);
    const [first, second] = await Promise.allSettled([append(draftResult("a", 0n)), append(draftResult("a", 1n))]);
    expect([first.status, second.status]).toEqual(["fulfilled", "fulfilled"]);
    expect(shapeOf(log.appends)).toEqual([
      ["draft-a:1", "workflow-po:2"],
      ["draft-a:1", "workflow-po:2"],
    ]);
  });
});
