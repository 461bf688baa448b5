import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConcurrencyError } from "../../src/errors.ts";
import { PostgresEventStore } from "../../src/eventstore/postgres.ts";
import type { ReadStreamOptions } from "../../src/eventstore/port.ts";
import { createTestDatabase } from "../support/database.ts";
import { anEvent } from "./contract.ts";

describe("postgres log: appends asked for while a batch is on its way go together as the next batch", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let store: PostgresEventStore;
  beforeAll(async () => {
    database = await createTestDatabase();
    // One batch on its way at a time: everything asked for in the same turn after the first waits for the next.
    store = new PostgresEventStore(database.url, { appendConcurrency: 1 });
  });
  afterAll(async () => {
    await store.close();
    await database.close();
  });

  const transactionsOf = async (streams: string[]) =>
    (
      await database.prisma.$queryRawUnsafe<{ stream_name: string; transaction_id: bigint }[]>(
        "select stream_name, transaction_id from event_log where stream_name = any($1::text[])",
        streams,
      )
    ).map((row) => row.transaction_id);

  it("keeps each append atomic and failing alone: conflicts, a multi-stream conflict, an idempotent retry and a race in one batch", async () => {
    const run = randomUUID();
    const raced = `raced-${run}`;
    const existing = `existing-${run}`;
    const retried = anEvent("Retried");
    await store.appendToStream(raced, [anEvent("Start")], { expectedRevision: "no_stream" });
    await store.appendToStream(existing, [retried, anEvent("Second")], { expectedRevision: "no_stream" });

    const opener = store.appendToStream(`opener-${run}`, [anEvent()]);
    const fresh = Array.from({ length: 5 }, (_, n) =>
      store.appendToStream(`fresh-${run}-${n}`, [anEvent(), anEvent()], { expectedRevision: "no_stream" }),
    );
    const wrong = store.appendToStream(existing, [anEvent("Wrong")], { expectedRevision: 0n });
    const halfWrong = store.appendToStreams([
      { streamName: `half-${run}`, events: [anEvent("Lost")], expectedRevision: "no_stream" },
      { streamName: existing, events: [anEvent("Lost")], expectedRevision: "no_stream" },
    ]);
    const retry = store.appendToStream(existing, [retried], { expectedRevision: 0n });
    const racers = Array.from({ length: 5 }, () => store.appendToStream(raced, [anEvent("Racer")], { expectedRevision: 0n }));
    const afterTheWinner = store.appendToStream(raced, [anEvent("Any")]);
    const outcomes = await Promise.allSettled([opener, ...fresh, wrong, halfWrong, retry, ...racers, afterTheWinner]);

    const [openerOutcome, ...rest] = outcomes;
    const freshOutcomes = rest.slice(0, 5);
    const [wrongOutcome, halfWrongOutcome, retryOutcome] = rest.slice(5, 8);
    const racerOutcomes = rest.slice(8, 13);
    const anyOutcome = rest[13]!;
    expect(openerOutcome!.status).toBe("fulfilled");
    expect(freshOutcomes.map((o) => o.status)).toEqual(Array(5).fill("fulfilled"));
    expect(wrongOutcome).toMatchObject({ status: "rejected", reason: { streamName: existing, expected: "0", actual: "1" } });
    expect(halfWrongOutcome).toMatchObject({ status: "rejected", reason: { streamName: existing, expected: "no_stream", actual: "1" } });
    expect(await store.readStream(`half-${run}`)).toEqual([]);
    // The retry of an event the stream holds is a success that writes nothing, whatever revision it expected.
    expect(retryOutcome).toMatchObject({ status: "fulfilled", value: { nextExpectedRevision: 1n } });
    expect((await store.readStream(existing)).map((e) => e.type)).toEqual(["Retried", "Second"]);
    // Of racers at one revision in one batch, the first wins and the others see the stream it left.
    expect(racerOutcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "rejected", "rejected", "rejected"]);
    for (const lost of racerOutcomes.slice(1)) expect(lost).toMatchObject({ status: "rejected", reason: { expected: "0", actual: "1" } });
    expect(anyOutcome).toMatchObject({ status: "fulfilled", value: { nextExpectedRevision: 2n } });
    expect((await store.readStream(raced)).map((e) => [e.revision, e.type])).toEqual([
      [0n, "Start"],
      [1n, "Racer"],
      [2n, "Any"],
    ]);

    // Everything after the opener went in one transaction; the opener in one of its own.
    const batched = new Set(await transactionsOf(Array.from({ length: 5 }, (_, n) => `fresh-${run}-${n}`)));
    const [openerTransaction] = await transactionsOf([`opener-${run}`]);
    expect(batched.size).toBe(1);
    expect(batched.has(openerTransaction!)).toBe(false);
  });

  it("fails a malformed append alone: its neighbours in the batch are written", async () => {
    const run = randomUUID();
    const opener = store.appendToStream(`opener-${run}`, [anEvent()]);
    const good = Array.from({ length: 3 }, (_, n) => store.appendToStream(`good-${run}-${n}`, [anEvent()]));
    // PostgreSQL takes no NUL in text: the whole batch's statement fails.
    const bad = store.appendToStream(`bad-${run}\u0000`, [anEvent()]);
    const outcomes = await Promise.allSettled([opener, ...good, bad]);
    expect(outcomes.slice(0, 4).map((o) => o.status)).toEqual(Array(4).fill("fulfilled"));
    expect(outcomes[4]).toMatchObject({ status: "rejected" });
    expect((outcomes[4] as PromiseRejectedResult).reason).not.toBeInstanceOf(ConcurrencyError);
    for (let n = 0; n < 3; n++) expect(await store.readStream(`good-${run}-${n}`)).toHaveLength(1);
  });
});

describe("postgres log: stream reads asked for in the same turn go as one query", () => {
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

  it("gives each read what it gets alone, whatever its direction, start and count, and fails a malformed one alone", async () => {
    const run = randomUUID();
    const streams = Array.from({ length: 4 }, (_, n) => `read-${run}-${n}`);
    for (const [n, stream] of streams.entries())
      await store.appendToStream(
        stream,
        Array.from({ length: n + 2 }, (_, i) => anEvent(`E${i}`, { n, i })),
      );
    const reads: [string, ReadStreamOptions][] = [
      ...streams.map((stream): [string, ReadStreamOptions] => [stream, {}]),
      [streams[3]!, { fromRevision: 2n }],
      [streams[3]!, { fromRevision: 1n, maxCount: 2 }],
      [streams[2]!, { direction: "backwards", maxCount: 1 }],
      [streams[3]!, { direction: "backwards", fromRevision: 3n, maxCount: 2 }],
      [streams[1]!, { maxCount: 0 }],
      [`missing-${run}`, {}],
      [streams[0]!, {}],
    ];
    const alone = [];
    for (const [stream, options] of reads) alone.push(await store.readStream(stream, options));

    const together = await Promise.allSettled([
      ...reads.map(([stream, options]) => store.readStream(stream, options)),
      store.readStream(`bad-${run}\u0000`),
    ]);
    expect(together.slice(0, -1)).toEqual(alone.map((value) => ({ status: "fulfilled", value })));
    expect(together.at(-1)).toMatchObject({ status: "rejected" });
    // Sanity: the reads differ, so a mix-up between them would show.
    expect(alone.map((events) => events.map((e) => `${e.streamName}@${e.revision}`))).toContainEqual([
      `${streams[3]}@3`,
      `${streams[3]}@2`,
    ]);
  });
});
