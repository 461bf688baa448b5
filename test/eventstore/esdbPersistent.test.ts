import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EventStoreDbEventStore } from "../../src/eventstore/eventStoreDb.ts";
import { PersistentSubscriptions, type PersistentConsumer, type PersistentMessage } from "../../src/eventstore/persistentSubscriptions.ts";
import { startEsdbTestServer, type EsdbTestServer } from "../support/esdb/server.ts";
import { anEvent } from "./contract.ts";

type Delivery = { id: string; retryCount: number; message: PersistentMessage };

/** Runs a consumer in the background, recording every delivery and handling it with `handle`. */
function consume(consumer: PersistentConsumer, handle: (m: PersistentMessage) => Promise<void> | void = (m) => m.ack()) {
  const deliveries: Delivery[] = [];
  const done = (async () => {
    for await (const message of consumer) {
      deliveries.push({ id: message.event.id, retryCount: message.retryCount, message });
      await handle(message);
    }
  })();
  return { deliveries, done, close: () => consumer.close() };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The machine may be busy: wait longer than vitest's default second for what must happen. */
const POLL = { timeout: 10_000 };

describe("persistent subscriptions to $all on the EventStoreDB test server", () => {
  let server: EsdbTestServer;
  let store: EventStoreDbEventStore;
  let groups: PersistentSubscriptions;
  let category: string;
  const open: { close(): Promise<void> }[] = [];
  const subscribe = (group: string, bufferSize: number, handle?: (m: PersistentMessage) => Promise<void> | void) => {
    const running = consume(groups.subscribe(group, { bufferSize }), handle);
    open.push(running);
    return running;
  };
  const appendMany = async (count: number) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const event = anEvent("Happened", { i });
      ids.push(event.id);
      await store.appendToStream(`${category}-${i % 3}`, [event]);
    }
    return ids;
  };

  beforeAll(async () => {
    server = await startEsdbTestServer();
    store = EventStoreDbEventStore.connect(server.url);
    groups = new PersistentSubscriptions(store.client);
  });
  beforeEach(() => {
    category = `ps${randomUUID().replaceAll("-", "")}`;
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    server.reset();
  });
  afterAll(async () => {
    await store.close();
    await server.stop();
  });

  it("shares the work between two consumers, nothing delivered to both while acked", async () => {
    await groups.ensureGroup("share", { filter: { streamNamePrefixes: [`${category}-`] }, startFrom: "start" });
    await groups.ensureGroup("share", { filter: { streamNamePrefixes: [`${category}-`] }, startFrom: "start" }); // idempotent
    const slowAck = async (m: PersistentMessage) => {
      await pause(5);
      await m.ack();
    };
    const a = subscribe("share", 2, slowAck);
    const b = subscribe("share", 2, slowAck);
    const ids = await appendMany(30);
    await expect.poll(() => a.deliveries.length + b.deliveries.length, POLL).toBe(30);
    await pause(100);
    const seenByA = new Set(a.deliveries.map((d) => d.id));
    const seenByB = new Set(b.deliveries.map((d) => d.id));
    expect([...seenByA].filter((id) => seenByB.has(id))).toEqual([]);
    expect(new Set([...seenByA, ...seenByB])).toEqual(new Set(ids));
    expect(seenByA.size).toBeGreaterThan(0);
    expect(seenByB.size).toBeGreaterThan(0);
    expect([...a.deliveries, ...b.deliveries].every((d) => d.retryCount === 0)).toBe(true);
  });

  it("gives a consumer no more unacked messages than its buffer holds", async () => {
    await groups.ensureGroup("buffer", { filter: { streamNamePrefixes: [`${category}-`] }, startFrom: "start" });
    const holder = subscribe("buffer", 2, () => {}); // acks only when told below
    const ids = await appendMany(5);
    await expect.poll(() => holder.deliveries.length, POLL).toBe(2);
    await pause(150);
    expect(holder.deliveries).toHaveLength(2);
    await holder.deliveries[0]!.message.ack();
    await expect.poll(() => holder.deliveries.map((d) => d.id), POLL).toEqual(ids.slice(0, 3));
  });

  it("redelivers a message nacked with retry, counting the retries", async () => {
    await groups.ensureGroup("retry", { filter: { streamNamePrefixes: [`${category}-`] }, startFrom: "start" });
    const consumer = subscribe("retry", 5, (m) => (m.retryCount < 2 ? m.nack("retry", "not yet") : m.ack()));
    const [id] = await appendMany(1);
    await expect
      .poll(() => consumer.deliveries.map((d) => [d.id, d.retryCount]), POLL)
      .toEqual([
        [id, 0],
        [id, 1],
        [id, 2],
      ]);
    await expect.poll(async () => (await groups.info("retry")).inFlightCount, POLL).toBe(0);
  });

  it("parks a message, then delivers it again when the parked messages are replayed", async () => {
    await groups.ensureGroup("park", { filter: { streamNamePrefixes: [`${category}-`] }, startFrom: "start" });
    let parked = false;
    const consumer = subscribe("park", 5, async (m) => {
      if (parked) return m.ack();
      parked = true;
      await m.nack("park", "cannot handle this yet");
    });
    const [id] = await appendMany(1);
    await expect.poll(async () => (await groups.info("park")).parkedCount, POLL).toBe(1);
    await pause(200);
    expect(consumer.deliveries).toHaveLength(1);
    await groups.replayParked("park");
    await expect.poll(() => consumer.deliveries.map((d) => d.id), POLL).toEqual([id, id]);
    await expect.poll(async () => (await groups.info("park")).parkedCount, POLL).toBe(0);
  });

  it("skips a message nacked with skip", async () => {
    await groups.ensureGroup("skip", { filter: { streamNamePrefixes: [`${category}-`] }, startFrom: "start" });
    const consumer = subscribe("skip", 5, (m) => m.nack("skip", "not interesting"));
    await appendMany(2);
    await expect.poll(() => consumer.deliveries.length, POLL).toBe(2);
    await pause(200);
    expect(consumer.deliveries).toHaveLength(2);
    const info = await groups.info("skip");
    expect([info.parkedCount, info.inFlightCount]).toEqual([0, 0]);
  });

  it("redelivers to another consumer what a consumer that disconnected never acked", async () => {
    await groups.ensureGroup("leave", { filter: { streamNamePrefixes: [`${category}-`] }, startFrom: "start" });
    const quitter = subscribe("leave", 5, () => {}); // never acks
    const ids = await appendMany(4);
    await expect.poll(() => quitter.deliveries.length, POLL).toBe(4);
    const other = subscribe("leave", 5);
    await expect.poll(async () => (await groups.info("leave")).connections.length, POLL).toBe(2);
    await pause(100);
    expect(other.deliveries).toEqual([]); // all four are in flight to the quitter
    await quitter.close();
    await expect.poll(() => other.deliveries.map((d) => d.id), POLL).toEqual(ids);
    expect(other.deliveries.every((d) => d.retryCount === 1)).toBe(true);
  });

  it("redelivers a message not acked in time, and parks it after the maximum retries", async () => {
    await groups.ensureGroup("slow", {
      filter: { streamNamePrefixes: [`${category}-`] },
      startFrom: "start",
      messageTimeoutMs: 150,
      maxRetryCount: 2,
    });
    const consumer = subscribe("slow", 5, () => {}); // never acks
    const [id] = await appendMany(1);
    await expect
      .poll(() => consumer.deliveries.map((d) => [d.id, d.retryCount]), POLL)
      .toEqual([
        [id, 0],
        [id, 1],
        [id, 2],
      ]);
    await expect.poll(async () => (await groups.info("slow")).parkedCount, POLL).toBe(1);
    expect(consumer.deliveries).toHaveLength(3);
  });

  it("reports parked and in-flight counts, the last known position and the connections", async () => {
    await groups.ensureGroup("info", { filter: { eventTypePrefixes: ["Happened"] }, startFrom: "end" });
    const quiet = subscribe("info", 3, () => {}); // holds what it gets
    await store.appendToStream("elsewhere-1", [anEvent("Ignored")]);
    await appendMany(2);
    const last = await store.appendToStream(`${category}-x`, [anEvent("Happened")]);
    await expect.poll(() => quiet.deliveries.length, POLL).toBe(3);
    expect(quiet.deliveries.every((d) => d.message.event.type === "Happened")).toBe(true);
    await quiet.deliveries[0]!.message.nack("park", "bad");
    await expect.poll(async () => (await groups.info("info")).parkedCount, POLL).toBe(1);
    const info = await groups.info("info");
    expect(info.inFlightCount).toBe(2);
    expect(info.lastKnownPosition).toBe(last.position);
    expect(info.connections).toHaveLength(1);
    expect(info.connections[0]!.inFlight).toBe(2);
    expect(info.connections[0]!.availableSlots).toBe(1);
  });

  it("updates an existing group whose timeout or retries changed, keeping its place; the same settings leave it alone", async () => {
    const filter = { streamNamePrefixes: [`${category}-`] };
    await groups.ensureGroup("change", { filter, startFrom: "start", messageTimeoutMs: 30_000, maxRetryCount: 10 });
    const first = subscribe("change", 10);
    const dropped = first.done.then(
      () => undefined,
      (error: unknown) => error,
    );
    const before = await appendMany(3);
    await expect.poll(() => first.deliveries.length, POLL).toBe(3);
    await groups.ensureGroup("change", { filter, startFrom: "start", messageTimeoutMs: 30_000, maxRetryCount: 10 });
    expect((await groups.info("change")).connections).toHaveLength(1);

    await groups.ensureGroup("change", { filter, startFrom: "start", messageTimeoutMs: 5_000, maxRetryCount: 2 });
    const { settings } = await store.client.getPersistentSubscriptionToAllInfo("change");
    expect([settings.messageTimeout, settings.maxRetryCount]).toEqual([5_000, 2]);
    expect(String(await dropped)).toMatch(/updated/);
    const second = subscribe("change", 10);
    const after = await appendMany(2);
    await expect.poll(() => second.deliveries.map((d) => d.id), POLL).toEqual(after);
    expect(before).not.toContain(after[0]);
  });

  it("never delivers system events to a group without a filter", async () => {
    await groups.ensureGroup("everything", { startFrom: "start" });
    const consumer = subscribe("everything", 10);
    const ids = await appendMany(6); // the server writes a $statsCollected event after every fifth append
    await expect.poll(() => consumer.deliveries.length, POLL).toBe(6);
    await pause(100);
    expect(consumer.deliveries.map((d) => d.id)).toEqual(ids);
  });
});
