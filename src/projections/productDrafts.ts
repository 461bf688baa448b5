import type { Projection } from "./projection.ts";

export const productDraftsProjection: Projection = {
  name: "product-drafts",
  handlers: {
    DraftCreated: (tx, { event: { data }, revision, created }) =>
      tx.productDraft.create({
        data: {
          id: data.draftId,
          merchantId: data.merchantId,
          purchaseOrderId: data.purchaseOrderId,
          lineNumber: data.lineNumber,
          sku: data.sku,
          title: data.title,
          quantity: data.quantity,
          unitCost: data.unitCost,
          revision,
          createdAt: created,
          updatedAt: created,
        },
      }),
    DraftUpdated: (tx, { event: { data }, revision, created }) =>
      tx.productDraft.updateMany({ where: { id: data.draftId }, data: { ...data.changes, revision, updatedAt: created } }),
    DraftDeleted: (tx, { event: { data } }) => tx.productDraft.deleteMany({ where: { id: data.draftId } }),
  },
  reset: (tx) => tx.productDraft.deleteMany(),
};
