import type { Prisma } from "../generated/prisma/client.ts";
import type { Envelope, EventOfType } from "../domain/events.ts";
import type { WorkflowEvent } from "../domain/workflow.ts";
import type { Projection, ProjectionTransaction } from "./projection.ts";

type StageRow = {
  status: string;
  attempt?: number;
  startedAt?: Date;
  finishedAt?: Date | null;
  durationMs?: number | null;
  error?: string | null;
  reason?: string | null;
  detail?: Prisma.InputJsonValue;
};

type StageEvent = Exclude<WorkflowEvent, { type: "QuarantinedEventsSkipped" }>;

function upsertStage(tx: ProjectionTransaction, { event: { data }, metadata }: Envelope<StageEvent>, row: StageRow) {
  const key = { purchaseOrderId: data.purchaseOrderId, stage: data.stage, subjectId: data.subjectId };
  return tx.workflowStage.upsert({
    where: { purchaseOrderId_stage_subjectId: key },
    create: { ...key, merchantId: metadata.merchantId, ...row },
    update: row,
  });
}

const at = (envelope: Envelope<EventOfType<StageEvent["type"]>>) => new Date(envelope.event.data.at);

export const workflowStagesProjection: Projection = {
  name: "workflow-stages",
  handlers: {
    StageStarted: (tx, envelope) =>
      upsertStage(tx, envelope, {
        status: "running",
        attempt: envelope.event.data.attempt,
        startedAt: at(envelope),
        finishedAt: null,
        error: null,
      }),
    StageCompleted: (tx, envelope) =>
      upsertStage(tx, envelope, {
        status: "completed",
        finishedAt: at(envelope),
        durationMs: Math.round(envelope.event.data.durationMs),
        ...(envelope.event.data.parseReport && { detail: envelope.event.data.parseReport }),
      }),
    StageFailed: (tx, envelope) =>
      upsertStage(tx, envelope, {
        status: envelope.event.data.willRetry ? "retrying" : "failed",
        attempt: envelope.event.data.attempt,
        error: envelope.event.data.error,
        finishedAt: envelope.event.data.willRetry ? null : at(envelope),
      }),
    StageSkipped: (tx, envelope) =>
      upsertStage(tx, envelope, { status: "skipped", reason: envelope.event.data.reason, finishedAt: at(envelope) }),
  },
  reset: (tx) => tx.workflowStage.deleteMany(),
};
