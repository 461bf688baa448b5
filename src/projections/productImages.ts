import type { ImageDecision } from "../domain/imageReview.ts";
import type { Projection } from "./projection.ts";
import type { BatchTable } from "./rowBatch.ts";

/** A found image's review decision; an optimized variant is a result, not a candidate to decide on. */
type ImageStatus = ImageDecision | "optimized";

type ImageRow = {
  id: string;
  draftId: string;
  merchantId: string;
  url: string;
  source: string;
  position: number;
  status: ImageStatus;
  createdAt: Date;
};

const images: BatchTable<ImageRow> = {
  name: "ProductImage",
  key: ["id"],
  columns: {
    id: "uuid",
    draftId: "uuid",
    merchantId: "text",
    url: "text",
    source: "text",
    position: "int",
    status: "text",
    createdAt: "timestamptz",
  },
};

/**
 * ImagesAttached can only follow a live draft in the log (its append is guarded by the draft's
 * revision), so the draft row is always there when these rows are written.
 */
export const productImagesProjection: Projection = {
  name: "product-images",
  rows: {
    ImagesAttached: (rows, { event: { data }, metadata, created }) =>
      data.images.forEach(({ imageId, url, source }, position) =>
        rows.insert(images, {
          id: imageId,
          draftId: data.draftId,
          merchantId: metadata.merchantId,
          url,
          source,
          position,
          status: "pending",
          createdAt: created,
        }),
      ),
  },
  writes: {
    // Guarded by the draft's revision like ImagesAttached; placed after the image it was made from.
    OptimizedImageAttached: async (tx, { event: { data }, metadata, created }) => {
      const source = await tx.productImage.findUnique({ where: { id: data.sourceImageId }, select: { position: true } });
      const { imageId, url } = data.image;
      await tx.productImage.create({
        data: {
          id: imageId,
          draftId: data.draftId,
          merchantId: metadata.merchantId,
          url,
          source: data.image.source,
          position: source?.position ?? 0,
          status: "optimized" satisfies ImageStatus,
          createdAt: created,
        },
      });
    },
    ImageApproved: (tx, { event: { data } }) =>
      tx.productImage.update({ where: { id: data.imageId }, data: { status: "approved" satisfies ImageStatus } }),
    // A rejected image is no longer the primary one (the draft's state says so too).
    ImageRejected: (tx, { event: { data } }) =>
      tx.productImage.update({ where: { id: data.imageId }, data: { status: "rejected" satisfies ImageStatus, isPrimary: false } }),
    PrimaryImageSelected: async (tx, { event: { data } }) => {
      await tx.productImage.updateMany({ where: { draftId: data.draftId, isPrimary: true }, data: { isPrimary: false } });
      await tx.productImage.update({ where: { id: data.imageId }, data: { isPrimary: true } });
    },
  },
  reset: (tx) => tx.productImage.deleteMany(),
};
