import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Subscription } from "rxjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordedEvent, StreamAppend } from "../../src/eventstore/port.ts";
import { appendStatement, PostgresEventStore } from "../../src/eventstore/postgres.ts";
import { createTestDatabase } from "../support/database.ts";
import { anEvent } from "./contract.ts";

const EVENTS = 10_000;
const APPENDERS = 16;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const randomInt = (below: number) => Math.floor(Math.random() * below);

describe("postgres log: 16 appenders committing late at random, a subscriber restarted from its checkpoint", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let store: PostgresEventStore;
  beforeAll(async () => {
    database = await createTestDatabase();
    if (database.url === undefined) throw new Error("The Postgres event log runs on a server: set DATABASE_URL");
    store = new PostgresEventStore(database.url, { pollIntervalMs: 50, poolSize: APPENDERS / 2 + 1 });
  });
  afterAll(async () => {
    await store.close();
    await database.close();
  });

  it(`delivers all ${EVENTS} events once each, in position order`, { timeout: 120_000 }, async () => {
    const category = `late${randomUUID().replaceAll("-", "")}`;
    let toAppend = EVENTS;
    const nextAppend = (appender: number): StreamAppend[] => {
      const streams = randomInt(4) === 0 ? 2 : 1;
      const first = randomInt(4);
      return Array.from({ length: streams }, (_, s) => {
        const count = Math.min(1 + randomInt(3), toAppend);
        toAppend -= count;
        return { streamName: `${category}-${appender}-${(first + s) % 4}`, events: Array.from({ length: count }, () => anEvent("Tick")) };
      }).filter((append) => append.events.length > 0);
    };
    // Half append through the store; half hold their transaction open a while before committing.
    const throughTheStore = async (appender: number) => {
      while (toAppend > 0) await store.appendToStreams(nextAppend(appender));
    };
    const committingLate = async (appender: number) => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        while (toAppend > 0) {
          await client.query("begin");
          await client.query(appendStatement(nextAppend(appender)));
          await pause(randomInt(6));
          await client.query("commit");
        }
      } finally {
        await client.end();
      }
    };

    const delivered: RecordedEvent[] = [];
    let checkpoint: bigint | undefined;
    let restarts = 0;
    let subscription: Subscription | undefined;
    let following = true;
    // Where each subscription started and where it said it had caught up: what a loss is explained by.
    const trail: { at: "start" | "caughtUp"; position: bigint | undefined }[] = [];
    const follow = () => {
      if (!following) return;
      let untilRestart = 200 + randomInt(1200);
      trail.push({ at: "start", position: checkpoint });
      subscription = store
        .subscribeToAll({ fromPosition: checkpoint, filter: { streamNamePrefixes: [`${category}-`] } })
        .subscribe((message) => {
          if (message.kind === "event") delivered.push(message.event);
          else trail.push({ at: "caughtUp", position: message.position });
          // A projector saves caught-up marks too: they must never pass an event still to come.
          checkpoint = message.kind === "event" ? message.event.position : message.position;
          if (--untilRestart === 0) {
            subscription?.unsubscribe();
            restarts++;
            setTimeout(follow, randomInt(20));
          }
        });
    };
    follow();

    try {
      await Promise.all(Array.from({ length: APPENDERS }, (_, a) => (a % 2 === 0 ? throughTheStore(a) : committingLate(a))));
      // Generous: the claim is that nothing is lost, not how soon it arrives on a busy machine.
      for (const deadline = Date.now() + 60_000; delivered.length < EVENTS && Date.now() < deadline;) await pause(50);
      await pause(200);
    } finally {
      following = false;
      subscription?.unsubscribe();
    }

    const committed = await store.readAll({ filter: { streamNamePrefixes: [`${category}-`] } });
    expect(committed).toHaveLength(EVENTS);
    const received = new Set(delivered.map((e) => e.id));
    const missed = committed
      .filter((e) => !received.has(e.id))
      .map((e) => ({ position: e.position, trail: trailAround(trail, e.position) }));
    expect(missed).toEqual([]);
    expect(delivered.map((e) => e.id)).toEqual(committed.map((e) => e.id));
    expect(restarts).toBeGreaterThan(3);
    // What the proof rests on: across transactions, xid order is position order.
    const inversions = await database.prisma.$queryRawUnsafe<{ count: bigint }[]>(
      `select count(*) as count from (select position, lag(position) over (order by transaction_id, position) as before from event_log) as ordered where before > position`,
    );
    expect(Number(inversions[0]!.count)).toBe(0);
  });
});

/** The subscriptions' starts and caught-up marks on either side of a position. */
function trailAround(trail: { at: string; position: bigint | undefined }[], position: bigint) {
  const after = trail.findIndex((mark) => mark.position !== undefined && mark.position >= position);
  const from = Math.max(0, (after < 0 ? trail.length : after) - 2);
  return trail.slice(from, from + 4).map((mark) => `${mark.at} ${mark.position ?? "-"}`);
}
