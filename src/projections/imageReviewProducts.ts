import type { Projection } from "./projection.ts";

/**
 * A draft joins its PO's review when its images arrive. Its deletion removes it (the foreign key
 * to the draft cascades), so the session never shows a draft that is gone.
 */
export const imageReviewProductsProjection: Projection = {
  name: "image-review-products",
  handlers: {
    ImagesAttached: (tx, { event: { data }, metadata, created }) =>
      tx.imageReviewProduct.upsert({
        where: { draftId: data.draftId },
        create: {
          draftId: data.draftId,
          purchaseOrderId: metadata.correlationId,
          merchantId: metadata.merchantId,
          addedAt: created,
          updatedAt: created,
        },
        update: { updatedAt: created },
      }),
    PrimaryImageSelected: (tx, { event: { data }, created }) =>
      tx.imageReviewProduct.update({ where: { draftId: data.draftId }, data: { primaryImageId: data.imageId, updatedAt: created } }),
    ImageRejected: (tx, { event: { data }, created }) =>
      tx.imageReviewProduct.updateMany({
        where: { draftId: data.draftId, primaryImageId: data.imageId },
        data: { primaryImageId: null, updatedAt: created },
      }),
  },
  reset: (tx) => tx.imageReviewProduct.deleteMany(),
};
