/** Streams/Read: reads of a stream or of `$all`, forwards or backwards; subscriptions are in subscriptions.ts. */
import type { ServerWritableStream } from "@grpc/grpc-js";
import { parseFilter, passesFilter, type EsdbLog, type LogPosition, type StoredEvent } from "./log.ts";
import { streamIdentifier, streamNameOf, streamsPb, type StreamsReadReq, type StreamsReadResp } from "./protocol.ts";
import { eventResponse } from "./readEvents.ts";
import { subscribe } from "./subscriptions.ts";

type ReadCall = ServerWritableStream<StreamsReadReq, StreamsReadResp>;
type ReadOptions = InstanceType<typeof streamsPb.ReadReq.Options>;

export type Source =
  { kind: "stream"; streamName: string; from: "start" | "end" | bigint } | { kind: "all"; from: "start" | "end" | LogPosition };

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
