import type { OptimizationItem } from "../domain/optimization.ts";
import { bulkInsert, type BulkColumn } from "./bulkInsert.ts";
import type { Projection, ProjectionTransaction } from "./projection.ts";

type ItemRow = OptimizationItem & { jobId: string; merchantId: string; created: Date };

const columns: BulkColumn<ItemRow>[] = [
  { name: "id", type: "uuid", value: (r) => r.itemId },
  { name: "jobId", type: "uuid", value: (r) => r.jobId },
  { name: "merchantId", type: "text", value: (r) => r.merchantId },
  { name: "draftId", type: "uuid", value: (r) => r.draftId },
  { name: "purchaseOrderId", type: "uuid", value: (r) => r.purchaseOrderId },
  { name: "sourceImageId", type: "uuid", value: (r) => r.sourceImageId },
  { name: "sourceUrl", type: "text", value: (r) => r.sourceUrl },
  { name: "status", type: "text", value: () => "PENDING" },
  { name: "updatedAt", type: "timestamptz", value: (r) => r.created },
];

const set = (tx: ProjectionTransaction, id: string, data: Record<string, unknown>) =>
  tx.imageOptimizationItem.update({ where: { id }, data });

/** Items as the merchant sees them: PENDING → PROCESSING → DONE / FAILED / CANCELLED. */
export const imageOptimizationItemsProjection: Projection = {
  name: "image-optimization-items",
  handlers: {
    OptimizationJobCreated: (tx, { event: { data }, created }) =>
      bulkInsert(
        tx,
        "ImageOptimizationItem",
        columns,
        data.items.map((item) => ({ ...item, jobId: data.jobId, merchantId: data.merchantId, created })),
      ),
    PredictionRequested: (tx, { event: { data }, created }) =>
      set(tx, data.itemId, { status: "PROCESSING", attempts: data.attempt, updatedAt: created }),
    PredictionCreated: (tx, { event: { data }, created }) => set(tx, data.itemId, { predictionId: data.predictionId, updatedAt: created }),
    PredictionRequestFailed: (tx, { event: { data }, created }) =>
      set(tx, data.itemId, { status: "PENDING", error: data.error, updatedAt: created }),
    PredictionSucceeded: (tx, { event: { data }, created }) => set(tx, data.itemId, { resultUrl: data.outputUrl, updatedAt: created }),
    OptimizationItemSucceeded: (tx, { event: { data }, created }) =>
      set(tx, data.itemId, { status: "DONE", resultImageId: data.resultImageId, resultUrl: data.url, error: null, updatedAt: created }),
    OptimizationItemFailed: (tx, { event: { data }, created }) =>
      set(tx, data.itemId, { status: "FAILED", error: data.reason, updatedAt: created }),
    OptimizationItemCancelled: (tx, { event: { data }, created }) =>
      set(tx, data.itemId, { status: "CANCELLED", error: data.reason, updatedAt: created }),
    OptimizationJobCancelled: (tx, { event: { data }, created }) =>
      tx.imageOptimizationItem.updateMany({
        where: { jobId: data.jobId, status: { in: ["PENDING", "PROCESSING"] } },
        data: { status: "CANCELLED", error: data.reason, updatedAt: created },
      }),
  },
  reset: (tx) => tx.imageOptimizationItem.deleteMany(),
};
