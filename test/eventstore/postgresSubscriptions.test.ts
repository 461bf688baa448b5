import { randomUUID } from "node:crypto";
import { firstValueFrom, filter } from "rxjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresEventStore } from "../../src/eventstore/postgres.ts";
import type { RecordedEvent } from "../../src/eventstore/port.ts";
import { createTestDatabase } from "../support/database.ts";
import { anEvent } from "./contract.ts";

describe("postgres log: subscriptions coming and going", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let store: PostgresEventStore;
  beforeAll(async () => {
    database = await createTestDatabase();
    store = new PostgresEventStore(database.url);
  });
  afterAll(async () => {
    await store.close();
    await database.close();
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
