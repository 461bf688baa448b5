/** Streams/Read with a subscription: to a stream or to `$all`, with EventStoreDB's filter checkpoints. */
import { randomUUID } from "node:crypto";
import type { ServerWritableStream } from "@grpc/grpc-js";
import { allPosition, passesFilter, readOnAfter, type EsdbLog, type EventFilter, type LogPosition, type StoredEvent } from "./log.ts";
import { streamsPb, type StreamsReadReq, type StreamsReadResp } from "./protocol.ts";
import { eventResponse } from "./readEvents.ts";
import type { CallRegistry, Source } from "./reads.ts";

type ReadCall = ServerWritableStream<StreamsReadReq, StreamsReadResp>;
type ReadOptions = InstanceType<typeof streamsPb.ReadReq.Options>;

function checkpointResponse(position: LogPosition): StreamsReadResp {
  const checkpoint = new streamsPb.ReadResp.Checkpoint();
  checkpoint.setCommitPosition(position.commit.toString());
  checkpoint.setPreparePosition(position.prepare.toString());
  const resp = new streamsPb.ReadResp();
  resp.setCheckpoint(checkpoint);
  return resp;
}

/** EventStoreDB's catch-up subscriptions read `$all` in pages of this many events at most. */
const READ_BATCH_SIZE = 32;

/**
 * Confirmation, then history after the starting point, then CaughtUp, then live events. The live
 * listener is registered before history is replayed and everything is de-duplicated by its index in
 * `$all`, so an event committed meanwhile is sent exactly once.
 */
export function subscribe(
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

/**
 * A checkpoint every `max × multiplier` events considered (matching or not, system events too),
 * the count carried from history into live.
 */
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
