/**
 * Every event store adapter available in this run, side by side: append 20,000 events one per
 * append and 100 per append, read them all back, and catch a subscription up from the start.
 * Adapters: in-memory, the Postgres log on PGlite, on the DATABASE_URL server if set, EventStoreDB
 * through @eventstore/db-client against the in-process gRPC test server, and a real EventStoreDB
 * if ESDB_URL is set.
 */
import { randomUUID } from "node:crypto";
import { firstValueFrom, filter, take } from "rxjs";
import { EventStoreDbEventStore } from "../src/eventstore/eventStoreDb.ts";
import { InMemoryEventStore } from "../src/eventstore/memory.ts";
import type { EventStore, EventToAppend } from "../src/eventstore/port.ts";
import { PostgresEventStore } from "../src/eventstore/postgres.ts";
import { benchDatabase } from "./benchDatabase.ts";
import { startEsdbTestServer } from "../test/support/esdb/server.ts";

const EVENTS = 20_000;
const BATCH = 100;

type Adapter = { adapter: string; open(): Promise<{ store: EventStore; dispose(): Promise<void> }> };

const adapters: Adapter[] = [
  { adapter: "in-memory", open: async () => { const store = new InMemoryEventStore(); return { store, dispose: () => store.close() }; } },
  {
    adapter: "postgres-log/embedded",
    open: async () => {
      const database = await benchDatabase("embedded");
      return { store: new PostgresEventStore(database.prisma), dispose: () => database.close() };
    },
  },
  ...(process.env.DATABASE_URL
    ? [{
        adapter: "postgres-log/server",
        open: async () => {
          const database = await benchDatabase("server");
          return { store: new PostgresEventStore(database.prisma), dispose: () => database.close() };
        },
      }]
    : []),
  {
    adapter: "eventstoredb/grpc-test-server",
    open: async () => {
      const server = await startEsdbTestServer({ batchAppend: true });
      const store = EventStoreDbEventStore.connect(server.url);
      return { store, dispose: async () => { await store.close(); await server.stop(); } };
    },
  },
  ...(process.env.ESDB_URL
    ? [{ adapter: "eventstoredb/real", open: async () => { const store = EventStoreDbEventStore.connect(process.env.ESDB_URL!); return { store, dispose: () => store.close() }; } }]
    : []),
];

const event = (n: number): EventToAppend => ({ id: randomUUID(), type: "BenchEventHappened", data: { n, text: "x".repeat(64) }, metadata: { correlationId: "bench" } });
const perSecond = (count: number, started: number) => Math.round(count / ((performance.now() - started) / 1000));

async function measure({ adapter, open }: Adapter) {
  const { store, dispose } = await open();
  try {
    const run = randomUUID().slice(0, 8);
    const headBefore = await store.headPosition();
    let started = performance.now();
    for (let n = 0; n < EVENTS; n++) await store.appendToStream(`bench1-${run}-${n % 100}`, [event(n)]);
    const append_1_per_s = perSecond(EVENTS, started);

    started = performance.now();
    for (let n = 0; n < EVENTS; n += BATCH) await store.appendToStream(`bench100-${run}-${n / BATCH}`, Array.from({ length: BATCH }, (_, i) => event(n + i)));
    const append_100_per_s = perSecond(EVENTS, started);

    const from = headBefore === undefined ? undefined : headBefore + 1n;
    started = performance.now();
    let read = 0;
    let next = from;
    for (;;) {
      const page = await store.readAll({ fromPosition: next, maxCount: 1000, filter: { eventTypePrefixes: ["BenchEventHappened"] } });
      read += page.length;
      if (page.length < 1000) break;
      next = page.at(-1)!.position + 1n;
    }
    const read_per_s = perSecond(read, started);
    if (read !== 2 * EVENTS) throw new Error(`${adapter}: read ${read} events back, expected ${2 * EVENTS}`);

    started = performance.now();
    let delivered = 0;
    await firstValueFrom(
      store.subscribeToAll({ fromPosition: headBefore, filter: { eventTypePrefixes: ["BenchEventHappened"] } }).pipe(
        filter((message) => message.kind === "event" && ++delivered === 2 * EVENTS),
        take(1),
      ),
    );
    const catchup_per_s = perSecond(delivered, started);
    return { adapter, append_1_per_s, append_100_per_s, read_per_s, catchup_per_s };
  } finally {
    await dispose();
  }
}

const results = [];
for (const adapter of adapters) results.push(await measure(adapter));
console.log(JSON.stringify({ bench: "eventstore", events: EVENTS, batch: BATCH, results }));
