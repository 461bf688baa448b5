import type { Envelope } from "../domain/events.ts";
import { decodeEvent } from "../eventlog/decodeEvent.ts";
import type { RecordedEvent } from "../eventstore/port.ts";
import { UndecodableEvent, type ValidationIssue } from "../errors.ts";
import { diffStates, type FieldChange } from "./diff.ts";
import { deciderOf } from "./streamKinds.ts";

/** An event of the log as an auditor reads it: decoded (upcast to today's shape) where it can be, raw with its issues where not. */
export type AuditedEvent = { recorded: RecordedEvent; envelope?: Envelope; issues?: ValidationIssue[] };

export function audited(recorded: RecordedEvent): AuditedEvent {
  try {
    return { recorded, envelope: decodeEvent(recorded) };
  } catch (error) {
    if (error instanceof UndecodableEvent) return { recorded, issues: error.issues };
    throw error;
  }
}

/** Whose event it is, from its metadata as written (readable even when the rest of the event is not). */
export const merchantOf = ({ recorded }: AuditedEvent) =>
  typeof recorded.metadata.merchantId === "string" ? recorded.metadata.merchantId : undefined;

/** Where the auditor goes to read one event: its stream's page starting at it. */
export const eventHref = (streamName: string, revision: bigint) => `/streams/${encodeURIComponent(streamName)}?from=${revision}&limit=1`;

export type Transition = { state: unknown; diff: FieldChange[] };

/**
 * The state of each event's aggregate after it, and what it changed, for streams folded by a decider.
 * `events` must hold each such stream from its first event, in order; an undecodable event changes nothing.
 */
export function transitions(events: AuditedEvent[]): Map<AuditedEvent, Transition> {
  const states = new Map<string, unknown>();
  const result = new Map<AuditedEvent, Transition>();
  for (const event of events) {
    const { streamName } = event.recorded;
    const decider = deciderOf(streamName);
    if (!decider) continue;
    const before = states.has(streamName) ? states.get(streamName) : decider.initialState;
    const after = event.envelope ? decider.evolve(before, event.envelope.event) : before;
    states.set(streamName, after);
    const [viewBefore, viewAfter] = [decider.view(before), decider.view(after)];
    result.set(event, { state: viewAfter, diff: diffStates(viewBefore, viewAfter) });
  }
  return result;
}

export type CausationLinks = {
  causedBy(event: AuditedEvent): unknown;
  caused(event: AuditedEvent): unknown[];
};

/** The event as the audit routes answer it. */
export function entryOf(event: AuditedEvent, transition: Transition | undefined, links: CausationLinks) {
  const { id, type, streamName, revision, position, created, data, metadata } = event.recorded;
  return {
    id,
    type,
    streamName,
    revision: revision.toString(),
    position: position.toString(),
    time: created.toISOString(),
    metadata,
    /** As today's readers see it: an event written under an older schema version is upcast. */
    data: event.envelope?.event.data ?? data,
    ...(event.envelope &&
      event.envelope.metadata.schemaVersion !== metadata.schemaVersion && { readAsSchemaVersion: event.envelope.metadata.schemaVersion }),
    ...(event.issues && { undecodable: event.issues }),
    ...(transition && { state: transition.state, diff: transition.diff }),
    causedBy: links.causedBy(event),
    caused: links.caused(event),
  };
}
