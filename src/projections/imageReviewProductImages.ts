import type { Projection } from "./projection.ts";
import type { BatchTable } from "./rowBatch.ts";

type ReviewImageRow = { imageId: string; draftId: string; merchantId: string; url: string; source: string; position: number };

const reviewImages: BatchTable<ReviewImageRow> = {
  name: "ImageReviewProductImage",
  key: ["imageId"],
  columns: { imageId: "uuid", draftId: "uuid", merchantId: "text", url: "text", source: "text", position: "int" },
};

export const imageReviewProductImagesProjection: Projection = {
  name: "image-review-product-images",
  rows: {
    ImagesAttached: (rows, { event: { data }, metadata }) =>
      data.images.forEach(({ imageId, url, source }, position) =>
        rows.insert(reviewImages, { imageId, draftId: data.draftId, merchantId: metadata.merchantId, url, source, position }),
      ),
  },
  writes: {
    ImageApproved: (tx, { event: { data }, metadata, created }) =>
      tx.imageReviewProductImage.update({
        where: { imageId: data.imageId },
        data: { decision: "approved", decidedAt: created, decidedBy: metadata.actor },
      }),
    ImageRejected: (tx, { event: { data }, metadata, created }) =>
      tx.imageReviewProductImage.update({
        where: { imageId: data.imageId },
        data: { decision: "rejected", decidedAt: created, decidedBy: metadata.actor },
      }),
  },
  reset: (tx) => tx.imageReviewProductImage.deleteMany(),
};
