/**
 * Where the EventStoreDB test server claims a feature, it answers as EventStoreDB 23.10 does (read
 * from the server's source), through the real client: what the official client's tests showed it
 * got wrong, and how it positions the events of one append.
 */
import { credentials } from "@grpc/grpc-js";
import {
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  MaxAppendSizeExceededError,
  PersistentSubscriptionDoesNotExistError,
  START,
  binaryEvent,
  eventTypeFilter,
  jsonEvent,
  persistentSubscriptionToAllSettingsFromDefaults,
  persistentSubscriptionToStreamSettingsFromDefaults,
  streamNameFilter,
  type Position,
  type ResolvedEvent,
} from "@eventstore/db-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { emptyPb, streamsGrpc, streamsPb, streamIdentifier, uuidMessage } from "../support/esdb/protocol.ts";
import { MAX_APPEND_SIZE } from "../support/esdb/appends.ts";
import { startEsdbTestServer, type EsdbTestServer } from "../support/esdb/server.ts";

const event = (type = "Thing", data: Record<string, unknown> = {}) => jsonEvent({ type, data });
const bytes = (size: number) => binaryEvent({ type: "Blob", data: new Uint8Array(size) });
/** The machine may be busy: wait longer than vitest's default second for what must happen. */
const POLL = { timeout: 10_000 };

async function readTypes(read: AsyncIterable<ResolvedEvent>): Promise<string[]> {
  const types: string[] = [];
  for await (const resolved of read) types.push(`${resolved.event?.type ?? "-"}/${resolved.link?.type ?? "-"}`);
  return types;
}

for (const batchAppend of [true, false])
  describe(`EventStoreDB test server, appending through ${batchAppend ? "BatchAppend" : "Streams/Append"}`, () => {
    let server: EsdbTestServer;
    let client: EventStoreDBClient;
    beforeAll(async () => {
      server = await startEsdbTestServer({ batchAppend });
      client = EventStoreDBClient.connectionString(server.url);
    });
    afterAll(async () => {
      await client.dispose();
      await server.stop();
    });

    it("refuses an append whose data passes 1,048,576 bytes with MaxAppendSizeExceededError naming the limit, and writes none of it", async () => {
      await client.appendToStream("size-1", bytes(MAX_APPEND_SIZE));
      const refused = client.appendToStream("size-2", [bytes(MAX_APPEND_SIZE / 2), bytes(MAX_APPEND_SIZE / 2), bytes(1)]);
      await expect(refused).rejects.toThrow(MaxAppendSizeExceededError);
      await expect(refused).rejects.toMatchObject({ maxAppendSize: MAX_APPEND_SIZE });
      expect(server.log.stream("size-2")).toBeUndefined();
      await client.appendToStream("size-2", event());
      expect(server.log.stream("size-2")).toHaveLength(1);
    });

    it("gives each event of one append its own commit position, equal to its prepare position; the append reports its last", async () => {
      const result = await client.appendToStream("positions-1", [bytes(10), bytes(500), bytes(20)]);
      const events: Position[] = [];
      for await (const resolved of client.readStream("positions-1")) events.push(resolved.event!.position!);
      expect(events.map((p) => p.commit)).toEqual(events.map((p) => p.prepare));
      expect(new Set(events.map((p) => p.commit)).size).toBe(3);
      expect(result.position).toEqual(events[2]);
      // Byte offsets: each step is at least the record's data.
      expect(events[2]!.commit - events[1]!.commit).toBeGreaterThan(500n);
      const fromSecond: string[] = [];
      for await (const resolved of client.readAll({ fromPosition: events[1]!, maxCount: 2 })) fromSecond.push(resolved.event!.streamId);
      expect(fromSecond).toEqual(["positions-1", "positions-1"]);
    });
  });

