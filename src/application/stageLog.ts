import type { EventOfType } from "../domain/events.ts";
import { CURRENT_SCHEMA_VERSION, type EventMetadata } from "../domain/metadata.ts";
import type { Stage } from "../domain/stages.ts";
import { workflowStream, type WorkflowEvent } from "../domain/workflow.ts";
import type { EventStore, StreamAppend } from "../eventstore/port.ts";

export type StageEntry = { entry: WorkflowEvent; id: string };

/** Entries for a PO's stage log, as an append. The stage log is append-only, so any revision will do. */
export function stageLogAppend(
  purchaseOrderId: string,
  entries: StageEntry[],
  metadata: Omit<EventMetadata, "schemaVersion">,
): StreamAppend {
  return {
    streamName: workflowStream(purchaseOrderId),
    events: entries.map(({ entry, id }) => ({
      id,
      type: entry.type,
      data: entry.data,
      metadata: { ...metadata, schemaVersion: CURRENT_SCHEMA_VERSION },
    })),
  };
}

/** Appends one entry to a PO's stage log. */
export async function recordStage(
  store: EventStore,
  entry: WorkflowEvent,
  id: string,
  metadata: Omit<EventMetadata, "schemaVersion">,
): Promise<void> {
  await store.appendToStreams([stageLogAppend(entry.data.purchaseOrderId, [{ entry, id }], metadata)]);
}

/** What a completed stage says it did (the parser's, normalization's or the rules' report). */
export type StageReport = Pick<EventOfType<"StageCompleted">["data"], "parseReport" | "normalizationReport" | "rulesReport">;

/** A stage that ran to completion, as its two stage-log entries. */
export function stageRun(
  purchaseOrderId: string,
  stage: Stage,
  startedAt: Date,
  finishedAt: Date,
  report: StageReport = {},
): WorkflowEvent[] {
  const ref = { purchaseOrderId, stage, subjectId: "" };
  const durationMs = finishedAt.getTime() - startedAt.getTime();
  return [
    { type: "StageStarted", data: { ...ref, attempt: 1, at: startedAt.toISOString() } },
    { type: "StageCompleted", data: { ...ref, durationMs, at: finishedAt.toISOString(), ...report } },
  ];
}
