import type { OptimizationItem } from "../domain/optimization.ts";
import type { Projection, ProjectionTransaction } from "./projection.ts";
import type { BatchTable } from "./rowBatch.ts";

type ItemRow = Pick<OptimizationItem, "draftId" | "purchaseOrderId" | "sourceImageId" | "sourceUrl"> & {
  id: string;
  jobId: string;
  merchantId: string;
  status: string;
  updatedAt: Date;
};

const items: BatchTable<ItemRow> = {
  name: "ImageOptimizationItem",
  key: ["id"],
  columns: {
    id: "uuid",
    jobId: "uuid",
    merchantId: "text",
    draftId: "uuid",
    purchaseOrderId: "uuid",
    sourceImageId: "uuid",
    sourceUrl: "text",
    status: "text",
    updatedAt: "timestamptz",
  },
};

const set = (tx: ProjectionTransaction, id: string, data: Record<string, unknown>) =>
  tx.imageOptimizationItem.update({ where: { id }, data });

/** Items as the merchant sees them: PENDING → PROCESSING → DONE / FAILED / CANCELLED. */
export const imageOptimizationItemsProjection: Projection = {
  name: "image-optimization-items",
  rows: {
    OptimizationJobCreated: (rows, { event: { data }, created }) => {
      for (const { itemId, draftId, purchaseOrderId, sourceImageId, sourceUrl } of data.items)
        rows.insert(items, {
          id: itemId,
          jobId: data.jobId,
          merchantId: data.merchantId,
          draftId,
          purchaseOrderId,
          sourceImageId,
          sourceUrl,
          status: "PENDING",
          updatedAt: created,
        });
    },
  },
  writes: {
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
