import type { FoundImage } from "../domain/images.ts";
import { bulkInsert, type BulkColumn } from "./bulkInsert.ts";
import type { Projection } from "./projection.ts";

type ImageRow = FoundImage & { draftId: string; merchantId: string; position: number };

const columns: BulkColumn<ImageRow>[] = [
  { name: "imageId", type: "uuid", value: (r) => r.imageId },
  { name: "draftId", type: "uuid", value: (r) => r.draftId },
  { name: "merchantId", type: "text", value: (r) => r.merchantId },
  { name: "url", type: "text", value: (r) => r.url },
  { name: "source", type: "text", value: (r) => r.source },
  { name: "position", type: "int", value: (r) => r.position },
];

export const imageReviewProductImagesProjection: Projection = {
  name: "image-review-product-images",
  handlers: {
    ImagesAttached: (tx, { event: { data }, metadata }) =>
      bulkInsert(
        tx,
        "ImageReviewProductImage",
        columns,
        data.images.map((image, position) => ({ ...image, draftId: data.draftId, merchantId: metadata.merchantId, position })),
      ),
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
