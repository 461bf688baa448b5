/**
 * Every event store adapter available in this run, side by side: append 20,000 events one per
 * append and 100 per append, read them all back, and catch a subscription up from the start; then
 * 16 writers at once, one event per append on streams of their own under the expected revision
 * (while a subscriber follows by position, restarted from its checkpoint now and then: the events it
 * never got are `gap_lost_events`), and 16 writers racing for one stream at the revision they know,
 * re-reading it after each conflict (`race_success_per_s` counts the appends that won).
 * Adapters: in-memory, the Postgres log on the embedded server and on the DATABASE_URL server if set, EventStoreDB through
 * @eventstore/db-client against the in-process gRPC test server, and a real EventStoreDB if ESDB_URL
 * is set.
 */
import { randomUUID } from "node:crypto";
import { firstValueFrom, filter, take, type Subscription } from "rxjs";
import { ConcurrencyError } from "../src/errors.ts";
import { EventStoreDbEventStore } from "../src/eventstore/eventStoreDb.ts";
import { InMemoryEventStore } from "../src/eventstore/memory.ts";
import type { EventStore, EventToAppend, ExpectedRevision } from "../src/eventstore/port.ts";
import { PostgresEventStore } from "../src/eventstore/postgres.ts";
import { benchDatabase, type BenchDatabase } from "./benchDatabase.ts";
import { startEsdbTestServer } from "../test/support/esdb/server.ts";

const EVENTS = 20_000;
const BATCH = 100;
const WRITERS = 16;
const CONCURRENT_EVENTS_PER_WRITER = 500;
const STREAMS_PER_WRITER = 10;
const RACE_MS = 3_000;

type Adapter = { adapter: string; open(): Promise<{ store: EventStore; dispose(): Promise<void> }> };

async function postgresLog(kind: BenchDatabase["kind"]) {
  const database = await benchDatabase(kind);
  // A connection per writer: fewer make commits wait in the pool instead of sharing a WAL flush.
  const store = new PostgresEventStore(database.url, { poolSize: WRITERS });
  return { store, dispose: async () => (await store.close(), await database.close()) };
}

const adapters: Adapter[] = [
  {
    adapter: "in-memory",
    open: async () => {
      const store = new InMemoryEventStore();
      return { store, dispose: () => store.close() };
    },
  },
  { adapter: "postgres-log/embedded", open: () => postgresLog("embedded") },
  ...(process.env.DATABASE_URL ? [{ adapter: "postgres-log/server", open: () => postgresLog("server") }] : []),
  {
    adapter: "eventstoredb/grpc-test-server",
    open: async () => {
      const server = await startEsdbTestServer({ batchAppend: true });
      const store = EventStoreDbEventStore.connect(server.url);
      return {
        store,
        dispose: async () => {
          await store.close();
          await server.stop();
        },
      };
    },
  },
  ...(process.env.ESDB_URL
    ? [
        {
          adapter: "eventstoredb/real",
          open: async () => {
            const store = EventStoreDbEventStore.connect(process.env.ESDB_URL!);
            return { store, dispose: () => store.close() };
          },
        },
      ]
    : []),
];

const event = (n: number): EventToAppend => ({
  id: randomUUID(),
  type: "BenchEventHappened",
  data: { n, text: "x".repeat(64) },
  metadata: { correlationId: "bench" },
});
const perSecond = (count: number, started: number) => Math.round(count / ((performance.now() - started) / 1000));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure({ adapter, open }: Adapter) {
  const { store, dispose } = await open();
  try {
    const run = randomUUID().slice(0, 8);
    const headBefore = await store.headPosition();
    let started = performance.now();
    for (let n = 0; n < EVENTS; n++) await store.appendToStream(`bench1-${run}-${n % 100}`, [event(n)]);
    const append_1_per_s = perSecond(EVENTS, started);

    started = performance.now();
    for (let n = 0; n < EVENTS; n += BATCH)
      await store.appendToStream(
        `bench100-${run}-${n / BATCH}`,
        Array.from({ length: BATCH }, (_, i) => event(n + i)),
      );
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
    return {
      adapter,
      append_1_per_s,
      append_100_per_s,
      read_per_s,
      catchup_per_s,
      ...(await concurrentAppends(store, run)),
      ...(await race(store, run)),
    };
  } finally {
    await dispose();
  }
}

