import type { z } from "zod";
import { UndecodableEvent } from "../errors.ts";
import { DomainEvent, type Envelope } from "../domain/events.ts";
import { EventMetadata, schemaVersionOf } from "../domain/metadata.ts";
import type { RecordedEvent } from "../eventstore/port.ts";
import { issuesOf } from "./issues.ts";
import { upcast } from "./upcasters.ts";

/**
 * The one way an event read from the log becomes a domain event: upcast from the schema version it
 * was written in to its type's current one, its type and data checked by the schema (every domain
 * event, or one aggregate's), its metadata by the metadata schema. Every reader sees today's shape;
 * the envelope's schemaVersion is the one it is read in.
 */
export function decodeEvent(recorded: RecordedEvent): Envelope;
export function decodeEvent<E>(recorded: RecordedEvent, schema: z.ZodType<E>): Envelope<E>;
export function decodeEvent(recorded: RecordedEvent, schema: z.ZodType = DomainEvent): Envelope<unknown> {
  const { id, type, streamName, revision, position, created } = recorded;
  const current = upcast(type, recorded.metadata, recorded.data);
  if ("issue" in current) throw new UndecodableEvent({ id, type, streamName, revision, position }, [current.issue]);
  const event = schema.safeParse({ type, data: current.data });
  const metadata = EventMetadata.safeParse(recorded.metadata);
  if (!event.success || !metadata.success) {
    const issues = [...(event.error ? issuesOf(event.error) : []), ...(metadata.error ? issuesOf(metadata.error, "metadata") : [])];
    throw new UndecodableEvent({ id, type, streamName, revision, position }, issues);
  }
  return {
    event: event.data,
    metadata: { ...metadata.data, schemaVersion: schemaVersionOf(type) },
    id,
    streamName,
    revision,
    position,
    created,
  };
}
