import { Prisma } from "../generated/prisma/client.ts";
import type { Projection } from "./projection.ts";

export const purchaseOrdersProjection: Projection = {
  name: "purchase-orders",
  writes: {
    PurchaseOrderUploaded: (tx, { event: { data }, created }) =>
      tx.purchaseOrder.create({
        data: {
          id: data.purchaseOrderId,
          merchantId: data.merchantId,
          fileName: data.fileName,
          contentType: data.contentType,
          sizeBytes: data.sizeBytes,
          sha256: data.sha256,
          status: data.parsing === "model" ? "parsing" : "uploaded",
          uploadedAt: new Date(data.uploadedAt),
          updatedAt: created,
        },
      }),
    PurchaseOrderParsed: (tx, { event: { data }, created }) =>
      tx.purchaseOrder.update({
        where: { id: data.purchaseOrderId },
        data: {
          status: "parsed",
          columnMapping: data.mapping ?? Prisma.DbNull,
          parseWarnings: data.warnings ?? Prisma.DbNull,
          updatedAt: created,
        },
      }),
    PurchaseOrderParseFailed: (tx, { event: { data }, created }) =>
      tx.purchaseOrder.update({
        where: { id: data.purchaseOrderId },
        data: { status: "parse_failed", parseErrors: data.errors, updatedAt: created },
      }),
    DraftsCreated: (tx, { event: { data }, created }) =>
      tx.purchaseOrder.update({ where: { id: data.purchaseOrderId }, data: { status: "drafts_ready", updatedAt: created } }),
    DraftsReconciled: (tx, { event: { data }, created }) =>
      tx.purchaseOrder.update({ where: { id: data.purchaseOrderId }, data: { status: "drafts_ready", updatedAt: created } }),
    PurchaseOrderPublishRequested: (tx, { event: { data }, created }) =>
      tx.purchaseOrder.update({ where: { id: data.purchaseOrderId }, data: { status: "publishing", updatedAt: created } }),
    PurchaseOrderPublished: (tx, { event: { data }, created }) =>
      tx.purchaseOrder.update({ where: { id: data.purchaseOrderId }, data: { status: "published", updatedAt: created } }),
    PurchaseOrderCompleted: (tx, { event: { data }, created }) =>
      tx.purchaseOrder.update({ where: { id: data.purchaseOrderId }, data: { status: "complete", updatedAt: created } }),
  },
  reset: (tx) => tx.purchaseOrder.deleteMany(),
};
