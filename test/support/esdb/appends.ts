/** Streams/Append and Streams/BatchAppend. */
import { status, type ServiceError, type sendUnaryData, type ServerDuplexStream, type ServerReadableStream } from "@grpc/grpc-js";
import type { EsdbLog, Expected, ProposedEvent } from "./log.ts";
import {
  anyPb,
  codePb,
  emptyPb,
  sharedPb,
  statusPb,
  streamIdentifier,
  streamNameOf,
  streamsPb,
  typedError,
  uuidMessage,
  uuidText,
} from "./protocol.ts";

type AppendReq = InstanceType<typeof streamsPb.AppendReq>;
type AppendResp = InstanceType<typeof streamsPb.AppendResp>;
type BatchAppendReq = InstanceType<typeof streamsPb.BatchAppendReq>;
type BatchAppendResp = InstanceType<typeof streamsPb.BatchAppendResp>;

/** EventStoreDB's default MaxAppendSize. */
export const MAX_APPEND_SIZE = 1_048_576;
/** EventStoreDB's default WriteTimeoutMs: no append waits longer, whatever deadline the client asks for. */
const WRITE_TIMEOUT_MS = 2_000;

/**
 * What EventStoreDB adds up against MaxAppendSize: `Event.SizeOnDisk` is meant as data, metadata
 * and twice the type's length, but C#'s `??` binds looser than `+`, so it is the data's length.
 */
const sizeOnDisk = (event: ProposedEvent) => event.data.length;

function maxAppendSizeExceeded(): ServiceError {
  return typedError(status.INVALID_ARGUMENT, `Maximum Append Size of ${MAX_APPEND_SIZE} Exceeded.`, {
    exception: "maximum-append-size-exceeded",
    "maximum-append-size": String(MAX_APPEND_SIZE),
  });
}

type ProposedMessage = {
  getId(): InstanceType<typeof sharedPb.UUID> | undefined;
  getMetadataMap(): { get(key: string): string | undefined };
  getData_asU8(): Uint8Array;
  getCustomMetadata_asU8(): Uint8Array;
};

function proposedEvent(message: ProposedMessage): ProposedEvent {
  const metadata = message.getMetadataMap();
  return {
    id: uuidText(message.getId()),
    type: metadata.get("type") ?? "",
    contentType: metadata.get("content-type") ?? "application/octet-stream",
    data: message.getData_asU8(),
    customMetadata: message.getCustomMetadata_asU8(),
  };
}

type ExpectedOptions = {
  hasNoStream(): boolean;
  hasAny(): boolean;
  hasStreamExists(): boolean;
};

function expectedOf(options: ExpectedOptions, revision: () => string | undefined): Expected {
  if (options.hasNoStream()) return { kind: "no_stream" };
  if (options.hasStreamExists()) return { kind: "stream_exists" };
  const exact = revision();
  if (exact !== undefined) return { kind: "revision", revision: BigInt(exact) };
  return { kind: "any" };
}

/** Client streaming: options first, then one message per event; one answer at the end. */
export function appendHandler(log: EsdbLog) {
  return (call: ServerReadableStream<AppendReq, AppendResp>, callback: sendUnaryData<AppendResp>) => {
    let streamName: string | undefined;
    let expected: Expected = { kind: "any" };
    const events: ProposedEvent[] = [];
    let size = 0;
    let refused = false;
    call.on("data", (req: AppendReq) => {
      if (refused) return;
      if (req.hasOptions()) {
        const options = req.getOptions()!;
        streamName = streamNameOf(options.getStreamIdentifier());
        expected = expectedOf(options, () => (options.hasRevision() ? options.getRevision() : undefined));
      } else if (req.hasProposedMessage()) {
        const event = proposedEvent(req.getProposedMessage()!);
        size += sizeOnDisk(event);
        // Refused as soon as the events so far are too big, before the rest arrives.
        if (size > MAX_APPEND_SIZE) {
          refused = true;
          return callback(maxAppendSizeExceeded());
        }
        events.push(event);
      }
    });
    call.on("error", () => {});
    call.on("end", () => {
      if (refused) return;
      if (streamName === undefined) return callback(typedError(status.INVALID_ARGUMENT, "Append without options"));
      const outcome = log.append(streamName, expected, events);
      const resp = new streamsPb.AppendResp();
      if (outcome.ok) {
        const success = new streamsPb.AppendResp.Success();
        success.setCurrentRevision(outcome.revision.toString());
        const position = new streamsPb.AppendResp.Position();
        position.setCommitPosition(outcome.position.toString());
        position.setPreparePosition(outcome.position.toString());
        success.setPosition(position);
        resp.setSuccess(success);
      } else {
        const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
        if (outcome.current === undefined) wrong.setCurrentNoStream(new sharedPb.Empty());
        else wrong.setCurrentRevision(outcome.current.toString());
        if (expected.kind === "revision") wrong.setExpectedRevision(expected.revision.toString());
        else if (expected.kind === "no_stream") wrong.setExpectedNoStream(new sharedPb.Empty());
        else if (expected.kind === "stream_exists") wrong.setExpectedStreamExists(new sharedPb.Empty());
        else wrong.setExpectedAny(new sharedPb.Empty());
        resp.setWrongExpectedVersion(wrong);
      }
      callback(null, resp);
    });
  };
}

type PendingBatch = { streamName: string; expected: Expected; events: ProposedEvent[]; size: number; timer: NodeJS.Timeout };

