import { randomUUID } from "node:crypto";
import pg from "pg";
import { filter, firstValueFrom } from "rxjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConcurrencyError } from "../../src/errors.ts";
import type { RecordedEvent, SubscriptionMessage } from "../../src/eventstore/port.ts";
import { appendStatement, PostgresEventStore } from "../../src/eventstore/postgres.ts";
import { anEvent, eventStoreContract } from "./contract.ts";
import { createTestDatabase, testDatabaseKind } from "../support/database.ts";

type ServerDatabase = Awaited<ReturnType<typeof createTestDatabase>>;
const openServerDatabase = createTestDatabase;

eventStoreContract(
  `postgres log (${testDatabaseKind})`,
  async () => {
    const database = await openServerDatabase();
    const store = new PostgresEventStore(database.url, { pollIntervalMs: 50 });
    return {
      store,
      async dispose() {
        await store.close();
        await database.close();
      },
    };
  },
  { atomicMultiStreamAppend: true },
);

describe("postgres log", () => {
  let database: ServerDatabase;
  let store: PostgresEventStore;
  beforeAll(async () => {
    database = await openServerDatabase();
    store = new PostgresEventStore(database.url, { pollIntervalMs: 20 });
  });
  afterAll(async () => {
    await store.close();
    await database.close();
  });

  it("delivers a transaction that commits late before every event committed after it, and nothing past it until then", async () => {
    const category = randomUUID().replaceAll("-", "");
    const messages: SubscriptionMessage[] = [];
    const subscription = store
      .subscribeToAll({ filter: { streamNamePrefixes: [`slow-${category}`, `fast`] } })
      .subscribe((m) => messages.push(m));
    const events = () => messages.flatMap((m) => (m.kind === "event" && m.event.streamName.endsWith(category) ? [m.event] : []));
    const slow = new pg.Client({ connectionString: database.url });
    await slow.connect();
    try {
      await slow.query("begin");
      await slow.query(appendStatement([{ streamName: `slow-${category}`, events: [anEvent("Slow")] }]));
      await Promise.all([1, 2, 3].map((n) => store.appendToStream(`fast${n}-${category}`, [anEvent(`Fast${n}`)])));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(events()).toEqual([]);
      await slow.query("commit");
    } finally {
      await slow.end();
    }
    await expect.poll(() => events().length).toBe(4);
    subscription.unsubscribe();
    expect(events()[0]!.type).toBe("Slow");
    expect(events().map((e) => e.position)).toEqual([...events().map((e) => e.position)].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(events().map((e) => e.type))).toEqual(new Set(["Slow", "Fast1", "Fast2", "Fast3"]));
  });

  it("claims to be caught up only below a transaction still open", async () => {
    const caughtUp: bigint[] = [];
    const subscription = store
      .subscribeToAll({ filter: { streamNamePrefixes: ["nothing-"] } })
      .subscribe((m) => m.kind === "caughtUp" && m.position !== undefined && caughtUp.push(m.position));
    await expect.poll(() => caughtUp.length).toBeGreaterThan(0);
    const held = new pg.Client({ connectionString: database.url });
    await held.connect();
    try {
      await held.query("begin");
      const { rows } = await held.query<{ last_position: string }>(
        appendStatement([{ streamName: `held-${randomUUID()}`, events: [anEvent("Held")] }]),
      );
      const heldPosition = BigInt(rows[0]!.last_position);
      const after = await store.appendToStream(`other-${randomUUID()}`, [anEvent()]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(caughtUp.filter((position) => position >= heldPosition)).toEqual([]);
      expect(await store.headPosition()).toBe(after.position);
      await held.query("commit");
      await expect.poll(() => caughtUp.at(-1)).toBe(after.position);
    } finally {
      subscription.unsubscribe();
      await held.end();
    }
  });

  it("serialises appends to one stream: of racing writers at one revision exactly one wins, and 'any' never collides", async () => {
    const stream = `race-${randomUUID()}`;
    await store.appendToStream(stream, [anEvent("Start")], { expectedRevision: "no_stream" });
    const raced = await Promise.allSettled(
      Array.from({ length: 16 }, () => store.appendToStream(stream, [anEvent()], { expectedRevision: 0n })),
    );
    expect(raced.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(raced.flatMap((r) => (r.status === "rejected" && r.reason instanceof ConcurrencyError ? [r.reason] : []))).toHaveLength(15);
    await Promise.all(Array.from({ length: 16 }, () => store.appendToStream(stream, [anEvent(), anEvent()])));
    expect((await store.readStream(stream)).map((e) => e.revision)).toEqual(Array.from({ length: 34 }, (_, n) => BigInt(n)));
  });

  it("appends to several streams named in either order at once without deadlocking", async () => {
    const [a, b] = [`pair-${randomUUID()}`, `pair-${randomUUID()}`];
    await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        store.appendToStreams(
          n % 2 === 0
            ? [
                { streamName: a, events: [anEvent()] },
                { streamName: b, events: [anEvent()] },
              ]
            : [
                { streamName: b, events: [anEvent()] },
                { streamName: a, events: [anEvent()] },
              ],
        ),
      ),
    );
    expect(await store.readStream(a)).toHaveLength(20);
    expect(await store.readStream(b)).toHaveLength(20);
  });

  // A lone subscription reads the database with its filter; two or more share the recent log's
  // reads. Subscriptions joining and leaving while events are appended move the store between the two.
  it("each see every event their filter lets through once, in order, whichever way the store reads", async () => {
    const run = randomUUID();
    const isRun = (e: RecordedEvent) => e.streamName.startsWith(`run-${run}`);
    const everything: RecordedEvent[] = [];
    const lasting = store.subscribeToAll().subscribe((m) => m.kind === "event" && isRun(m.event) && everything.push(m.event));
    let appending = true;
    const writer = (async () => {
      for (let n = 0; appending; n++) {
        await store.appendToStream(`run-${run}-${n % 7}`, [anEvent(n % 2 === 0 ? "Even" : "Odd", { n })]);
        if (n % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();

    const rounds: { seen: RecordedEvent[]; upTo: bigint }[] = [];
    for (let round = 0; round < 8; round++) {
      const seen: RecordedEvent[] = [];
      const head = (await store.headPosition()) ?? 0n;
      // Several at once in some rounds, one alone in others.
      const joiners = Array.from({ length: 1 + (round % 3) }, () => store.subscribeToAll({ filter: { eventTypePrefixes: ["Even"] } }));
      const [first, ...others] = joiners;
      const extra = others.map((joiner) => joiner.subscribe());
      await firstValueFrom(
        first!.pipe(
          filter((m) => {
            if (m.kind === "event" && isRun(m.event)) seen.push(m.event);
            return m.kind === "caughtUp" && m.position !== undefined && m.position >= head + 40n;
          }),
        ),
      );
      for (const subscription of extra) subscription.unsubscribe();
      rounds.push({ seen, upTo: seen.at(-1)!.position });
    }
    appending = false;
    await writer;
    const last = (await store.headPosition())!;
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (everything.at(-1)?.position === last) (clearInterval(check), resolve());
      }, 10);
    });
    lasting.unsubscribe();

    const inLog = (await store.readAll({ maxCount: 100_000 })).filter(isRun);
    expect(everything.map((e) => e.position)).toEqual(inLog.map((e) => e.position));
    for (const { seen, upTo } of rounds) {
      const expected = inLog.filter((e) => e.type === "Even" && e.position <= upTo).map((e) => e.position);
      expect(seen.map((e) => e.position)).toEqual(expected);
    }
  });
});

