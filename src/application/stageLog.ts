import { CURRENT_SCHEMA_VERSION, type EventMetadata } from "../domain/metadata.ts";
import { workflowStream, type WorkflowEvent } from "../domain/workflow.ts";
import type { EventStore } from "../eventstore/port.ts";

/** Appends one entry to a PO's stage log. The stage log is append-only, so any revision will do. */
export async function recordStage(
  store: EventStore,
  entry: WorkflowEvent,
  id: string,
  metadata: Omit<EventMetadata, "schemaVersion">,
): Promise<void> {
  await store.appendToStream(workflowStream(entry.data.purchaseOrderId), [
    { id, type: entry.type, data: entry.data, metadata: { ...metadata, schemaVersion: CURRENT_SCHEMA_VERSION } },
  ]);
}
