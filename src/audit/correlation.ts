import { optimizationStream } from "../domain/optimization.ts";
import { productDraftStream } from "../domain/productDraft.ts";
import { purchaseOrderStream } from "../domain/purchaseOrder.ts";
import { reviewSessionStream } from "../domain/reviewSession.ts";
import { workflowStream } from "../domain/workflow.ts";
import type { EventStore } from "../eventstore/port.ts";
import { audited, eventHref, merchantOf, type AuditedEvent, type CausationLinks } from "./auditedEvents.ts";

/**
 * Every event written under one correlation id (a purchase order's, or an optimization job's): the
 * PO's stream, its stage log, its review, every draft it ever created, and the job's stream, in
 * log order. Causes and effects are found among them: what a command did stays within its PO.
 */
export async function correlatedLog(store: EventStore, correlationId: string): Promise<AuditedEvent[]> {
  const read = async (streamName: string) => (await store.readStream(streamName)).map(audited);
  const purchaseOrder = await read(purchaseOrderStream(correlationId));
  const draftIds = new Set(
    purchaseOrder.flatMap(({ envelope }) =>
      envelope?.event.type === "DraftsCreated" ? envelope.event.data.drafts.map((d) => d.draftId) : [],
    ),
  );
  const others = await Promise.all([workflowStream, reviewSessionStream, optimizationStream].map((stream) => read(stream(correlationId))));
  const drafts = await Promise.all([...draftIds].map((id) => read(productDraftStream(id))));
  return [purchaseOrder, ...others, ...drafts].flat().sort((a, b) => (a.recorded.position < b.recorded.position ? -1 : 1));
}

const reference = ({ recorded }: AuditedEvent) => ({
  kind: "event" as const,
  id: recorded.id,
  type: recorded.type,
  streamName: recorded.streamName,
  revision: recorded.revision.toString(),
  href: eventHref(recorded.streamName, recorded.revision),
});

/**
 * Links from each event to its cause and its effects, within the events given. A cause that is no
 * event of the log is the request (or command) that wrote it: named with the actor and everything it wrote.
 * With `partial` events, effects are those among them.
 */
export function causationLinks(events: AuditedEvent[], { partial = false } = {}): CausationLinks {
  const byId = new Map(events.map((event) => [event.recorded.id, event]));
  const byCause = new Map<string, AuditedEvent[]>();
  for (const event of events) {
    const cause = causeOf(event);
    if (cause !== undefined) byCause.set(cause, [...(byCause.get(cause) ?? []), event]);
  }
  return {
    causedBy(event) {
      const cause = causeOf(event);
      if (cause === undefined) return null;
      const causing = byId.get(cause);
      if (causing) return reference(causing);
      // Among a part of the log only (a page of $all), a cause not in it may be an event elsewhere: its stream's page says.
      if (partial) return { kind: "elsewhere" as const, id: cause, href: eventHref(event.recorded.streamName, event.recorded.revision) };
      return {
        kind: "request" as const,
        id: cause,
        actor: event.recorded.metadata.actor,
        wrote: (byCause.get(cause) ?? []).map(reference),
      };
    },
    caused: (event) => (byCause.get(event.recorded.id) ?? []).map(reference),
  };
}

const causeOf = ({ recorded }: AuditedEvent) =>
  typeof recorded.metadata.causationId === "string" ? recorded.metadata.causationId : undefined;

/** The correlated events a caller may see: those of the merchant whose stream is read. */
export async function correlatedLogs(store: EventStore, correlationIds: Iterable<string>, merchantId: string | undefined) {
  const logs = await Promise.all([...new Set(correlationIds)].map((id) => correlatedLog(store, id)));
  return logs.flat().filter((event) => merchantId === undefined || merchantOf(event) === merchantId);
}
