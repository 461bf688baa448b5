import type { Projection } from "./projection.ts";
import type { BatchTable } from "./rowBatch.ts";

type ReviewProductRow = { draftId: string; purchaseOrderId: string; merchantId: string; addedAt: Date; updatedAt: Date };

const reviewProducts: BatchTable<ReviewProductRow> = {
  name: "ImageReviewProduct",
  key: ["draftId"],
  columns: { draftId: "uuid", purchaseOrderId: "uuid", merchantId: "text", addedAt: "timestamptz", updatedAt: "timestamptz" },
};

/**
 * A draft joins its PO's review when its images arrive. Its deletion removes it (the foreign key
 * to the draft cascades), so the session never shows a draft that is gone.
 */
export const imageReviewProductsProjection: Projection = {
  name: "image-review-products",
  rows: {
    ImagesAttached: (rows, { event: { data }, metadata, created }) =>
      rows.upsert(
        reviewProducts,
        { draftId: data.draftId, purchaseOrderId: metadata.correlationId, merchantId: metadata.merchantId, addedAt: created },
        { updatedAt: created },
      ),
  },
  writes: {
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
