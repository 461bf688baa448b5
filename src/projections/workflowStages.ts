import type { Envelope, EventOfType } from "../domain/events.ts";
import type { WorkflowEvent } from "../domain/workflow.ts";
import type { Projection } from "./projection.ts";
import type { BatchTable, RowBatch } from "./rowBatch.ts";

type StageRow = {
  purchaseOrderId: string;
  stage: string;
  subjectId: string;
  merchantId: string;
  status: string;
  attempt: number;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  error: string | null;
  reason: string | null;
  /** JSON: what the stage found (the parser's report). */
  detail: string;
};

const stages: BatchTable<StageRow> = {
  name: "WorkflowStage",
  key: ["purchaseOrderId", "stage", "subjectId"],
  columns: {
    purchaseOrderId: "uuid",
    stage: "text",
    subjectId: "text",
    merchantId: "text",
    status: "text",
    attempt: "int",
    startedAt: "timestamptz",
    finishedAt: "timestamptz",
    durationMs: "int",
    error: "text",
    reason: "text",
    detail: "jsonb",
  },
};

type StageEvent = Exclude<WorkflowEvent, { type: "QuarantinedEventsSkipped" }>;

function upsertStage(rows: RowBatch, { event: { data }, metadata }: Envelope<StageEvent>, row: Partial<StageRow>) {
  rows.upsert(
    stages,
    { purchaseOrderId: data.purchaseOrderId, stage: data.stage, subjectId: data.subjectId, merchantId: metadata.merchantId },
    row,
  );
}

const reportOf = (data: EventOfType<"StageCompleted">["data"]) => data.parseReport ?? data.normalizationReport ?? data.rulesReport;

const at = (envelope: Envelope<EventOfType<StageEvent["type"]>>) => new Date(envelope.event.data.at);

export const workflowStagesProjection: Projection = {
  name: "workflow-stages",
  rows: {
    StageStarted: (rows, envelope) =>
      upsertStage(rows, envelope, {
        status: "running",
        attempt: envelope.event.data.attempt,
        startedAt: at(envelope),
        finishedAt: null,
        error: null,
      }),
    StageCompleted: (rows, envelope) =>
      upsertStage(rows, envelope, {
        status: "completed",
        finishedAt: at(envelope),
        durationMs: Math.round(envelope.event.data.durationMs),
        ...(reportOf(envelope.event.data) && { detail: JSON.stringify(reportOf(envelope.event.data)) }),
      }),
    StageFailed: (rows, envelope) =>
      upsertStage(rows, envelope, {
        status: envelope.event.data.willRetry ? "retrying" : "failed",
        attempt: envelope.event.data.attempt,
        error: envelope.event.data.error,
        finishedAt: envelope.event.data.willRetry ? null : at(envelope),
      }),
    StageSkipped: (rows, envelope) =>
      upsertStage(rows, envelope, { status: "skipped", reason: envelope.event.data.reason, finishedAt: at(envelope) }),
  },
  reset: (tx) => tx.workflowStage.deleteMany(),
};
