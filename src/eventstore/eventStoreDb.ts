/**
 * The event store port on EventStoreDB, through @eventstore/db-client (gRPC).
 *
 * - Positions are commit positions (as bigint), one per event even within one append (see
 *   toEsdbPosition); EventStoreDB's are byte offsets, never dense.
 * - appendToStreams is stream by stream, in order, not atomic; callers rely on idempotent
 *   re-appends (same event ids) to retry safely.
 * - System events ($-streams, $-types) are never returned by readAll, headPosition or subscriptions.
 */
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  type Position,
  type RecordedEvent as EsdbRecordedEvent,
} from "@eventstore/db-client";
import { Observable } from "rxjs";
import { ConcurrencyError } from "../errors.ts";
import { assertAppendable } from "./appendRules.ts";
import { isAfter, isSystemEvent, serverSideFilter, toEsdbPosition, toRecordedEvent, wanted } from "./eventStoreDbMapping.ts";
import {
  describeRevision,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
  type SubscribeToAllOptions,
  type SubscriptionMessage,
} from "./port.ts";

const PAGE_SIZE = 500;

export class EventStoreDbEventStore implements EventStore {
  constructor(readonly client: EventStoreDBClient) {}

  /** e.g. `esdb://localhost:2113?tls=false` */
  static connect(connectionString: string): EventStoreDbEventStore {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(connectionString));
  }

  async appendToStream(
    streamName: string,
    events: EventToAppend[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    assertAppendable([{ streamName, events }]);
    const expectedRevision = options.expectedRevision ?? "any";
    try {
      const result = await this.client.appendToStream(
        streamName,
        events.map((e) => jsonEvent({ id: e.id, type: e.type, data: e.data, metadata: e.metadata })),
        { expectedRevision },
      );
      const position = result.position?.commit ?? (await this.positionOf(streamName, result.nextExpectedRevision));
      return { nextExpectedRevision: result.nextExpectedRevision, position };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        throw new ConcurrencyError(streamName, describeRevision(expectedRevision), String(error.actualVersion));
      }
      throw error;
    }
  }

  /** Servers that answer an idempotent append without a position: read it back. */
  private async positionOf(streamName: string, revision: bigint): Promise<bigint> {
    const [event] = await this.readStream(streamName, { direction: "backwards", fromRevision: revision, maxCount: 1 });
    if (!event) throw new Error(`${streamName}@${revision} was appended but cannot be read back`);
    return event.position;
  }

  async appendToStreams(appends: StreamAppend[]): Promise<AppendResult[]> {
    assertAppendable(appends);
    const results: AppendResult[] = [];
    for (const { streamName, events, expectedRevision } of appends) {
      results.push(await this.appendToStream(streamName, events, { expectedRevision }));
    }
    return results;
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === "backwards";
    const events: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(streamName, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: options.fromRevision ?? (backwards ? END : START),
        maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
      });
      for await (const resolved of read) if (resolved.event) events.push(toRecordedEvent(resolved.event));
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  /**
   * Client 6.2.1 cannot filter reads of `$all` on the server, so this pages through the log and
   * filters here. `fromPosition` must be a position this store returned (EventStoreDB rejects
   * positions that do not start a record).
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const backwards = options.direction === "backwards";
    const events: RecordedEvent[] = [];
    let from: Position | typeof START | typeof END =
      options.fromPosition === undefined ? (backwards ? END : START) : toEsdbPosition(options.fromPosition);
    let after: Position | undefined;
    if (backwards && options.fromPosition !== undefined) {
      // EventStoreDB reads backwards from before a position; the port's is inclusive, so the event at it is read forwards.
      const [atFrom] = await this.drain(this.client.readAll({ direction: FORWARDS, fromPosition: from as Position, maxCount: 1 }));
      if (atFrom?.position?.commit === options.fromPosition) {
        if (wanted(atFrom, options.filter) && maxCount > 0) events.push(toRecordedEvent(atFrom));
        after = atFrom.position;
      }
    }
    const beyond = (position: Position, last: Position) => (backwards ? isAfter(last, position) : isAfter(position, last));
    while (events.length < maxCount) {
      // Pages after the first start at the last event read, which comes again and is skipped.
      const remaining = maxCount - events.length + (after === undefined ? 0 : 1);
      const pageSize = options.filter ? PAGE_SIZE : Math.min(PAGE_SIZE, remaining);
      const direction = backwards ? BACKWARDS : FORWARDS;
      const page = await this.drain(this.client.readAll({ direction, fromPosition: from, maxCount: pageSize }));
      const fresh = page.filter((e) => after === undefined || beyond(e.position!, after));
      for (const event of fresh) if (events.length < maxCount && wanted(event, options.filter)) events.push(toRecordedEvent(event));
      const last = fresh.at(-1)?.position;
      if (page.length < pageSize || !last) break;
      from = last;
      after = last;
    }
    return events;
  }

  async headPosition(): Promise<bigint | undefined> {
    let from: Position | typeof END = END;
    let before: Position | undefined;
    for (;;) {
      const page = await this.drain(this.client.readAll({ direction: BACKWARDS, fromPosition: from, maxCount: 50 }));
      const fresh = page.filter((e) => before === undefined || isAfter(before, e.position!));
      const newest = fresh.find((e) => !isSystemEvent(e));
      if (newest) return newest.position!.commit;
      const last = fresh.at(-1)?.position;
      if (page.length < 50 || !last) return undefined;
      from = last;
      before = last;
    }
  }

  /**
   * Reads a whole response. Leaving one part-read makes `client.dispose()` hang: the gRPC call
   * keeps its unread messages and never finishes.
   */
  private async drain(read: AsyncIterable<{ event?: EsdbRecordedEvent }>): Promise<EsdbRecordedEvent[]> {
    const events: EsdbRecordedEvent[] = [];
    for await (const { event } of read) if (event?.position) events.push(event);
    return events;
  }

  /**
   * A catch-up subscription run by the server. `caughtUp` comes from the server's CaughtUp
   * message (EventStoreDB 23.10+), placed in order after the events that preceded it; its
   * position is the furthest point known to be delivered: the last event or filter checkpoint
   * before it, or the starting position.
   */
  subscribeToAll(options: SubscribeToAllOptions = {}): Observable<SubscriptionMessage> {
    return new Observable<SubscriptionMessage>((subscriber) => {
      let delivered = 0;
      let known = options.fromPosition;
      const markers: ({ at: number } & ({ kind: "checkpoint"; position: bigint } | { kind: "caughtUp" }))[] = [];
      const advance = (position: bigint) => {
        if (known === undefined || position > known) known = position;
      };
      const flush = () => {
        while (markers.length > 0 && markers[0]!.at <= delivered) {
          const marker = markers.shift()!;
          if (marker.kind === "checkpoint") advance(marker.position);
          else subscriber.next({ kind: "caughtUp", position: known });
        }
      };
      const subscription = this.client.subscribeToAll({
        fromPosition: options.fromPosition === undefined ? START : toEsdbPosition(options.fromPosition),
        // Called in stream order, after every event before it was pushed (maybe not yet read).
        filter: serverSideFilter(options.filter, (_, position) => {
          markers.push({ at: delivered + subscription.readableLength, kind: "checkpoint", position: position.commit });
          flush();
        }),
      });
      subscription.on("caughtUp", () => {
        markers.push({ at: delivered + subscription.readableLength, kind: "caughtUp" });
        flush();
      });
      subscription.on("data", ({ event }) => {
        delivered++;
        if (event?.position) {
          if (wanted(event, options.filter)) subscriber.next({ kind: "event", event: toRecordedEvent(event) });
          advance(event.position.commit);
        }
        flush();
      });
      subscription.on("error", (error) => subscriber.error(error));
      subscription.on("end", () => subscriber.complete());
      return () => {
        subscription.unsubscribe().catch(() => {});
      };
    });
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}
