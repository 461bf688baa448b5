import { randomUUID } from "node:crypto";
import { EventStoreDbEventStore } from "../../src/eventstore/eventStoreDb.ts";
import { InMemoryEventStore } from "../../src/eventstore/memory.ts";
import { PersistentSubscriptions } from "../../src/eventstore/persistentSubscriptions.ts";
import type { ExternalEventLog } from "../../src/system.ts";
import { startEsdbTestServer } from "./esdb/server.ts";

export type OpenedEventLog = { eventLog: ExternalEventLog; dispose(): Promise<void> };

/**
 * The event logs other than the database's own (which every system test uses by default): the
 * in-memory one, and EventStoreDB through @eventstore/db-client with its persistent subscriptions,
 * on the in-process gRPC test server, or on a real server when ESDB_URL is set.
 */
export const otherEventLogs: { name: string; open(): Promise<OpenedEventLog> }[] = [
  {
    name: "in-memory log",
    async open() {
      const store = new InMemoryEventStore();
      return { eventLog: { store }, dispose: async () => undefined };
    },
  },
  process.env.ESDB_URL
    ? {
        name: "EventStoreDB at ESDB_URL",
        async open() {
          const store = EventStoreDbEventStore.connect(process.env.ESDB_URL!);
          // Groups of their own, so a run never picks up an earlier run's events.
          const groupPrefix = `po-test-${randomUUID()}`;
          return { eventLog: { store, groups: new PersistentSubscriptions(store.client), groupPrefix }, dispose: async () => undefined };
        },
      }
    : {
        name: "EventStoreDB (gRPC test server)",
        async open() {
          const server = await startEsdbTestServer({ batchAppend: true });
          const store = EventStoreDbEventStore.connect(server.url);
          return { eventLog: { store, groups: new PersistentSubscriptions(store.client) }, dispose: () => server.stop() };
        },
      },
];

if (!process.env.ESDB_URL) console.info("ESDB_URL not set: the pipeline ran on the gRPC test server, not a real EventStoreDB");
