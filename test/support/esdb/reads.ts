/** Streams/Read: reads of a stream or of `$all`, forwards or backwards, and subscriptions to either. */
import { randomUUID } from "node:crypto";
import type { ServerWritableStream } from "@grpc/grpc-js";
import {
  allPosition,
  parseFilter,
  passesFilter,
  readOnAfter,
  type EsdbLog,
  type EventFilter,
  type LogPosition,
  type StoredEvent,
} from "./log.ts";
import { streamIdentifier, streamNameOf, streamsPb, uuidMessage, type StreamsReadReq, type StreamsReadResp } from "./protocol.ts";

type ReadCall = ServerWritableStream<StreamsReadReq, StreamsReadResp>;
type ReadOptions = InstanceType<typeof streamsPb.ReadReq.Options>;

/** The setters shared by the RecordedEvent messages of the streams and persistent services. */
export type RecordedEventMessage = {
  setId(value: ReturnType<typeof uuidMessage>): unknown;
  setStreamIdentifier(value: ReturnType<typeof streamIdentifier>): unknown;
  setStreamRevision(value: string): unknown;
  setPreparePosition(value: string): unknown;
  setCommitPosition(value: string): unknown;
  getMetadataMap(): { set(key: string, value: string): unknown };
  setCustomMetadata(value: Uint8Array): unknown;
  setData(value: Uint8Array): unknown;
};

/** The ReadEvent messages of the streams and persistent services: the event, the link it came through, the position. */
export type ReadEventMessage<R extends RecordedEventMessage> = {
  setEvent(value: R): unknown;
  setLink(value: R): unknown;
  setCommitPosition(value: string): unknown;
};

export function fillRecordedEvent<T extends RecordedEventMessage>(message: T, event: StoredEvent): T {
  message.setId(uuidMessage(event.id));
  message.setStreamIdentifier(streamIdentifier(event.streamName));
  message.setStreamRevision(event.revision.toString());
  message.setPreparePosition(event.position.toString());
  message.setCommitPosition(event.commitPosition.toString());
  const metadata = message.getMetadataMap();
  metadata.set("type", event.type);
  metadata.set("content-type", event.contentType);
  metadata.set("created", event.createdTicks);
  message.setCustomMetadata(event.customMetadata);
  message.setData(event.data);
  return message;
}

const LINK_TYPE = "$>";

/** The event a `$>` link points at (its data is `revision@stream`); undefined when that event does not exist. */
function linkTarget(log: EsdbLog, link: StoredEvent): StoredEvent | undefined {
  const text = Buffer.from(link.data).toString("utf8");
  const at = text.indexOf("@");
  if (at < 1 || !/^\d+$/.test(text.slice(0, at))) return undefined;
  return log.stream(text.slice(at + 1))?.[Number(text.slice(0, at))];
}

/**
 * With `resolveLinks`, a link comes as its target with the link beside it (a link whose target is
 * gone comes as the link alone, in the link field), as EventStoreDB resolves them; the position
 * is always the record read, the link's.
 */
export function fillReadEvent<R extends RecordedEventMessage, T extends ReadEventMessage<R>>(
  message: T,
  newRecorded: () => R,
  log: EsdbLog,
  event: StoredEvent,
  resolveLinks: boolean,
): T {
  message.setCommitPosition(event.commitPosition.toString());
  if (!resolveLinks || event.type !== LINK_TYPE) {
    message.setEvent(fillRecordedEvent(newRecorded(), event));
    return message;
  }
  const target = linkTarget(log, event);
  if (target) message.setEvent(fillRecordedEvent(newRecorded(), target));
  message.setLink(fillRecordedEvent(newRecorded(), event));
  return message;
}

function eventResponse(log: EsdbLog, event: StoredEvent, resolveLinks: boolean): StreamsReadResp {
  const { ReadEvent } = streamsPb.ReadResp;
  const readEvent = fillReadEvent(new ReadEvent(), () => new ReadEvent.RecordedEvent(), log, event, resolveLinks);
  const resp = new streamsPb.ReadResp();
  resp.setEvent(readEvent);
  return resp;
}

function checkpointResponse(position: LogPosition): StreamsReadResp {
  const checkpoint = new streamsPb.ReadResp.Checkpoint();
  checkpoint.setCommitPosition(position.commit.toString());
  checkpoint.setPreparePosition(position.prepare.toString());
  const resp = new streamsPb.ReadResp();
  resp.setCheckpoint(checkpoint);
  return resp;
}

