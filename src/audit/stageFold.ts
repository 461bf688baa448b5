import type { Envelope } from "../domain/events.ts";
import { reportOf } from "../projections/workflowStages.ts";

/** A stage of a PO's stage log as the projection keeps it, folded here from the events alone. */
export type StageRow = {
  stage: string;
  subjectId: string;
  status: string;
  attempt: number;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  error: string | null;
  reason: string | null;
  detail: unknown;
};

/** The stage log folded from `workflow-<poId>` events, with the rules of the workflow-stages projection. */
export function foldStages(envelopes: Envelope[]): StageRow[] {
  const rows = new Map<string, StageRow>();
  for (const { event } of envelopes) {
    if (event.type !== "StageStarted" && event.type !== "StageCompleted" && event.type !== "StageFailed" && event.type !== "StageSkipped")
      continue;
    const { stage, subjectId, at } = event.data;
    const key = `${stage}|${subjectId}`;
    const row: StageRow = rows.get(key) ?? {
      stage,
      subjectId,
      status: "running",
      attempt: 1,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      error: null,
      reason: null,
      detail: null,
    };
    switch (event.type) {
      case "StageStarted":
        Object.assign(row, { status: "running", attempt: event.data.attempt, startedAt: at, finishedAt: null, error: null });
        break;
      case "StageCompleted":
        Object.assign(row, { status: "completed", finishedAt: at, durationMs: Math.round(event.data.durationMs) });
        row.detail = reportOf(event.data) ?? row.detail;
        break;
      case "StageFailed":
        Object.assign(row, {
          status: event.data.willRetry ? "retrying" : "failed",
          attempt: event.data.attempt,
          error: event.data.error,
          finishedAt: event.data.willRetry ? null : at,
        });
        break;
      case "StageSkipped":
        Object.assign(row, { status: "skipped", reason: event.data.reason, finishedAt: at });
        break;
    }
    rows.set(key, row);
  }
  return [...rows.values()];
}