describe("postgres log: a wrong expected revision", () => {
  let database: ServerDatabase;
  let pool: pg.Pool;
  let store: PostgresEventStore;
  let connectionsOpened = 0;
  beforeAll(async () => {
    database = await openServerDatabase();
    pool = new pg.Pool({ connectionString: database.url, max: 4 });
    pool.on("connect", () => connectionsOpened++);
    store = new PostgresEventStore(pool);
  });
  afterAll(async () => {
    await store.close();
    await pool.end();
    await database.close();
  });

  it("costs no connection: 200 conflicts leave the pool's connection open and healthy", async () => {
    const stream = `conflict-${randomUUID()}`;
    await store.appendToStream(stream, [anEvent()], { expectedRevision: "no_stream" });
    const opened = connectionsOpened;
    for (let n = 0; n < 200; n++) {
      await expect(store.appendToStream(stream, [anEvent()], { expectedRevision: n % 2 === 0 ? 7n : "no_stream" })).rejects.toThrow(
        ConcurrencyError,
      );
    }
    expect(connectionsOpened).toBe(opened);
    expect(pool.totalCount).toBe(1);
    expect((await store.appendToStream(stream, [anEvent()], { expectedRevision: 0n })).nextExpectedRevision).toBe(1n);
  });

  it("says which stream, what was expected and what the stream holds", async () => {
    const stream = `conflict-${randomUUID()}`;
    await store.appendToStream(stream, [anEvent(), anEvent()]);
    await expect(store.appendToStream(stream, [anEvent()], { expectedRevision: 0n })).rejects.toMatchObject({
      streamName: stream,
      expected: "0",
      actual: "1",
    });
  });
});

describe("postgres log: stores in two processes", () => {
  let database: ServerDatabase;
  let writer: PostgresEventStore;
  let reader: PostgresEventStore;
  const listeners = async () =>
    (
      await database.prisma.$queryRawUnsafe<{ pid: number }[]>(
        "select pid from pg_stat_activity where datname = current_database() and application_name = 'po-pipeline event log listener'",
      )
    ).map((r) => r.pid);
  beforeAll(async () => {
    database = await openServerDatabase();
    // Only a notification can deliver within the test's time: the poll would take a minute.
    writer = new PostgresEventStore(database.url, { pollIntervalMs: 60_000, relistenMs: 50 });
    reader = new PostgresEventStore(database.url, { pollIntervalMs: 60_000, relistenMs: 50 });
  });
  afterAll(async () => {
    await writer.close();
    await reader.close();
    await database.close();
  });

  const deliveredToReader = async (category: string) => {
    const messages: SubscriptionMessage[] = [];
    const subscription = reader.subscribeToAll({ filter: { streamNamePrefixes: [`${category}-`] } }).subscribe((m) => messages.push(m));
    await expect.poll(() => messages.some((m) => m.kind === "caughtUp")).toBe(true);
    await writer.appendToStream(`${category}-1`, [anEvent("Elsewhere")]);
    await expect.poll(() => messages.filter((m) => m.kind === "event").length, { timeout: 5_000 }).toBe(1);
    subscription.unsubscribe();
  };

  it("wakes a subscriber of one when the other appends", async () => {
    await expect.poll(listeners).toHaveLength(2);
    await deliveredToReader(`notified${randomUUID().replaceAll("-", "")}`);
  });

  it("listens again after the listening connection was cut", async () => {
    const cut = await listeners();
    await database.prisma.$queryRawUnsafe("select pg_terminate_backend(pid) from unnest($1::int[]) as pid", cut);
    await expect.poll(async () => (await listeners()).filter((pid) => !cut.includes(pid))).toHaveLength(2);
    await deliveredToReader(`relistened${randomUUID().replaceAll("-", "")}`);
  });
});
