import type { Projection } from "./projection.ts";

const bump = (field: "succeeded" | "failed" | "cancelled") => ({ [field]: { increment: 1 } });

export const imageOptimizationJobsProjection: Projection = {
  name: "image-optimization-jobs",
  writes: {
    OptimizationJobCreated: (tx, { event: { data }, created }) =>
      tx.imageOptimizationJob.create({
        data: {
          id: data.jobId,
          merchantId: data.merchantId,
          purchaseOrderId: data.purchaseOrderId,
          prompt: data.prompt,
          model: data.model,
          status: "active",
          itemCount: data.items.length,
          createdAt: created,
          updatedAt: created,
        },
      }),
    OptimizationItemSucceeded: (tx, { event: { data }, created }) =>
      tx.imageOptimizationJob.update({ where: { id: data.jobId }, data: { ...bump("succeeded"), updatedAt: created } }),
    OptimizationItemFailed: (tx, { event: { data }, created }) =>
      tx.imageOptimizationJob.update({ where: { id: data.jobId }, data: { ...bump("failed"), updatedAt: created } }),
    OptimizationItemCancelled: (tx, { event: { data }, created }) =>
      tx.imageOptimizationJob.update({ where: { id: data.jobId }, data: { ...bump("cancelled"), updatedAt: created } }),
    // Runs before the items' projection: every item not yet finished is about to be cancelled.
    OptimizationJobCancelled: async (tx, { event: { data }, created }) => {
      const job = await tx.imageOptimizationJob.findUniqueOrThrow({ where: { id: data.jobId } });
      await tx.imageOptimizationJob.update({
        where: { id: data.jobId },
        data: { status: "cancelled", cancelled: job.itemCount - job.succeeded - job.failed, updatedAt: created },
      });
    },
    OptimizationJobCompleted: (tx, { event: { data }, created }) =>
      tx.imageOptimizationJob.update({ where: { id: data.jobId }, data: { status: "completed", updatedAt: created } }),
  },
  reset: (tx) => tx.imageOptimizationJob.deleteMany(),
};