/** 16 writers on streams of their own, followed by a subscriber that restarts from its checkpoint. */
async function concurrentAppends(store: EventStore, run: string) {
  const prefix = `benchconc-${run}-`;
  const follower = followWithRestarts(store, prefix);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, writer) => {
      const revisions = new Map<string, ExpectedRevision>();
      for (let n = 0; n < CONCURRENT_EVENTS_PER_WRITER; n++) {
        const stream = `${prefix}${writer}-${n % STREAMS_PER_WRITER}`;
        const { nextExpectedRevision } = await store.appendToStream(stream, [event(n)], {
          expectedRevision: revisions.get(stream) ?? "no_stream",
        });
        revisions.set(stream, nextExpectedRevision);
      }
    }),
  );
  const append_1_concurrent_per_s = perSecond(WRITERS * CONCURRENT_EVENTS_PER_WRITER, started);
  return { append_1_concurrent_per_s, ...(await follower.settle(WRITERS * CONCURRENT_EVENTS_PER_WRITER)) };
}

function followWithRestarts(store: EventStore, prefix: string) {
  const delivered: bigint[] = [];
  let checkpoint: bigint | undefined;
  let restarts = 0;
  let subscription: Subscription | undefined;
  const follow = () => {
    let untilRestart = 300 + Math.floor(Math.random() * 700);
    subscription = store.subscribeToAll({ fromPosition: checkpoint, filter: { streamNamePrefixes: [prefix] } }).subscribe((message) => {
      if (message.kind === "event") delivered.push(message.event.position);
      checkpoint = message.kind === "event" ? message.event.position : (message.position ?? checkpoint);
      if (--untilRestart === 0) {
        subscription?.unsubscribe();
        restarts++;
        setTimeout(follow, 0);
      }
    });
  };
  follow();
  return {
    /** Once the writers are done: what the follower missed, got twice, or got out of order. */
    async settle(appended: number) {
      const deadline = performance.now() + 10_000;
      while (new Set(delivered).size < appended && performance.now() < deadline) await pause(20);
      await pause(100);
      subscription?.unsubscribe();
      const unique = new Set(delivered).size;
      return {
        gap_lost_events: appended - unique,
        gap_duplicated_events: delivered.length - unique,
        gap_out_of_order: delivered.filter((position, i) => i > 0 && position <= delivered[i - 1]!).length,
        gap_follower_restarts: restarts,
      };
    },
  };
}

/** 16 writers appending to one stream at the revision they last saw; a conflict costs a re-read. */
async function race(store: EventStore, run: string) {
  const stream = `benchrace-${run}`;
  await store.appendToStream(stream, [event(0)], { expectedRevision: "no_stream" });
  const lastRevision = async () => (await store.readStream(stream, { direction: "backwards", maxCount: 1 }))[0]!.revision;
  let won = 0;
  let lost = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      let revision = await lastRevision();
      while (performance.now() - started < RACE_MS) {
        try {
          revision = (await store.appendToStream(stream, [event(won)], { expectedRevision: revision })).nextExpectedRevision;
          won++;
        } catch (error) {
          if (!(error instanceof ConcurrencyError)) throw error;
          lost++;
          revision = await lastRevision();
        }
      }
    }),
  );
  return { race_success_per_s: perSecond(won, started), race_conflicts_per_s: perSecond(lost, started) };
}

const results = [];
for (const adapter of adapters) results.push(await measure(adapter));
console.log(JSON.stringify({ bench: "eventstore", events: EVENTS, batch: BATCH, writers: WRITERS, results }));
