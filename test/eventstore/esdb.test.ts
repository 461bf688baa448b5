import { filter, firstValueFrom, take } from "rxjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventStoreDbEventStore } from "../../src/eventstore/eventStoreDb.ts";
import { startEsdbTestServer, type EsdbTestServer } from "../support/esdb/server.ts";
import { anEvent, eventStoreContract } from "./contract.ts";

const BATCH_APPEND = "/event_store.client.streams.Streams/BatchAppend";
const APPEND = "/event_store.client.streams.Streams/Append";

for (const batchAppend of [true, false])
  describe(`EventStoreDB test server, ${batchAppend ? "BatchAppend" : "Streams/Append"}`, () => {
    const label = `EventStoreDB test server, ${batchAppend ? "BatchAppend" : "Streams/Append"}`;
    let server: EsdbTestServer;
    const stores: EventStoreDbEventStore[] = [];
    beforeAll(async () => {
      server = await startEsdbTestServer({ batchAppend });
    });
    afterAll(async () => {
      await Promise.all(stores.map((s) => s.close()));
      await server.stop();
    });

    eventStoreContract(
      label,
      async () => {
        const store = EventStoreDbEventStore.connect(server.url);
        stores.push(store);
        return { store, dispose: async () => {} };
      },
      { atomicMultiStreamAppend: false },
    );

    describe(`${label}: the adapter's own behaviour`, () => {
      let store: EventStoreDbEventStore;
      beforeAll(() => {
        server.reset();
        store = EventStoreDbEventStore.connect(server.url);
        stores.push(store);
      });

      it(`appends through ${batchAppend ? "BatchAppend" : "Streams/Append"} only`, async () => {
        const before = { batch: server.calls.get(BATCH_APPEND) ?? 0, append: server.calls.get(APPEND) ?? 0 };
        await store.appendToStream("path-1", [anEvent()]);
        await store.appendToStream("path-1", [anEvent()]);
        const after = { batch: server.calls.get(BATCH_APPEND) ?? 0, append: server.calls.get(APPEND) ?? 0 };
        if (batchAppend) {
          expect(after.append).toBe(before.append);
          expect(after.batch).toBe(before.batch + 1); // one long-lived call per channel carries both
        } else {
          expect(after.append).toBe(before.append + 2);
          expect(after.batch).toBe(before.batch);
        }
      });

      it("never returns the server's system events, and its head skips them", async () => {
        server.reset();
        expect(await store.readAll()).toEqual([]);
        expect(await store.headPosition()).toBeUndefined();
        const results = [];
        // The server writes a $statsCollected system event after every fifth append.
        for (let i = 0; i < 5; i++) results.push(await store.appendToStream(`sys-${i}`, [anEvent("Mine")]));
        expect(server.log.all().at(-1)!.streamName.startsWith("$")).toBe(true);
        expect(await store.headPosition()).toBe(results.at(-1)!.position);
        const all = await store.readAll();
        expect(all.map((e) => e.type)).toEqual(["Mine", "Mine", "Mine", "Mine", "Mine"]);
      });

      it("sees positions that are not dense, and reads $all across pages", async () => {
        server.reset();
        const stream = "many-1";
        for (let i = 0; i < 12; i++) {
          await store.appendToStream(
            stream,
            Array.from({ length: 100 }, (_, n) => anEvent("Bulk", { i, n })),
          );
        }
        const all = await store.readAll();
        expect(all).toHaveLength(1200);
        expect(all[1]!.position - all[0]!.position).not.toBe(1n);
        expect(all.map((e) => e.revision)).toEqual(all.map((_, i) => BigInt(i)));
        const tail = await store.readAll({ fromPosition: all[1150]!.position });
        expect(tail.map((e) => e.revision)).toEqual(all.slice(1150).map((e) => e.revision));
      });

      it("reads and resumes across another application's explicit transaction (TCP API), whose events share one position", async () => {
        server.reset();
        const transaction = server.log.beginTransaction("foreign-1");
        transaction.write([{ type: "Foreign" }]);
        await store.appendToStream("ours-1", [anEvent("Before")]);
        transaction.write([{ type: "F2" }, { type: "F3" }]);
        transaction.commit();
        await store.appendToStream("ours-1", [anEvent("After")]);
        // Read in pages of two: the second starts inside the transaction.
        expect((await store.readAll({ maxCount: 5 })).map((e) => e.type)).toEqual(["Before", "Foreign", "F2", "F3", "After"]);
        const all = await store.readAll();
        const foreign = all.find((e) => e.type === "Foreign")!;
        expect(all.filter((e) => e.position === foreign.position)).toHaveLength(3);
        // A consumer whose checkpoint is the transaction's position still gets the event after it.
        const resumed = await firstValueFrom(
          store.subscribeToAll({ fromPosition: foreign.position, filter: { streamNamePrefixes: ["ours-"] } }).pipe(
            filter((m) => m.kind === "event"),
            take(1),
          ),
        );
        expect(resumed.kind === "event" && resumed.event.type).toBe("After");
      });

      it("reports a caught-up position no earlier than the last event delivered", async () => {
        server.reset();
        const { position } = await store.appendToStream("cu-1", [anEvent("One")]);
        const caughtUp = await new Promise<bigint | undefined>((resolve, reject) => {
          const subscription = store.subscribeToAll({ filter: { streamNamePrefixes: ["cu-"] } }).subscribe({
            next: (m) => {
              if (m.kind !== "caughtUp") return;
              subscription.unsubscribe();
              resolve(m.position);
            },
            error: reject,
          });
        });
        expect(caughtUp).toBe(position);
      });
    });
  });

const realServer = process.env.ESDB_URL;
if (realServer) {
  eventStoreContract(
    `EventStoreDB at ${realServer}`,
    async () => {
      const store = EventStoreDbEventStore.connect(realServer);
      return { store, dispose: () => store.close() };
    },
    { atomicMultiStreamAppend: false },
  );
} else {
  console.log("ESDB_URL not set: the contract did not run against a real EventStoreDB");
}
