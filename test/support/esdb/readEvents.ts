/** The event messages of the streams and persistent services, with EventStoreDB's link resolution. */
import type { EsdbLog, StoredEvent } from "./log.ts";
import { streamIdentifier, streamsPb, uuidMessage, type StreamsReadResp } from "./protocol.ts";

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

export function eventResponse(log: EsdbLog, event: StoredEvent, resolveLinks: boolean): StreamsReadResp {
  const { ReadEvent } = streamsPb.ReadResp;
  const readEvent = fillReadEvent(new ReadEvent(), () => new ReadEvent.RecordedEvent(), log, event, resolveLinks);
  const resp = new streamsPb.ReadResp();
  resp.setEvent(readEvent);
  return resp;
}
