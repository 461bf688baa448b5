import type { Observable } from "rxjs";

/**
 * The event store port, shaped after EventStoreDB so its adapter fits without changing callers:
 * streams named `category-id`, per-stream revisions from 0, one global position over all streams.
 */

export type JsonObject = { [key: string]: unknown };

export type ExpectedRevision = "any" | "no_stream" | "stream_exists" | bigint;

export type EventToAppend = {
  /** A UUID. Re-appending an event whose id the stream already holds is a no-op success. */
  id: string;
  type: string;
  data: JsonObject;
  metadata: JsonObject;
};

export type RecordedEvent = EventToAppend & {
  streamName: string;
  revision: bigint;
  position: bigint;
  created: Date;
};

export type AppendResult = { nextExpectedRevision: bigint; position: bigint };

export type StreamAppend = { streamName: string; events: EventToAppend[]; expectedRevision?: ExpectedRevision };

export type ReadStreamOptions = {
  direction?: "forwards" | "backwards";
  /** Inclusive. Defaults to the start (forwards) or the end (backwards). */
  fromRevision?: bigint;
  maxCount?: number;
};

export type ReadAllOptions = {
  direction?: "forwards" | "backwards";
  /** Inclusive. Defaults to the start (forwards) or the end (backwards) of the log. */
  fromPosition?: bigint;
  maxCount?: number;
  /** Applied by the store, so a reader is sent only what it wants. */
  filter?: SubscriptionFilter;
};

export type SubscriptionFilter = {
  streamNamePrefixes?: string[];
  eventTypePrefixes?: string[];
};

export type SubscribeToAllOptions = {
  /** Exclusive: the subscription delivers events after this position. Omit to start at the beginning. */
  fromPosition?: bigint;
  filter?: SubscriptionFilter;
};

export type SubscriptionMessage =
  | { kind: "event"; event: RecordedEvent }
  /**
   * Every committed event up to `position` that passes the filter has been delivered; live events
   * follow. Sent again each time the subscription catches up further.
   */
  | { kind: "caughtUp"; position: bigint | undefined };

export interface EventStore {
  appendToStream(streamName: string, events: EventToAppend[], options?: { expectedRevision?: ExpectedRevision }): Promise<AppendResult>;
  /**
   * Appends to several streams, each under its own expected revision. Atomic where the store can
   * do it (the Postgres and in-memory logs); elsewhere stream by stream, in order, so callers must
   * be safe to retry: with derived event ids a retry re-appends nothing that already landed.
   */
  appendToStreams(appends: StreamAppend[]): Promise<AppendResult[]>;
  /** A stream that does not exist reads as empty. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** The position of the newest event in the log, if any. */
  headPosition(): Promise<bigint | undefined>;
  subscribeToAll(options?: SubscribeToAllOptions): Observable<SubscriptionMessage>;
  close(): Promise<void>;
}

export function matchesFilter(event: RecordedEvent, filter: SubscriptionFilter | undefined): boolean {
  if (!filter) return true;
  const { streamNamePrefixes, eventTypePrefixes } = filter;
  if (streamNamePrefixes && !streamNamePrefixes.some((p) => event.streamName.startsWith(p))) return false;
  if (eventTypePrefixes && !eventTypePrefixes.some((p) => event.type.startsWith(p))) return false;
  return true;
}

export function describeRevision(revision: ExpectedRevision | bigint | undefined): string {
  return revision === undefined ? "no_stream" : String(revision);
}
