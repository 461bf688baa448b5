import type { PrismaClient } from "../../src/generated/prisma/client.ts";

/** Every read-model row in a stable order, for comparing a live database with a rebuilt one. */
export async function snapshotReadModels(prisma: PrismaClient) {
  const [purchaseOrders, lineItems, drafts, images, stages] = await Promise.all([
    prisma.purchaseOrder.findMany({ orderBy: { id: "asc" } }),
    prisma.pOLineItem.findMany({ orderBy: [{ purchaseOrderId: "asc" }, { lineNumber: "asc" }] }),
    prisma.productDraft.findMany({ orderBy: { id: "asc" } }),
    prisma.productImage.findMany({ orderBy: { id: "asc" } }),
    prisma.workflowStage.findMany({ orderBy: [{ purchaseOrderId: "asc" }, { stage: "asc" }, { subjectId: "asc" }] }),
  ]);
  return JSON.parse(JSON.stringify({ purchaseOrders, lineItems, drafts, images, stages }, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
}
