import { ValidationError } from "../errors.ts";
import { DomainEvent } from "../domain/events.ts";
import { EventMetadata, schemaVersionOf } from "../domain/metadata.ts";
import { streamOf } from "../domain/streams.ts";
import type { AppendResult, EventStore, EventToAppend, ExpectedRevision, StreamAppend } from "../eventstore/port.ts";
import { issuesOf } from "./issues.ts";

/**
 * The event store every writer of the system is handed: each event is checked against its schema,
 * its metadata against the metadata schema and its stream against the one its data names, before
 * anything of the append reaches the log, and its schema version against its type's current one.
 * What is written is what the schemas made of it.
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

function validated(streamName: string, event: EventToAppend): EventToAppend {
  const parsed = DomainEvent.safeParse({ type: event.type, data: event.data });
  const metadata = EventMetadata.safeParse(event.metadata);
  const issues = [...(parsed.error ? issuesOf(parsed.error) : []), ...(metadata.error ? issuesOf(metadata.error, "metadata") : [])];
  const belongsIn = parsed.success ? streamOf(parsed.data) : streamName;
  if (belongsIn !== streamName) issues.push({ path: "streamName", message: `a ${event.type} of this data belongs in ${belongsIn}` });
  // Only today's shape is written: a wrong version would have its data upcast as if it were older.
  const version = schemaVersionOf(event.type);
  if (metadata.success && metadata.data.schemaVersion !== version)
    issues.push({ path: "metadata.schemaVersion", message: `${event.type} is written in schema version ${version}` });
  if (!parsed.success || !metadata.success || issues.length > 0) {
    throw new ValidationError(
      `Refused to append ${event.type} to ${streamName}: ${issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ")}`,
      issues,
    );
  }
  return { id: event.id, type: event.type, data: parsed.data.data, metadata: metadata.data };
}
