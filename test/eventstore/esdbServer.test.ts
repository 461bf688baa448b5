/** The EventStoreDB test server itself, through the real client: the protocol facts adapters rely on. */
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  START,
  UnsupportedError,
  jsonEvent,
  persistentSubscriptionToAllSettingsFromDefaults,
  persistentSubscriptionToStreamSettingsFromDefaults,
  streamNameFilter,
  type ResolvedEvent,
} from "@eventstore/db-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEsdbTestServer, type EsdbTestServer } from "../support/esdb/server.ts";

const FEATURES = "/event_store.client.server_features.ServerFeatures/GetSupportedMethods";
const APPEND = "/event_store.client.streams.Streams/Append";
const BATCH_APPEND = "/event_store.client.streams.Streams/BatchAppend";
const event = (type = "Thing", data: Record<string, unknown> = {}) => jsonEvent({ type, data });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The machine may be busy: wait longer than vitest's default second for what must happen. */
const POLL = { timeout: 10_000 };

describe("EventStoreDB test server", () => {
  let server: EsdbTestServer;
  let client: EventStoreDBClient;
  beforeAll(async () => {
    server = await startEsdbTestServer();
    client = EventStoreDBClient.connectionString(server.url);
  });
  afterEach(() => server.reset());
  afterAll(async () => {
    await client.dispose();
    await server.stop();
  });

  it("is asked for its features on the first append, not on connecting", async () => {
    const fresh = EventStoreDBClient.connectionString(server.url);
    const before = server.calls.get(FEATURES) ?? 0;
    await pause(50);
    expect(server.calls.get(FEATURES) ?? 0).toBe(before);
    await fresh.appendToStream("features-1", event());
    await fresh.appendToStream("features-1", event());
    expect(server.calls.get(FEATURES)).toBe(before + 1);
    await fresh.dispose();
  });

  it("subscribes to a stream after the given revision, then caught up, then live", async () => {
    await client.appendToStream("sub-1", [event("E0"), event("E1"), event("E2")]);
    await client.appendToStream("other-1", event("Elsewhere"));
    const seen: string[] = [];
    const subscription = client.subscribeToStream("sub-1", { fromRevision: 0n });
    subscription.on("data", (e: ResolvedEvent) => seen.push(e.event!.type));
    subscription.on("caughtUp", () => seen.push("caughtUp"));
    await expect.poll(() => seen, POLL).toEqual(["E1", "E2", "caughtUp"]);
    await client.appendToStream("sub-1", event("E3"));
    await expect.poll(() => seen, POLL).toEqual(["E1", "E2", "caughtUp", "E3"]);
    await subscription.unsubscribe();
  });

  it("reads $all backwards from a position, before it", async () => {
    const first = await client.appendToStream("back-1", event("A"));
    const second = await client.appendToStream("back-1", event("B"));
    const read: string[] = [];
    for await (const e of client.readAll({ direction: BACKWARDS, fromPosition: second.position!, maxCount: 1 })) {
      read.push(e.event!.type);
    }
    expect(read).toEqual(["A"]);
    expect(second.position!.commit - first.position!.commit).toBeGreaterThan(1n);
  });

  it("sends filter checkpoints while scanning events the filter rejects", async () => {
    for (let i = 0; i < 10; i++) await client.appendToStream(`noise-${i}`, [event(), event(), event(), event()]);
    const checkpoints: bigint[] = [];
    const subscription = client.subscribeToAll({
      fromPosition: START,
      filter: streamNameFilter({
        prefixes: ["wanted-"],
        maxSearchWindow: 4,
        checkpointInterval: 2,
        checkpointReached: (_, p) => void checkpoints.push(p.commit),
      }),
    });
    subscription.on("data", () => {});
    await expect.poll(() => checkpoints.length, POLL).toBeGreaterThanOrEqual(4);
    expect(checkpoints).toEqual([...checkpoints].sort((a, b) => (a < b ? -1 : 1)));
    await subscription.unsubscribe();
  });

  it("runs persistent subscriptions to a stream too", async () => {
    await client.appendToStream("ps-stream-1", [event("One"), event("Two")]);
    await client.createPersistentSubscriptionToStream(
      "ps-stream-1",
      "g",
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START }),
    );
    const subscription = client.subscribeToPersistentSubscriptionToStream("ps-stream-1", "g");
    const seen: string[] = [];
    subscription.on("data", (e) => {
      seen.push(e.event!.type);
      void subscription.ack(e);
    });
    await expect.poll(() => seen, POLL).toEqual(["One", "Two"]);
    const list = await client.listPersistentSubscriptionsToStream("ps-stream-1");
    expect(list.map((info) => info.groupName)).toEqual(["g"]);
    await subscription.unsubscribe();
    await client.deletePersistentSubscriptionToStream("ps-stream-1", "g");
    expect(await client.listAllPersistentSubscriptions()).toEqual([]);
  });

  it("answers what it does not implement with UNIMPLEMENTED naming the method", async () => {
    await expect(client.deleteStream("any-1")).rejects.toThrow(/Streams\/Delete is not implemented/);
  });
});

describe("EventStoreDB test server without server features", () => {
  let server: EsdbTestServer;
  let client: EventStoreDBClient;
  beforeAll(async () => {
    server = await startEsdbTestServer({ serverFeatures: false });
    client = EventStoreDBClient.connectionString(server.url);
  });
  afterAll(async () => {
    await client.dispose();
    await server.stop();
  });

  it("makes the client append through Streams/Append and refuse persistent subscriptions to $all", async () => {
    await client.appendToStream("old-1", event());
    expect(server.calls.get(APPEND)).toBe(1);
    expect(server.calls.get(BATCH_APPEND)).toBeUndefined();
    await expect(
      client.createPersistentSubscriptionToAll("g", persistentSubscriptionToAllSettingsFromDefaults({ startFrom: END })),
    ).rejects.toThrow(UnsupportedError);
  });
});
