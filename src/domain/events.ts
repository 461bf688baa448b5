import { z } from "zod";
import { ValidationError } from "../errors.ts";
import type { RecordedEvent } from "../eventstore/port.ts";
import { EventMetadata } from "./metadata.ts";
import { OptimizationEvent } from "./optimization.ts";
import { ProductDraftEvent } from "./productDraft.ts";
import { PurchaseOrderEvent } from "./purchaseOrder.ts";
import { ReviewSessionEvent } from "./reviewSession.ts";
import { WorkflowEvent } from "./workflow.ts";

/** Every event type the system writes, defined once; subscribers and projections key off this. */
export const DomainEvent = z.discriminatedUnion("type", [
  ...PurchaseOrderEvent.options,
  ...ProductDraftEvent.options,
  ...WorkflowEvent.options,
  ...ReviewSessionEvent.options,
  ...OptimizationEvent.options,
]);
export type DomainEvent = z.infer<typeof DomainEvent>;
export type EventType = DomainEvent["type"];
export type EventOfType<T extends EventType> = Extract<DomainEvent, { type: T }>;

/** A domain event as read back from the log, validated, with where and why it was written. */
export type Envelope<E extends DomainEvent = DomainEvent> = {
  event: E;
  metadata: EventMetadata;
  id: string;
  streamName: string;
  revision: bigint;
  position: bigint;
  created: Date;
};

export function toEnvelope(recorded: RecordedEvent): Envelope {
  const event = DomainEvent.safeParse({ type: recorded.type, data: recorded.data });
  const metadata = EventMetadata.safeParse(recorded.metadata);
  if (!event.success || !metadata.success) {
    const issues = [...(event.error?.issues ?? []), ...(metadata.error?.issues ?? [])];
    throw new ValidationError(
      `Event ${recorded.id} (${recorded.type}) at ${recorded.streamName}@${recorded.revision} does not match its schema`,
      issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    );
  }
  const { id, streamName, revision, position, created } = recorded;
  return { event: event.data, metadata: metadata.data, id, streamName, revision, position, created };
}

export function isEventOfType<T extends EventType>(
  envelope: Envelope,
  ...types: T[]
): envelope is Envelope<EventOfType<T>> {
  return (types as EventType[]).includes(envelope.event.type);
}
