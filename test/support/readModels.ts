import { pino } from "pino";
import type { EventStore } from "../../src/eventstore/port.ts";
import type { PrismaClient } from "../../src/generated/prisma/client.ts";
import { Projector } from "../../src/projections/projector.ts";
import { projectionGroups } from "../../src/projections/registry.ts";

/** Every read-model row in a stable order, for comparing a live database with a rebuilt one. */
export async function snapshotReadModels(prisma: PrismaClient) {
  const [purchaseOrders, lineItems, drafts, images, stages, reviewSessions, reviewProducts, reviewImages] = await Promise.all([
    prisma.purchaseOrder.findMany({ orderBy: { id: "asc" } }),
    prisma.pOLineItem.findMany({ orderBy: [{ purchaseOrderId: "asc" }, { lineNumber: "asc" }] }),
    prisma.productDraft.findMany({ orderBy: { id: "asc" } }),
    prisma.productImage.findMany({ orderBy: { id: "asc" } }),
    prisma.workflowStage.findMany({ orderBy: [{ purchaseOrderId: "asc" }, { stage: "asc" }, { subjectId: "asc" }] }),
    prisma.imageReviewSession.findMany({ orderBy: { purchaseOrderId: "asc" } }),
    prisma.imageReviewProduct.findMany({ orderBy: { draftId: "asc" } }),
    prisma.imageReviewProductImage.findMany({ orderBy: { imageId: "asc" } }),
  ]);
  return JSON.parse(
    JSON.stringify({ purchaseOrders, lineItems, drafts, images, stages, reviewSessions, reviewProducts, reviewImages }, (_, v) =>
      typeof v === "bigint" ? v.toString() : v,
    ),
  );
}

/** Rebuilds every projection group from position zero, in place, and snapshots the result: what the live read models must equal. */
export async function rebuiltReadModels(store: EventStore, prisma: PrismaClient) {
  const logger = pino({ level: "silent" });
  for (const [name, group] of Object.entries(projectionGroups)) {
    const projector = new Projector(name, store, prisma, group, logger);
    await projector.rebuild();
    await projector.waitFor((await store.headPosition())!);
    await projector.stop();
  }
  return snapshotReadModels(prisma);
}
