import { randomUUID } from "node:crypto";
import { filter, firstValueFrom, take, toArray } from "rxjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresEventStore } from "../../src/eventstore/postgres.ts";
import { createTestDatabase, testDatabaseKind } from "../support/database.ts";
import { anEvent, eventStoreContract } from "./contract.ts";

eventStoreContract(`postgres log (${testDatabaseKind})`, async () => {
  const database = await createTestDatabase();
  const store = new PostgresEventStore(database.prisma, { pollIntervalMs: 50 });
  return {
    store,
    async dispose() {
      await store.close();
      await database.close();
    },
  };
}, { atomicMultiStreamAppend: true });

describe("postgres log: a transaction that commits late", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let store: PostgresEventStore;
  beforeAll(async () => {
    database = await createTestDatabase();
    store = new PostgresEventStore(database.prisma, {
      pollIntervalMs: 20,
      beforeCommit: (stream) => (stream.startsWith("slow-") ? held : Promise.resolve()),
    });
  });
  afterAll(async () => {
    await store.close();
    await database.close();
  });

  it("is delivered before every event committed after it, never skipped", async () => {
    const category = randomUUID().replaceAll("-", "");
    const delivered = firstValueFrom(
      store.subscribeToAll().pipe(
        filter((m) => m.kind === "event" && m.event.streamName.includes(category)),
        take(4),
        toArray(),
      ),
    );
    const slow = store.appendToStream(`slow-${category}`, [anEvent("Slow")]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const fast = Promise.all([1, 2, 3].map((n) => store.appendToStream(`fast${n}-${category}`, [anEvent(`Fast${n}`)])));
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await Promise.all([slow, fast]);
    const messages = await delivered;
    const events = messages.flatMap((m) => (m.kind === "event" ? [m.event] : []));
    expect(events[0]!.type).toBe("Slow");
    expect(events.map((e) => e.position)).toEqual([...events.map((e) => e.position)].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(["Slow", "Fast1", "Fast2", "Fast3"]));
  });
});
