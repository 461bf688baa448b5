/** Translations between the port's shapes and @eventstore/db-client's. */
import {
  eventTypeFilter,
  excludeSystemEvents,
  streamNameFilter,
  type Filter,
  type Position,
  type RecordedEvent as EsdbRecordedEvent,
} from "@eventstore/db-client";
import { matchesFilter, type JsonObject, type RecordedEvent, type SubscriptionFilter } from "./port.ts";

/** EventStoreDB's own events ($-streams, $-types) never reach the port's readers. */
export function isSystemEvent(event: { streamId: string; type: string }): boolean {
  return event.streamId.startsWith("$") || event.type.startsWith("$");
}

/**
 * The port's position is the commit position. EventStoreDB (5.0 on) writes each event of a gRPC
 * append as its own prepare record, committed by itself: its commit and prepare positions are both
 * that record's log position, one per event, and `$all` is in their order. So one bigint orders
 * every event appended through this adapter, also inside a many-event append.
 *
 * Back to EventStoreDB it goes as {p, 0}: the start of the record at p, before every event it
 * commits. A read from there includes the event at p; a subscription starts after the first event
 * there, so after the event at p. The only records that commit several events are explicit
 * transactions of the TCP API (another application's, on a shared server): all their events have
 * the commit record's position, and {p, 0} resumes inside such a transaction rather than skipping
 * past it and the event after it, as {p, p} would.
 */
export function toEsdbPosition(position: bigint): Position {
  return { commit: position, prepare: 0n };
}

/** $all order: commit position, then prepare position. */
export function isAfter(a: Position, b: Position): boolean {
  return a.commit > b.commit || (a.commit === b.commit && a.prepare > b.prepare);
}

function jsonObject(value: unknown): JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Uint8Array)
    ? (value as JsonObject)
    : {};
}

export function toRecordedEvent(event: EsdbRecordedEvent): RecordedEvent {
  if (!event.position) throw new Error(`Event ${event.id} in ${event.streamId} came without a position`);
  return {
    id: event.id,
    type: event.type,
    data: jsonObject(event.data),
    metadata: jsonObject(event.metadata),
    streamName: event.streamId,
    revision: event.revision,
    position: event.position.commit,
    created: event.created,
  };
}

/** Whether a delivered event is one the port's reader asked for. */
export function wanted(event: EsdbRecordedEvent, filter: SubscriptionFilter | undefined): boolean {
  return !isSystemEvent(event) && matchesFilter(toRecordedEvent(event), filter);
}

const MATCHES_NOTHING = "(?!)";

/**
 * The server filters on one thing only (stream name or event type), so the port's filter is
 * narrowed there by the more selective half and finished client-side with `wanted`.
 */
export function serverSideFilter(filter: SubscriptionFilter | undefined, checkpointReached?: Filter["checkpointReached"]): Filter {
  const withCheckpoints = checkpointReached ? { checkpointReached } : {};
  const streams = filter?.streamNamePrefixes;
  if (streams) {
    const prefixes = streams.filter((p) => p !== "" && !p.startsWith("$"));
    if (prefixes.length === streams.length && prefixes.length > 0) return streamNameFilter({ prefixes, ...withCheckpoints });
    if (streams.length === 0) return streamNameFilter({ regex: MATCHES_NOTHING, ...withCheckpoints });
  }
  const types = filter?.eventTypePrefixes;
  if (types) {
    const prefixes = types.filter((p) => p !== "" && !p.startsWith("$"));
    if (prefixes.length === types.length && prefixes.length > 0) return eventTypeFilter({ prefixes, ...withCheckpoints });
    if (types.length === 0) return eventTypeFilter({ regex: MATCHES_NOTHING, ...withCheckpoints });
  }
  return excludeSystemEvents(withCheckpoints);
}
