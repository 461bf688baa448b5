import type { z } from "zod";
import { UndecodableEvent } from "../errors.ts";
import { DomainEvent, type Envelope } from "../domain/events.ts";
import { EventMetadata } from "../domain/metadata.ts";
import type { RecordedEvent } from "../eventstore/port.ts";
import { issuesOf } from "./issues.ts";

/**
 * The one way an event read from the log becomes a domain event: its type and data checked by the
 * schema (every domain event, or one aggregate's), its metadata by the metadata schema.
 */
export function decodeEvent(recorded: RecordedEvent): Envelope;
export function decodeEvent<E>(recorded: RecordedEvent, schema: z.ZodType<E>): Envelope<E>;
export function decodeEvent(recorded: RecordedEvent, schema: z.ZodType = DomainEvent): Envelope<unknown> {
  const event = schema.safeParse({ type: recorded.type, data: recorded.data });
  const metadata = EventMetadata.safeParse(recorded.metadata);
  const { id, type, streamName, revision, position, created } = recorded;
  if (!event.success || !metadata.success) {
    const issues = [...(event.error ? issuesOf(event.error) : []), ...(metadata.error ? issuesOf(metadata.error, "metadata") : [])];
    throw new UndecodableEvent({ id, type, streamName, revision, position }, issues);
  }
  return { event: event.data, metadata: metadata.data, id, streamName, revision, position, created };
}
