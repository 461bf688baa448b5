import { randomUUID } from "node:crypto";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventStoreDbEventStore } from "../../src/eventstore/eventStoreDb.ts";
import { PersistentSubscriptions } from "../../src/eventstore/persistentSubscriptions.ts";
import { PersistentFeed } from "../../src/processmanagers/feeds/persistentFeed.ts";
import { startEsdbTestServer, type EsdbTestServer } from "../support/esdb/server.ts";
import { anEvent } from "../eventstore/contract.ts";

describe("a processor's feed from an EventStoreDB consumer group", () => {
  let server: EsdbTestServer;
  let store: EventStoreDbEventStore;

  beforeAll(async () => {
    server = await startEsdbTestServer();
    store = EventStoreDbEventStore.connect(server.url);
  });
  afterAll(async () => {
    await store.close();
    await server.stop();
  });

  it("joins its group again when the server lets its consumer go, and takes the events appended since", async () => {
    const type = `Happened${randomUUID().replaceAll("-", "")}`;
    const feed = await PersistentFeed.open(
      "restart-survivor",
      { groups: new PersistentSubscriptions(store.client), group: `g-${type}`, logger: pino({ level: "silent" }) },
      { eventTypePrefixes: [type] },
      10,
    );
    const handled: string[] = [];
    feed.start(async (event) => void handled.push(event.id));
    const append = async (n: number) => {
      const events = Array.from({ length: n }, () => anEvent(type));
      await store.appendToStream(`feed-${randomUUID()}`, events);
      return events.map((e) => e.id);
    };
    const before = await append(3);
    await expect.poll(() => handled, { timeout: 10_000 }).toEqual(before);

    // What an operator's restart, a group's update or a new leader does to every connected consumer.
    await store.client.restartPersistentSubscriptionSubsystem();
    const after = await append(3);
    await expect.poll(() => handled, { timeout: 15_000 }).toEqual([...before, ...after]);
    feed.stop();
    await feed.flush();
  });
});
