import type { WorkflowStage } from "../generated/prisma/client.ts";
import { Stage } from "../domain/stages.ts";

const FINISHED = new Set(["completed", "skipped", "failed"]);

/**
 * Where a PO is, in the merchant's words. Past draft creation the answer comes from the stage log:
 * a draft is done with images once its attachment finished, or its search ended without one.
 */
export function purchaseOrderStatus(
  stored: string,
  liveDraftIds: string[],
  stages: Pick<WorkflowStage, "stage" | "subjectId" | "status">[],
) {
  const imagesDone = new Set(
    stages
      .filter(
        (s) =>
          (s.stage === "attach_images" && FINISHED.has(s.status)) ||
          (s.stage === "search_images" && (s.status === "skipped" || s.status === "failed")),
      )
      .map((s) => s.subjectId),
  );
  const done = liveDraftIds.filter((id) => imagesDone.has(id)).length;
  const progress = { drafts: liveDraftIds.length, draftsWithImagesDone: done };
  if (stored !== "drafts_ready") return { status: stored, progress };
  if (done < liveDraftIds.length) return { status: "images_pending", progress };
  const failed = stages.some((s) => s.status === "failed" && liveDraftIds.includes(s.subjectId));
  // Failed image work is parked, not lost: an operator can retry it, so the PO says so.
  return { status: failed ? "images_failed" : "complete", progress };
}

const stageOrder = Stage.options;

/**
 * One line per stage the PO has reached, in pipeline order. Per-draft stages are summed over the
 * live drafts: "running" while any is, "failed" if any failed, else "completed"/"skipped".
 */
export function stageTimeline(liveDraftIds: string[], stages: Pick<WorkflowStage, "stage" | "subjectId" | "status">[]) {
  const live = new Set(liveDraftIds);
  return stageOrder.flatMap((stage) => {
    const rows = stages.filter((s) => s.stage === stage && (s.subjectId === "" || live.has(s.subjectId)));
    if (rows.length === 0) return [];
    const finished = rows.filter((s) => FINISHED.has(s.status)).length;
    const status = rows.some((s) => s.status === "failed")
      ? "failed"
      : finished < rows.length
        ? "running"
        : rows.every((s) => s.status === "skipped")
          ? "skipped"
          : "completed";
    return [{ stage, status, done: finished, total: rows.length }];
  });
}