describe("EventStoreDB test server, as EventStoreDB answers", () => {
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

  it("starts a persistent subscription to a stream created from END at the end, and reports END", async () => {
    await client.appendToStream("ps-end-1", [event("Old"), event("Older")]);
    await client.createPersistentSubscriptionToStream(
      "ps-end-1",
      "g",
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: END }),
    );
    const info = await client.getPersistentSubscriptionToStreamInfo("ps-end-1", "g");
    expect(info.settings.startFrom).toBe(END);
    const seen: string[] = [];
    const subscription = client.subscribeToPersistentSubscriptionToStream("ps-end-1", "g");
    subscription.on("data", (e) => {
      seen.push(e.event!.type);
      void subscription.ack(e);
    });
    await client.appendToStream("ps-end-1", event("New"));
    await expect.poll(() => seen, POLL).toEqual(["New"]);
    await subscription.unsubscribe();
  });

  it("sends a filtered $all subscription a checkpoint every max × multiplier events considered, matching or not, system events too", async () => {
    // 20 appends: 10 of three unwanted events, 10 of one wanted; the server adds a system event every fifth.
    for (let i = 0; i < 10; i++) {
      await client.appendToStream(`noise-${i}`, [event(), event(), event()]);
      await client.appendToStream(`wanted-${i}`, event());
    }
    const checkpoints: Position[] = [];
    let caughtUp = false;
    const subscription = client.subscribeToAll({
      fromPosition: START,
      filter: streamNameFilter({
        prefixes: ["wanted-"],
        maxSearchWindow: 4,
        checkpointInterval: 2,
        checkpointReached: (_, p) => void checkpoints.push(p),
      }),
    });
    subscription.on("data", () => {});
    subscription.on("caughtUp", () => (caughtUp = true));
    await expect.poll(() => caughtUp, POLL).toBe(true);
    const inHistory = Math.floor(server.log.all().length / 8);
    expect(checkpoints).toHaveLength(inHistory);
    // Live, the count goes on from where history left it.
    await client.appendToStream(
      "noise-live",
      Array.from({ length: 10 }, () => event()),
    );
    const considered = server.log.all().length;
    await expect.poll(() => checkpoints.length, POLL).toBe(Math.floor(considered / 8));
    expect(checkpoints.map((p) => p.commit)).toEqual([...checkpoints.map((p) => p.commit)].sort((a, b) => (a < b ? -1 : 1)));
    // Live checkpoints are the position of the event that completed the interval.
    const live = checkpoints.slice(inHistory);
    expect(live.every((p) => p.commit === p.prepare && server.log.all().some((e) => e.position === p.commit))).toBe(true);
    await subscription.unsubscribe();
  });

  it("resumes a subscription from a history checkpoint (prepare 0) with the event after it, none skipped", async () => {
    await client.appendToStream(
      "bulk-1",
      Array.from({ length: 100 }, (_, i) => event(i === 70 ? "Wanted" : "Other", { i })),
    );
    const checkpoints: Position[] = [];
    let caughtUp = false;
    const first = client.subscribeToAll({
      fromPosition: START,
      filter: eventTypeFilter({ prefixes: ["Wanted"], maxSearchWindow: 8, checkpointReached: (_, p) => void checkpoints.push(p) }),
    });
    first.on("data", () => {});
    first.on("caughtUp", () => (caughtUp = true));
    await expect.poll(() => caughtUp, POLL).toBe(true);
    await first.unsubscribe();
    const bulk = server.log.stream("bulk-1")!;
    const wanted = bulk[70]!.position;
    // The last checkpoint before the wanted event: a page's start, inside the one append.
    const beforeWanted = checkpoints.filter((p) => p.prepare === 0n && p.commit < wanted).at(-1)!;
    expect(beforeWanted.commit).toBeGreaterThan(bulk[0]!.position);
    const seen: number[] = [];
    const resumed = client.subscribeToAll({ fromPosition: beforeWanted, filter: eventTypeFilter({ prefixes: ["Wanted"] }) });
    resumed.on("data", (e: ResolvedEvent) => seen.push((e.event!.data as { i: number }).i));
    await expect.poll(() => seen, POLL).toEqual([70]);
    await resumed.unsubscribe();
  });

  it("gives the events of an explicit transaction (TCP API) its commit record's position; $all resumes inside it from {commit, prepare}", async () => {
    const transaction = server.log.beginTransaction("tcp-1");
    transaction.write([{ type: "T1" }, { type: "T2" }]);
    await client.appendToStream("grpc-1", event("Meanwhile"));
    transaction.write([{ type: "T3" }]);
    transaction.commit();
    await client.appendToStream("grpc-1", event("After"));
    const read: { stream: string; position: Position }[] = [];
    for await (const resolved of client.readAll()) read.push({ stream: resolved.event!.streamId, position: resolved.event!.position! });
    const mine = read.filter((e) => e.stream === "tcp-1" || e.stream === "grpc-1");
    expect(mine.map((e) => e.stream)).toEqual(["grpc-1", "tcp-1", "tcp-1", "tcp-1", "grpc-1"]);
    const [meanwhile, t1, t2, t3] = mine.map((e) => e.position);
    expect(new Set([t1!.commit, t2!.commit, t3!.commit]).size).toBe(1);
    expect(t1!.prepare < meanwhile!.commit && meanwhile!.commit < t3!.prepare && t3!.prepare < t3!.commit).toBe(true);
    const fromSecond: string[] = [];
    for await (const resolved of client.readAll({ fromPosition: t2!, maxCount: 3 })) fromSecond.push(resolved.event!.streamId);
    expect(fromSecond).toEqual(["tcp-1", "tcp-1", "grpc-1"]);
  });

  it("answers List of a stream, or of $all, with no groups as a group that does not exist", async () => {
    await expect(client.listPersistentSubscriptionsToStream("no-groups-1")).rejects.toThrow(PersistentSubscriptionDoesNotExistError);
    await expect(client.listPersistentSubscriptionsToAll()).rejects.toThrow(PersistentSubscriptionDoesNotExistError);
    await expect(client.listPersistentSubscriptionsToStream("no-groups-1")).rejects.toThrow(/on stream no-groups-1 does not exist/);
    expect(await client.listAllPersistentSubscriptions()).toEqual([]);
  });

  it("answers a batch append whose deadline has passed with DeadlineExceededError, and writes nothing", async () => {
    await expect(client.appendToStream("late-1", event(), { deadline: 0 })).rejects.toThrow(DeadlineExceededError);
    expect(server.log.stream("late-1")).toBeUndefined();
  });

  it("resolves $> links on reads when asked: the target, with the link beside it; a dangling link comes alone", async () => {
    await client.appendToStream("target-1", event("Target"));
    const link = (to: string) => binaryEvent({ type: "$>", data: Buffer.from(to) });
    await client.appendToStream("links-1", [link("0@target-1"), link("5@target-1")]);
    expect(await readTypes(client.readStream("links-1", { resolveLinkTos: true }))).toEqual(["Target/$>", "-/$>"]);
    expect(await readTypes(client.readStream("links-1"))).toEqual(["$>/-", "$>/-"]);
    const all = await readTypes(client.readAll({ resolveLinkTos: true }));
    expect(all.filter((t) => t.endsWith("/$>"))).toEqual(["Target/$>", "-/$>"]);
  });

  it("reports observed measurements of a consumer with extra statistics once it has acked", async () => {
    await client.appendToStream("stats-1", [event(), event()]);
    await client.createPersistentSubscriptionToStream(
      "stats-1",
      "g",
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, extraStatistics: true }),
    );
    const subscription = client.subscribeToPersistentSubscriptionToStream("stats-1", "g");
    let acked = 0;
    subscription.on("data", async (e) => {
      await subscription.ack(e);
      acked++;
    });
    await expect.poll(() => acked, POLL).toBe(2);
    await expect
      .poll(
        async () => (await client.getPersistentSubscriptionToStreamInfo("stats-1", "g")).connections[0]?.extraStatistics?.get("mean"),
        POLL,
      )
      .toBeTypeOf("bigint");
    const [connection] = (await client.getPersistentSubscriptionToStreamInfo("stats-1", "g")).connections;
    expect([...connection!.extraStatistics!.keys()]).toEqual(
      expect.arrayContaining(["median", "fastest", "quintile 5", "99.9%", "highest"]),
    );
    await subscription.unsubscribe();
  });

  it("updates a persistent subscription's settings in place; its consumers are dropped and may come back", async () => {
    await client.createPersistentSubscriptionToAll(
      "g",
      persistentSubscriptionToAllSettingsFromDefaults({ startFrom: START, messageTimeout: 30_000 }),
    );
    const subscription = client.subscribeToPersistentSubscriptionToAll("g");
    const dropped = new Promise((resolve) => subscription.on("error", resolve));
    subscription.on("data", () => {});
    await expect.poll(async () => (await client.getPersistentSubscriptionToAllInfo("g")).connections.length, POLL).toBe(1);
    await client.updatePersistentSubscriptionToAll(
      "g",
      persistentSubscriptionToAllSettingsFromDefaults({ startFrom: START, messageTimeout: 5_000, maxRetryCount: 3 }),
    );
    await dropped;
    const info = await client.getPersistentSubscriptionToAllInfo("g");
    expect([info.settings.messageTimeout, info.settings.maxRetryCount]).toEqual([5_000, 3]);
    await expect(client.updatePersistentSubscriptionToAll("none", persistentSubscriptionToAllSettingsFromDefaults())).rejects.toThrow(
      PersistentSubscriptionDoesNotExistError,
    );
  });

  it("restarts the persistent subscriptions subsystem: every consumer is dropped, the groups stay", async () => {
    await client.createPersistentSubscriptionToStream("restart-1", "g", persistentSubscriptionToStreamSettingsFromDefaults());
    const subscription = client.subscribeToPersistentSubscriptionToStream("restart-1", "g");
    const dropped = new Promise((resolve) => subscription.on("error", resolve));
    subscription.on("data", () => {});
    await expect.poll(async () => (await client.getPersistentSubscriptionToStreamInfo("restart-1", "g")).connections.length, POLL).toBe(1);
    await client.restartPersistentSubscriptionSubsystem();
    await dropped;
    expect((await client.getPersistentSubscriptionToStreamInfo("restart-1", "g")).connections).toEqual([]);
  });

  it("answers a batch append with the wrong expected revision with ALREADY_EXISTS and the message WrongExpectedVersion", async () => {
    await client.appendToStream("wev-1", event());
    const raw = new streamsGrpc.StreamsClient(server.url.replace(/^esdb:\/\/([^?]+).*$/, "$1"), credentials.createInsecure());
    const call = raw.batchAppend();
    const options = new streamsPb.BatchAppendReq.Options();
    options.setStreamIdentifier(streamIdentifier("wev-1"));
    options.setNoStream(new emptyPb.Empty());
    const req = new streamsPb.BatchAppendReq();
    req.setCorrelationId(uuidMessage(crypto.randomUUID()));
    req.setOptions(options);
    req.setIsFinal(true);
    const answer = new Promise<InstanceType<typeof streamsPb.BatchAppendResp>>((resolve) => call.once("data", resolve));
    call.write(req);
    const error = (await answer).getError()!;
    const finished = new Promise((resolve) => call.on("status", resolve));
    call.on("data", () => {});
    call.end();
    await finished;
    raw.close();
    expect([error.getCode(), error.getMessage()]).toEqual([6, "WrongExpectedVersion"]);
    expect(error.getDetails()!.getTypeName()).toBe("event_store.client.WrongExpectedVersion");
  });
});