type Source = { kind: "stream"; streamName: string; from: "start" | "end" | bigint } | { kind: "all"; from: "start" | "end" | LogPosition };

function sourceOf(options: ReadOptions): Source {
  if (options.hasStream()) {
    const stream = options.getStream()!;
    const from = stream.hasStart() ? "start" : stream.hasEnd() ? "end" : BigInt(stream.getRevision());
    return { kind: "stream", streamName: streamNameOf(stream.getStreamIdentifier()), from };
  }
  const all = options.getAll()!;
  if (all.hasStart()) return { kind: "all", from: "start" };
  if (all.hasEnd()) return { kind: "all", from: "end" };
  const position = all.getPosition()!;
  return { kind: "all", from: { commit: BigInt(position.getCommitPosition()), prepare: BigInt(position.getPreparePosition()) } };
}

/** Registers each open call so `reset()` and `stop()` can end them. */
export type CallRegistry = Set<{ end(): void }>;

export function readHandler(log: EsdbLog, openCalls: CallRegistry) {
  return (call: ReadCall) => {
    const options = call.request.getOptions()!;
    const source = sourceOf(options);
    const filter = options.hasFilter() ? parseFilter(options.getFilter()) : undefined;
    const resolveLinks = options.getResolveLinks();
    if (options.hasSubscription()) return subscribe(log, openCalls, call, source, options, filter);
    const backwards = options.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.BACKWARDS;
    const count = options.hasCount() ? Number(BigInt(options.getCount())) : Number.MAX_SAFE_INTEGER;
    if (source.kind === "stream" && log.stream(source.streamName) === undefined) {
      const notFound = new streamsPb.ReadResp.StreamNotFound();
      notFound.setStreamIdentifier(streamIdentifier(source.streamName));
      const resp = new streamsPb.ReadResp();
      resp.setStreamNotFound(notFound);
      call.write(resp);
      call.end();
      return;
    }
    const events = source.kind === "stream" ? readStream(log, source, backwards) : readAll(log, source, backwards);
    let sent = 0;
    for (const event of events) {
      if (sent >= count) break;
      if (!passesFilter(filter, event)) continue;
      call.write(eventResponse(log, event, resolveLinks));
      sent++;
    }
    call.end();
  };
}

/** Reads start AT the given revision; forward reads of `$all` include the event at the position, backward ones end before it. */
function readStream(log: EsdbLog, source: Extract<Source, { kind: "stream" }>, backwards: boolean): StoredEvent[] {
  const stream = log.stream(source.streamName) ?? [];
  if (backwards) {
    const from = source.from === "end" ? BigInt(stream.length - 1) : source.from === "start" ? 0n : source.from;
    return stream.filter((e) => e.revision <= from).reverse();
  }
  const from = source.from === "start" ? 0n : source.from === "end" ? BigInt(stream.length) : source.from;
  return stream.filter((e) => e.revision >= from);
}

function readAll(log: EsdbLog, source: Extract<Source, { kind: "all" }>, backwards: boolean): StoredEvent[] {
  const all = log.all();
  if (backwards) {
    const end = source.from === "end" ? all.length : source.from === "start" ? 0 : log.indexBackwardsFrom(source.from);
    return all.slice(0, end).reverse();
  }
  const start = source.from === "start" ? 0 : source.from === "end" ? all.length : log.indexAtOrAfter(source.from);
  return all.slice(start);
}

/** EventStoreDB's catch-up subscriptions read `$all` in pages of this many events at most. */
const READ_BATCH_SIZE = 32;

/**
 * Confirmation, then history after the starting point, then CaughtUp, then live events. The live
 * listener is registered before history is replayed and everything is de-duplicated by position,
 * so an event committed meanwhile is sent exactly once.
 */
