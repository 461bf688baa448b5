import { firstValueFrom, filter, take, toArray, type Observable } from "rxjs";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConcurrencyError } from "../../src/errors.ts";
import type { EventStore, EventToAppend, RecordedEvent, SubscriptionMessage } from "../../src/eventstore/port.ts";

export type EventStoreUnderTest = { store: EventStore; dispose(): Promise<void> };

export const anEvent = (type = "Something", data: Record<string, unknown> = {}): EventToAppend => ({
  id: randomUUID(),
  type,
  data,
  metadata: { correlationId: "c-1" },
});

const uniqueStream = (category = "test") => `${category}-${randomUUID()}`;

function collectEvents(messages: Observable<SubscriptionMessage>, count: number): Promise<RecordedEvent[]> {
  return firstValueFrom(
    messages.pipe(
      filter((m): m is Extract<SubscriptionMessage, { kind: "event" }> => m.kind === "event"),
      take(count),
      toArray(),
    ),
  ).then((ms) => ms.map((m) => m.event));
}

/** The one contract every adapter of the event store port must honour. */
export function eventStoreContract(
  adapter: string,
  open: () => Promise<EventStoreUnderTest>,
  options: { atomicMultiStreamAppend: boolean },
) {
  describe(`event store contract: ${adapter}`, () => {
    let underTest: EventStoreUnderTest;
    let store: EventStore;
    beforeAll(async () => {
      underTest = await open();
      store = underTest.store;
    });
    afterAll(() => underTest.dispose());

    it("appends to a new stream from revision 0 and reads the events back as written", async () => {
      const stream = uniqueStream();
      const events = [anEvent("Opened", { n: 1, nested: { ok: true } }), anEvent("Renamed", { name: "x" })];
      const result = await store.appendToStream(stream, events, { expectedRevision: "no_stream" });
      expect(result.nextExpectedRevision).toBe(1n);
      const read = await store.readStream(stream);
      expect(read.map((e) => [e.id, e.type, e.revision, e.streamName])).toEqual([
        [events[0]!.id, "Opened", 0n, stream],
        [events[1]!.id, "Renamed", 1n, stream],
      ]);
      expect(read[0]!.data).toEqual({ n: 1, nested: { ok: true } });
      expect(read[0]!.metadata).toEqual({ correlationId: "c-1" });
      expect(read[1]!.position).toBe(result.position);
      expect(read[0]!.created).toBeInstanceOf(Date);
    });

    it("reads a missing stream as empty", async () => {
      expect(await store.readStream(uniqueStream())).toEqual([]);
      expect(await store.readStream(uniqueStream(), { direction: "backwards" })).toEqual([]);
    });

    it("rejects a wrong expected revision with a ConcurrencyError and writes nothing", async () => {
      const stream = uniqueStream();
      await expect(store.appendToStream(stream, [anEvent()], { expectedRevision: "stream_exists" })).rejects.toThrow(ConcurrencyError);
      await expect(store.appendToStream(stream, [anEvent()], { expectedRevision: 0n })).rejects.toThrow(ConcurrencyError);
      await store.appendToStream(stream, [anEvent()], { expectedRevision: "no_stream" });
      await expect(store.appendToStream(stream, [anEvent()], { expectedRevision: "no_stream" })).rejects.toThrow(ConcurrencyError);
      await expect(store.appendToStream(stream, [anEvent()], { expectedRevision: 5n })).rejects.toThrow(ConcurrencyError);
      await store.appendToStream(stream, [anEvent()], { expectedRevision: 0n });
      await store.appendToStream(stream, [anEvent()], { expectedRevision: "stream_exists" });
      await store.appendToStream(stream, [anEvent()], { expectedRevision: "any" });
      expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);
    });

    it("treats re-appending the same event ids as a success that writes nothing", async () => {
      const stream = uniqueStream();
      const batch = [anEvent("A"), anEvent("B")];
      const first = await store.appendToStream(stream, batch, { expectedRevision: "no_stream" });
      await store.appendToStream(stream, [anEvent("C")]);
      const again = await store.appendToStream(stream, batch, { expectedRevision: "no_stream" });
      expect(again.position).toBe(first.position);
      expect((await store.readStream(stream)).map((e) => e.type)).toEqual(["A", "B", "C"]);
    });

    it("rejects a batch of which only part was appended before", async () => {
      const stream = uniqueStream();
      const a = anEvent("A");
      await store.appendToStream(stream, [a]);
      await expect(store.appendToStream(stream, [a, anEvent("B")])).rejects.toThrow(ConcurrencyError);
      expect(await store.readStream(stream)).toHaveLength(1);
    });

    it("appends to several streams at once, each under its own expected revision", async () => {
      const [s1, s2] = [uniqueStream(), uniqueStream()];
      await store.appendToStream(s2, [anEvent("First")]);
      const results = await store.appendToStreams([
        { streamName: s1, events: [anEvent("A1"), anEvent("A2")], expectedRevision: "no_stream" },
        { streamName: s2, events: [anEvent("B")], expectedRevision: 0n },
      ]);
      expect(results.map((r) => r.nextExpectedRevision)).toEqual([1n, 1n]);
      expect(results[1]!.position > results[0]!.position).toBe(true);
      expect((await store.readStream(s2)).map((e) => e.type)).toEqual(["First", "B"]);
    });

    if (options.atomicMultiStreamAppend) {
      it("writes nothing to any stream when one stream's expected revision is wrong", async () => {
        const [s1, s2] = [uniqueStream(), uniqueStream()];
        await expect(
          store.appendToStreams([
            { streamName: s1, events: [anEvent("A")], expectedRevision: "no_stream" },
            { streamName: s2, events: [anEvent("B")], expectedRevision: 3n },
          ]),
        ).rejects.toThrow(ConcurrencyError);
        expect(await store.readStream(s1)).toEqual([]);
      });
    }

    it("reads a stream backwards, from a revision, with a max count", async () => {
      const stream = uniqueStream();
      await store.appendToStream(
        stream,
        ["0", "1", "2", "3", "4"].map((n) => anEvent(`E${n}`)),
      );
      const types = (events: RecordedEvent[]) => events.map((e) => e.type);
      expect(types(await store.readStream(stream, { direction: "backwards" }))).toEqual(["E4", "E3", "E2", "E1", "E0"]);
      expect(types(await store.readStream(stream, { direction: "backwards", fromRevision: 2n, maxCount: 2 }))).toEqual(["E2", "E1"]);
      expect(types(await store.readStream(stream, { fromRevision: 3n }))).toEqual(["E3", "E4"]);
      expect(types(await store.readStream(stream, { maxCount: 2 }))).toEqual(["E0", "E1"]);
      expect(await store.readStream(stream, { fromRevision: 9n })).toEqual([]);
    });

    it("orders all streams by one global position, readable from any position", async () => {
      const [s1, s2] = [uniqueStream(), uniqueStream()];
      await store.appendToStream(s1, [anEvent("X1")]);
      await store.appendToStream(s2, [anEvent("Y1")]);
      const { position } = await store.appendToStream(s1, [anEvent("X2")]);
      const all = await store.readAll();
      const positions = all.map((e) => e.position);
      expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)));
      expect(new Set(positions).size).toBe(positions.length);
      const mine = all.filter((e) => e.streamName === s1 || e.streamName === s2).map((e) => e.type);
      expect(mine).toEqual(["X1", "Y1", "X2"]);
      expect(await store.headPosition()).toBe(position);
      const fromLast = await store.readAll({ fromPosition: position, maxCount: 1 });
      expect(fromLast.map((e) => e.type)).toEqual(["X2"]);
    });

    it("reads all streams backwards, newest first, from the end or from a position (inclusive)", async () => {
      const stream = uniqueStream();
      await store.appendToStream(stream, [anEvent("B1")]);
      const { position: second } = await store.appendToStream(stream, [anEvent("B2")]);
      const { position: third } = await store.appendToStream(stream, [anEvent("B3")]);
      const types = (events: RecordedEvent[]) => events.map((e) => e.type);
      expect(types(await store.readAll({ direction: "backwards", maxCount: 2 }))).toEqual(["B3", "B2"]);
      expect(types(await store.readAll({ direction: "backwards", fromPosition: second, maxCount: 2 })).slice(0, 1)).toEqual(["B2"]);
      const newestFirst = (await store.readAll({ direction: "backwards", fromPosition: third })).map((e) => e.position);
      expect(newestFirst).toEqual([...newestFirst].sort((a, b) => (a < b ? 1 : -1)));
    });

    it("subscribes from a checkpoint: history after it, a caught-up signal, then live events", async () => {
      const category = `sub${randomUUID().replaceAll("-", "")}`;
      const stream = `${category}-1`;
      const before = await store.appendToStream(stream, [anEvent("Old")]);
      await store.appendToStream(stream, [anEvent("History")]);
      const messages: SubscriptionMessage[] = [];
      const subscription = store
        .subscribeToAll({ fromPosition: before.position, filter: { streamNamePrefixes: [`${category}-`] } })
        .subscribe((m) => messages.push(m));
      await expect.poll(() => messages.some((m) => m.kind === "caughtUp")).toBe(true);
      await store.appendToStream(stream, [anEvent("Live")]);
      await expect.poll(() => messages.filter((m) => m.kind === "event").length).toBe(2);
      subscription.unsubscribe();
      expect(messages.slice(0, 3).map((m) => (m.kind === "event" ? m.event.type : m.kind))).toEqual(["History", "caughtUp", "Live"]);
    });

    it("resumes inside one append of many events, from the last event delivered, neither skipping nor repeating one", async () => {
      const category = `bulk${randomUUID().replaceAll("-", "")}`;
      const marker = randomUUID().slice(0, 8);
      const events = Array.from({ length: 120 }, (_, i) => anEvent(i % 3 === 0 ? `Wanted${marker}` : "Other", { i }));
      await store.appendToStream(`${category}-1`, events);
      const ids = (list: RecordedEvent[]) => list.map((e) => e.id);

      const byStream = { streamNamePrefixes: [`${category}-`] };
      const head = await collectEvents(store.subscribeToAll({ filter: byStream }), 45);
      const tail = await collectEvents(store.subscribeToAll({ fromPosition: head.at(-1)!.position, filter: byStream }), 75);
      expect([...ids(head), ...ids(tail)]).toEqual(ids(events as RecordedEvent[]));

      const byType = { eventTypePrefixes: [`Wanted${marker}`] };
      const wanted = events.filter((e) => e.type.startsWith("Wanted"));
      const first = await collectEvents(store.subscribeToAll({ filter: byType }), 13);
      const rest = await collectEvents(store.subscribeToAll({ fromPosition: first.at(-1)!.position, filter: byType }), wanted.length - 13);
      expect([...ids(first), ...ids(rest)]).toEqual(ids(wanted as RecordedEvent[]));

      // Reads from a position include the event there: a reader resuming from the last one read drops it.
      const read: RecordedEvent[] = [];
      let from: bigint | undefined;
      for (;;) {
        const page = (await store.readAll({ fromPosition: from, maxCount: 50, filter: byStream })).filter(
          (e) => from === undefined || e.position > from,
        );
        read.push(...page);
        if (page.length === 0) break;
        from = page.at(-1)!.position;
      }
      expect(ids(read)).toEqual(ids(events as RecordedEvent[]));
    });

    it("filters a subscription by event type prefix", async () => {
      const stream = uniqueStream();
      const marker = randomUUID().slice(0, 8);
      const got = collectEvents(store.subscribeToAll({ filter: { eventTypePrefixes: [`Wanted${marker}`] } }), 2);
      await store.appendToStream(stream, [anEvent(`Wanted${marker}A`), anEvent("Unwanted"), anEvent(`Wanted${marker}B`)]);
      expect((await got).map((e) => e.type)).toEqual([`Wanted${marker}A`, `Wanted${marker}B`]);
    });

    it("delivers every event of concurrent appenders to a live subscriber exactly once, in position order", async () => {
      const category = `gap${randomUUID().replaceAll("-", "")}`;
      const appenders = 8;
      const appendsEach = 25;
      const seen = collectEvents(store.subscribeToAll({ filter: { streamNamePrefixes: [`${category}-`] } }), appenders * appendsEach);
      await Promise.all(
        Array.from({ length: appenders }, async (_, a) => {
          for (let i = 0; i < appendsEach; i++) {
            await store.appendToStream(`${category}-${a}`, [anEvent("Tick", { a, i })]);
          }
        }),
      );
      const delivered = await seen;
      const positions = delivered.map((e) => e.position);
      expect(positions).toEqual([...positions].sort((x, y) => (x < y ? -1 : 1)));
      expect(new Set(delivered.map((e) => e.id)).size).toBe(appenders * appendsEach);
      const committed = (await store.readAll()).filter((e) => e.streamName.startsWith(`${category}-`));
      expect(delivered.map((e) => e.id)).toEqual(committed.map((e) => e.id));
    });
  });
}
