/** Streams/Append and Streams/BatchAppend. */
import { status, type sendUnaryData, type ServerDuplexStream, type ServerReadableStream } from "@grpc/grpc-js";
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
    call.on("data", (req: AppendReq) => {
      if (req.hasOptions()) {
        const options = req.getOptions()!;
        streamName = streamNameOf(options.getStreamIdentifier());
        expected = expectedOf(options, () => (options.hasRevision() ? options.getRevision() : undefined));
      } else if (req.hasProposedMessage()) {
        events.push(proposedEvent(req.getProposedMessage()!));
      }
    });
    call.on("error", () => {});
    call.on("end", () => {
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

type PendingBatch = { streamName: string; expected: Expected; events: ProposedEvent[] };

/**
 * Bidirectional: the client keeps one call open per channel and multiplexes appends on it by
 * correlation id; each append may span several requests, the last marked `is_final`.
 */
export function batchAppendHandler(log: EsdbLog) {
  return (call: ServerDuplexStream<BatchAppendReq, BatchAppendResp>) => {
    const pending = new Map<string, PendingBatch>();
    call.on("data", (req: BatchAppendReq) => {
      const correlationId = uuidText(req.getCorrelationId());
      let batch = pending.get(correlationId);
      if (!batch) {
        const options = req.getOptions();
        const expected: Expected = options
          ? expectedOf(options, () => (options.hasStreamPosition() ? options.getStreamPosition() : undefined))
          : { kind: "any" };
        batch = { streamName: streamNameOf(options?.getStreamIdentifier()), expected, events: [] };
        pending.set(correlationId, batch);
      }
      batch.events.push(...req.getProposedMessagesList().map(proposedEvent));
      if (!req.getIsFinal()) return;
      pending.delete(correlationId);
      call.write(batchAppendResponse(log, correlationId, batch));
    });
    call.on("error", () => {});
    call.on("end", () => call.end());
  };
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
  // The failure travels as a google.rpc.Status whose details pack the typed error.
  const wrong = new sharedPb.WrongExpectedVersion();
  if (outcome.current === undefined) wrong.setCurrentNoStream(new emptyPb.Empty());
  else wrong.setCurrentStreamRevision(outcome.current.toString());
  if (expected.kind === "revision") wrong.setExpectedStreamPosition(expected.revision.toString());
  else if (expected.kind === "no_stream") wrong.setExpectedNoStream(new emptyPb.Empty());
  else if (expected.kind === "stream_exists") wrong.setExpectedStreamExists(new emptyPb.Empty());
  else wrong.setExpectedAny(new emptyPb.Empty());
  const details = new anyPb.Any();
  details.pack(wrong.serializeBinary(), "event_store.client.WrongExpectedVersion");
  const error = new statusPb.Status();
  error.setCode(codePb.Code.FAILED_PRECONDITION);
  error.setMessage(`Append failed due to WrongExpectedVersion. Stream: ${streamName}`);
  error.setDetails(details);
  resp.setError(error);
  return resp;
}
