/** Streams/Read: reads of a stream or of `$all`, forwards or backwards, and subscriptions to either. */
import { randomUUID } from "node:crypto";
import type { ServerWritableStream } from "@grpc/grpc-js";
import { parseFilter, passesFilter, type EsdbLog, type EventFilter, type StoredEvent } from "./log.ts";
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

export function fillRecordedEvent<T extends RecordedEventMessage>(message: T, event: StoredEvent): T {
  message.setId(uuidMessage(event.id));
  message.setStreamIdentifier(streamIdentifier(event.streamName));
  message.setStreamRevision(event.revision.toString());
  message.setPreparePosition(event.position.toString());
  message.setCommitPosition(event.position.toString());
  const metadata = message.getMetadataMap();
  metadata.set("type", event.type);
  metadata.set("content-type", event.contentType);
  metadata.set("created", event.createdTicks);
  message.setCustomMetadata(event.customMetadata);
  message.setData(event.data);
  return message;
}

function eventResponse(event: StoredEvent): StreamsReadResp {
  const readEvent = new streamsPb.ReadResp.ReadEvent();
  readEvent.setEvent(fillRecordedEvent(new streamsPb.ReadResp.ReadEvent.RecordedEvent(), event));
  readEvent.setCommitPosition(event.position.toString());
  const resp = new streamsPb.ReadResp();
  resp.setEvent(readEvent);
  return resp;
}

function checkpointResponse(position: bigint): StreamsReadResp {
  const checkpoint = new streamsPb.ReadResp.Checkpoint();
  checkpoint.setCommitPosition(position.toString());
  checkpoint.setPreparePosition(position.toString());
  const resp = new streamsPb.ReadResp();
  resp.setCheckpoint(checkpoint);
  return resp;
}

type Source = { kind: "stream"; streamName: string; from: "start" | "end" | bigint } | { kind: "all"; from: "start" | "end" | bigint };

function sourceOf(options: ReadOptions): Source {
  if (options.hasStream()) {
    const stream = options.getStream()!;
    const from = stream.hasStart() ? "start" : stream.hasEnd() ? "end" : BigInt(stream.getRevision());
    return { kind: "stream", streamName: streamNameOf(stream.getStreamIdentifier()), from };
  }
  const all = options.getAll()!;
  const from = all.hasStart() ? "start" : all.hasEnd() ? "end" : BigInt(all.getPosition()!.getCommitPosition());
  return { kind: "all", from };
}

/** Registers each open call so `reset()` and `stop()` can end them. */
export type CallRegistry = Set<{ end(): void }>;

export function readHandler(log: EsdbLog, openCalls: CallRegistry) {
  return (call: ReadCall) => {
    const options = call.request.getOptions()!;
    const source = sourceOf(options);
    const filter = options.hasFilter() ? parseFilter(options.getFilter()) : undefined;
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
      call.write(eventResponse(event));
      sent++;
    }
    call.end();
  };
}

/** Reads start AT the given revision or position (backwards reads of `$all` start before it). */
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
    const end = source.from === "end" ? all.length : source.from === "start" ? 0 : log.indexAtOrAfter(source.from);
    return all.slice(0, end).reverse();
  }
  const start = source.from === "start" ? 0 : source.from === "end" ? all.length : log.indexAtOrAfter(source.from);
  return all.slice(start);
}

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
  const window = options.hasFilter()
    ? (options.getFilter()!.hasMax() ? options.getFilter()!.getMax() : 32) *
      Math.max(1, options.getFilter()!.getCheckpointintervalmultiplier())
    : 0;
  let lastSeen = -1n;
  let scannedSinceCheckpoint = 0;
  let live = false;
  const queued: StoredEvent[] = [];

  const wanted = (event: StoredEvent) => (source.kind === "all" ? passesFilter(filter, event) : event.streamName === source.streamName);
  const deliver = (event: StoredEvent) => {
    if (event.position <= lastSeen) return;
    lastSeen = event.position;
    if (source.kind === "stream" && event.streamName !== source.streamName) return;
    if (wanted(event)) call.write(eventResponse(event));
    else if (window > 0 && ++scannedSinceCheckpoint >= window) {
      scannedSinceCheckpoint = 0;
      call.write(checkpointResponse(event.position));
    }
  };

  const stopListening = log.onAppended((event) => (live ? deliver(event) : queued.push(event)));
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
    if (source.from === "end") lastSeen = log.headPosition();
    for (const event of stream) {
      if (source.from === "start" || (source.from !== "end" && event.revision > source.from)) deliver(event);
    }
    if (source.from !== "end") lastSeen = log.headPosition();
  } else {
    if (source.from === "end") lastSeen = log.headPosition();
    else if (source.from !== "start") lastSeen = source.from;
    for (const event of log.all()) deliver(event);
  }
  const caughtUp = new streamsPb.ReadResp();
  caughtUp.setCaughtUp(new streamsPb.ReadResp.CaughtUp());
  call.write(caughtUp);
  live = true;
  for (const event of queued.splice(0)) deliver(event);
}
