import type { WorkflowStage } from "../generated/prisma/client.ts";

const FINISHED = new Set(["completed", "skipped", "failed"]);

/**
 * Where a PO is, in the merchant's words. Past draft creation the answer comes from the stage log:
 * a draft is done with images once its attachment finished, or its search ended without one.
 */
export function purchaseOrderStatus(stored: string, liveDraftIds: string[], stages: Pick<WorkflowStage, "stage" | "subjectId" | "status">[]) {
  const imagesDone = new Set(
    stages
      .filter((s) => (s.stage === "attach_images" && FINISHED.has(s.status)) || (s.stage === "search_images" && (s.status === "skipped" || s.status === "failed")))
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