/**
 * Bidirectional: the client keeps one call open per channel and multiplexes appends on it by
 * correlation id; each append may span several requests, the last marked `is_final`. As in
 * EventStoreDB, an append whose deadline has passed, or that is not complete when it passes (or
 * after the server's write timeout), is answered Timeout; one that grows past the maximum append
 * size is answered MaximumAppendSizeExceeded at once and the rest of it ignored.
 */
export function batchAppendHandler(log: EsdbLog) {
  return (call: ServerDuplexStream<BatchAppendReq, BatchAppendResp>) => {
    const pending = new Map<string, PendingBatch>();
    const fail = (correlationId: string, streamName: string, error: InstanceType<typeof statusPb.Status>) => {
      const resp = new streamsPb.BatchAppendResp();
      resp.setCorrelationId(uuidMessage(correlationId));
      resp.setStreamIdentifier(streamIdentifier(streamName));
      resp.setError(error);
      call.write(resp);
    };
    const take = (correlationId: string) => {
      const batch = pending.get(correlationId);
      if (batch) clearTimeout(batch.timer);
      pending.delete(correlationId);
      return batch;
    };
    call.on("data", (req: BatchAppendReq) => {
      const correlationId = uuidText(req.getCorrelationId());
      const options = req.getOptions();
      if (options && !pending.has(correlationId)) {
        const streamName = streamNameOf(options.getStreamIdentifier());
        const deadline = options.getDeadline()?.toDate().getTime() ?? Number.POSITIVE_INFINITY;
        const timeoutMs = Math.min(deadline - Date.now(), WRITE_TIMEOUT_MS);
        if (timeoutMs <= 0) return fail(correlationId, streamName, timeout());
        const timer = setTimeout(() => {
          if (take(correlationId)) fail(correlationId, streamName, timeout());
        }, timeoutMs).unref();
        const expected = expectedOf(options, () => (options.hasStreamPosition() ? options.getStreamPosition() : undefined));
        pending.set(correlationId, { streamName, expected, events: [], size: 0, timer });
      }
      const batch = pending.get(correlationId);
      if (!batch) return;
      for (const event of req.getProposedMessagesList().map(proposedEvent)) {
        batch.events.push(event);
        batch.size += sizeOnDisk(event);
      }
      if (batch.size > MAX_APPEND_SIZE) {
        take(correlationId);
        const exceeded = new sharedPb.MaximumAppendSizeExceeded();
        exceeded.setMaxappendsize(MAX_APPEND_SIZE);
        return fail(correlationId, batch.streamName, rpcStatus(codePb.Code.INVALID_ARGUMENT, "MaximumAppendSizeExceeded", exceeded));
      }
      if (!req.getIsFinal()) return;
      take(correlationId);
      call.write(batchAppendResponse(log, correlationId, batch));
    });
    const stop = () => {
      for (const correlationId of [...pending.keys()]) take(correlationId);
    };
    call.on("error", stop);
    call.on("end", () => {
      stop();
      call.end();
    });
  };
}

const timeout = () => rpcStatus(codePb.Code.DEADLINE_EXCEEDED, "Timeout", new sharedPb.Timeout());

/** A google.rpc.Status whose details pack EventStoreDB's typed error (named as the message), as BatchAppend answers failures. */
function rpcStatus(code: number, name: string, detail: { serializeBinary(): Uint8Array }) {
  const details = new anyPb.Any();
  details.pack(detail.serializeBinary(), `event_store.client.${name}`);
  const error = new statusPb.Status();
  error.setCode(code);
  error.setMessage(name);
  error.setDetails(details);
  return error;
}

function batchAppendResponse(log: EsdbLog, correlationId: string, batch: PendingBatch): BatchAppendResp {
  const { streamName, expected } = batch;
  const outcome = log.append(streamName, expected, batch.events);
  const resp = new streamsPb.BatchAppendResp();
  resp.setCorrelationId(uuidMessage(correlationId));
  resp.setStreamIdentifier(streamIdentifier(streamName));
  if (expected.kind === "revision") resp.setStreamPosition(expected.revision.toString());
  else if (expected.kind === "no_stream") resp.setNoStream(new emptyPb.Empty());
  else if (expected.kind === "stream_exists") resp.setStreamExists(new emptyPb.Empty());
  else resp.setAny(new emptyPb.Empty());
  if (outcome.ok) {
    const success = new streamsPb.BatchAppendResp.Success();
    success.setCurrentRevision(outcome.revision.toString());
    const position = new sharedPb.AllStreamPosition();
    position.setCommitPosition(outcome.position.toString());
    position.setPreparePosition(outcome.position.toString());
    success.setPosition(position);
    resp.setSuccess(success);
    return resp;
  }
  const wrong = new sharedPb.WrongExpectedVersion();
  if (outcome.current === undefined) wrong.setCurrentNoStream(new emptyPb.Empty());
  else wrong.setCurrentStreamRevision(outcome.current.toString());
  if (expected.kind === "revision") wrong.setExpectedStreamPosition(expected.revision.toString());
  else if (expected.kind === "no_stream") wrong.setExpectedNoStream(new emptyPb.Empty());
  else if (expected.kind === "stream_exists") wrong.setExpectedStreamExists(new emptyPb.Empty());
  else wrong.setExpectedAny(new emptyPb.Empty());
  resp.setError(rpcStatus(codePb.Code.ALREADY_EXISTS, "WrongExpectedVersion", wrong));
  return resp;
}
