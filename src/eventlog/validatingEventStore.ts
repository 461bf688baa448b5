import { ValidationError } from "../errors.ts";
import { DomainEvent } from "../domain/events.ts";
import { EventMetadata, schemaVersionOf } from "../domain/metadata.ts";
import { streamOf } from "../domain/streams.ts";
import type { AppendResult, EventStore, EventToAppend, ExpectedRevision, StreamAppend } from "../eventstore/port.ts";
import { issuesOf } from "./issues.ts";
import { upcast } from "./upcasters.ts";

/**
 * The event store every writer of the system is handed: each event is checked against its schema,
 * its metadata against the metadata schema and its stream against the one its data names, before
 * anything of the append reaches the log.
 */
export class ValidatingEventStore implements EventStore {
  constructor(private readonly log: EventStore) {}

  async appendToStream(
    streamName: string,
    events: EventToAppend[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult> {
    return this.log.appendToStream(
      streamName,
      events.map((event) => validated(streamName, event)),
      options,
    );
  }

  async appendToStreams(appends: StreamAppend[]): Promise<AppendResult[]> {
    const checked = appends.map((append) => ({ ...append, events: append.events.map((event) => validated(append.streamName, event)) }));
    return this.log.appendToStreams(checked);
  }

  readStream: EventStore["readStream"] = (streamName, options) => this.log.readStream(streamName, options);
  readAll: EventStore["readAll"] = (options) => this.log.readAll(options);
  headPosition: EventStore["headPosition"] = () => this.log.headPosition();
  subscribeToAll: EventStore["subscribeToAll"] = (options) => this.log.subscribeToAll(options);
  close: EventStore["close"] = () => this.log.close();
}

/**
 * An event is checked as its readers will see it: upcast from the version its metadata names. One in
 * today's version is written as the schema made it; an older one (a log carried over from an earlier
 * build) is kept as it was written, the log's rule.
 */
function validated(streamName: string, event: EventToAppend): EventToAppend {
  const current = upcast(event.type, event.metadata, event.data);
  const parsed = DomainEvent.safeParse({ type: event.type, data: "data" in current ? current.data : event.data });
  const metadata = EventMetadata.safeParse(event.metadata);
  const issues = [
    ...("issue" in current ? [current.issue] : []),
    ...(parsed.error ? issuesOf(parsed.error) : []),
    ...(metadata.error ? issuesOf(metadata.error, "metadata") : []),
  ];
  const belongsIn = parsed.success ? streamOf(parsed.data) : streamName;
  if (belongsIn !== streamName) issues.push({ path: "streamName", message: `a ${event.type} of this data belongs in ${belongsIn}` });
  if (!parsed.success || !metadata.success || issues.length > 0) {
    throw new ValidationError(
      `Refused to append ${event.type} to ${streamName}: ${issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ")}`,
      issues,
    );
  }
  const today = metadata.data.schemaVersion === schemaVersionOf(event.type);
  return { id: event.id, type: event.type, data: today ? parsed.data.data : event.data, metadata: metadata.data };
}