function subscribe(
  log: EsdbLog,
  openCalls: CallRegistry,
  call: ReadCall,
  source: Source,
  options: ReadOptions,
  filter: EventFilter | undefined,
) {
  const resolveLinks = options.getResolveLinks();
  const checkpoints = source.kind === "all" && options.hasFilter() ? filterCheckpoints(options.getFilter()!) : undefined;
  /** Index in `$all` of the next event not yet sent or passed over. */
  let next = 0;
  let live = false;
  const queued: [StoredEvent, number][] = [];

  const wanted = (event: StoredEvent) => (source.kind === "all" ? passesFilter(filter, event) : event.streamName === source.streamName);
  const send = (event: StoredEvent) => call.write(eventResponse(log, event, resolveLinks));
  // Live, as EventStoreDB's subscription service: every event committed counts, and the one that
  // completes an interval is the checkpoint.
  const deliverLive = (event: StoredEvent, index: number) => {
    if (index < next) return;
    next = index + 1;
    if (wanted(event)) send(event);
    if (checkpoints && checkpoints.count(1)) call.write(checkpointResponse(allPosition(event)));
  };

  const stopListening = log.onAppended((event, index) => (live ? deliverLive(event, index) : queued.push([event, index])));
  const registration = {
    end: () => {
      stopListening();
      openCalls.delete(registration);
      call.end();
    },
  };
  openCalls.add(registration);
  const release = () => {
    stopListening();
    openCalls.delete(registration);
  };
  call.on("cancelled", release);
  call.on("close", release);
  call.on("error", release);

  const confirmation = new streamsPb.ReadResp.SubscriptionConfirmation();
  confirmation.setSubscriptionId(randomUUID());
  const confirm = new streamsPb.ReadResp();
  confirm.setConfirmation(confirmation);
  call.write(confirm);

  // Subscriptions start AFTER the given revision or position.
  if (source.kind === "stream") {
    const stream = log.stream(source.streamName) ?? [];
    for (const event of stream) {
      if (source.from === "start" || (source.from !== "end" && event.revision > source.from)) send(event);
    }
    next = log.all().length;
  } else if (source.from === "end") {
    next = log.all().length;
  } else {
    const checkpoint = (position: LogPosition) => call.write(checkpointResponse(position));
    next = catchUpAll(log, source.from, wanted, send, checkpoint, checkpoints);
  }
  const caughtUp = new streamsPb.ReadResp();
  caughtUp.setCaughtUp(new streamsPb.ReadResp.CaughtUp());
  call.write(caughtUp);
  live = true;
  for (const [event, index] of queued.splice(0)) deliverLive(event, index);
}

type CheckpointCounter = {
  /** Adds `considered` events; true (and the count starts over) when an interval is complete. */
  count(considered: number): boolean;
  /** Events a page may consider. */
  readonly window: number;
  add(considered: number): void;
};

/** A checkpoint every `max × multiplier` events considered (matching or not, system events too), the count carried from history into live. */
function filterCheckpoints(options: NonNullable<ReturnType<ReadOptions["getFilter"]>>): CheckpointCounter {
  const window = options.hasMax() ? options.getMax() : READ_BATCH_SIZE;
  const interval = window * Math.max(1, options.getCheckpointintervalmultiplier());
  let counter = 0;
  return {
    window,
    add(considered) {
      counter += considered;
    },
    count(considered) {
      counter += considered;
      if (counter < interval) return false;
      counter %= interval;
      return true;
    },
  };
}

/**
 * History of `$all` after `from`, page by page as EventStoreDB's catch-up reads it: a page ends
 * after READ_BATCH_SIZE matching events or `window` events considered, and a page that completes
 * a checkpoint interval is followed by a checkpoint at its last matching event, or at the page's
 * start (where the read went on from) if none matched. Returns the index after the last event read.
 */
function catchUpAll(
  log: EsdbLog,
  from: "start" | LogPosition,
  wanted: (event: StoredEvent) => boolean,
  send: (event: StoredEvent) => void,
  checkpoint: (position: LogPosition) => void,
  counter: CheckpointCounter | undefined,
): number {
  const all = log.all();
  // As EventStoreDB starts one: it reads one event from the position and goes on after it.
  let index = from === "start" ? 0 : Math.min(all.length, log.indexAtOrAfter(from) + 1);
  let pageStart: LogPosition = index === 0 ? { commit: 0n, prepare: 0n } : readOnAfter(all[index - 1]!);
  const window = counter?.window ?? Number.MAX_SAFE_INTEGER;
  for (;;) {
    let considered = 0;
    let matched = 0;
    let position = pageStart;
    while (matched < READ_BATCH_SIZE && considered < window && index < all.length) {
      const event = all[index++]!;
      considered++;
      if (!wanted(event)) continue;
      matched++;
      position = allPosition(event);
      send(event);
    }
    if (index >= all.length && matched < READ_BATCH_SIZE && considered < window) {
      counter?.add(considered);
      return index;
    }
    if (counter?.count(considered)) checkpoint(position);
    pageStart = readOnAfter(all[index - 1]!);
  }
}
