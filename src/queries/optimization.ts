import { NotFound } from "../errors.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";

/** A merchant's job with its items (a page of them); another merchant's job is NotFound. */
export async function getOptimizationJob(prisma: PrismaClient, merchantId: string, id: string, page: { limit: number; offset: number }) {
  const job = await prisma.imageOptimizationJob.findFirst({ where: { id, merchantId } });
  if (!job) throw new NotFound("Optimization job", id);
  const items = await prisma.imageOptimizationItem.findMany({
    where: { jobId: id },
    orderBy: [{ draftId: "asc" }, { id: "asc" }],
    skip: page.offset,
    take: page.limit,
  });
  const byStatus = await prisma.imageOptimizationItem.groupBy({ by: ["status"], where: { jobId: id }, _count: { _all: true } });
  return {
    id: job.id,
    status: job.status,
    purchaseOrderId: job.purchaseOrderId,
    prompt: job.prompt,
    model: job.model,
    itemCount: job.itemCount,
    counts: Object.fromEntries(byStatus.map((g) => [g.status, g._count._all])),
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    items: items.map((item) => ({
      id: item.id,
      draftId: item.draftId,
      sourceImageId: item.sourceImageId,
      status: item.status,
      attempts: item.attempts,
      predictionId: item.predictionId,
      resultImageId: item.resultImageId,
      resultUrl: item.resultUrl,
      error: item.error,
    })),
  };
}
