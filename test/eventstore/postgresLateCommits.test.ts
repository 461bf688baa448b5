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

  it(`delivers all ${EVENTS} events once each, in position order`, async () => {
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
    const follow = () => {
      let untilRestart = 200 + randomInt(1200);
      subscription = store
        .subscribeToAll({ fromPosition: checkpoint, filter: { streamNamePrefixes: [`${category}-`] } })
        .subscribe((message) => {
          if (message.kind === "event") delivered.push(message.event);
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

    await Promise.all(Array.from({ length: APPENDERS }, (_, a) => (a % 2 === 0 ? throughTheStore(a) : committingLate(a))));
    await expect.poll(() => delivered.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(EVENTS);
    await pause(200);
    subscription?.unsubscribe();

    const committed = (await store.readAll({ filter: { streamNamePrefixes: [`${category}-`] } })).map((e) => e.id);
    expect(committed).toHaveLength(EVENTS);
    expect(delivered.map((e) => e.id)).toEqual(committed);
    expect(restarts).toBeGreaterThan(3);
    // What the proof rests on: across transactions, xid order is position order.
    const inversions = await database.prisma.$queryRawUnsafe<{ count: bigint }[]>(
      `select count(*) as count from (select position, lag(position) over (order by transaction_id, position) as before from event_log) as ordered where before > position`,
    );
    expect(Number(inversions[0]!.count)).toBe(0);
  });
});
