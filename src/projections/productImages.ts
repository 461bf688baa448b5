import type { ImageDecision } from "../domain/imageReview.ts";
import type { FoundImage } from "../domain/images.ts";
import { bulkInsert, type BulkColumn } from "./bulkInsert.ts";
import type { Projection } from "./projection.ts";

/** A found image's review decision; an optimized variant is a result, not a candidate to decide on. */
type ImageStatus = ImageDecision | "optimized";

type ImageRow = FoundImage & { draftId: string; merchantId: string; position: number; status: ImageStatus; created: Date };

const columns: BulkColumn<ImageRow>[] = [
  { name: "id", type: "uuid", value: (r) => r.imageId },
  { name: "draftId", type: "uuid", value: (r) => r.draftId },
  { name: "merchantId", type: "text", value: (r) => r.merchantId },
  { name: "url", type: "text", value: (r) => r.url },
  { name: "source", type: "text", value: (r) => r.source },
  { name: "position", type: "int", value: (r) => r.position },
  { name: "status", type: "text", value: (r) => r.status },
  { name: "createdAt", type: "timestamptz", value: (r) => r.created },
];

/**
 * ImagesAttached can only follow a live draft in the log (its append is guarded by the draft's
 * revision), so the draft row is always there when these rows are written.
 */
export const productImagesProjection: Projection = {
  name: "product-images",
  handlers: {
    ImagesAttached: (tx, { event: { data }, metadata, created }) =>
      bulkInsert(
        tx,
        "ProductImage",
        columns,
        data.images.map((image, index) => ({
          ...image,
          draftId: data.draftId,
          merchantId: metadata.merchantId,
          position: index,
          status: "pending",
          created,
        })),
      ),
    // Guarded by the draft's revision like ImagesAttached; placed after the image it was made from.
    OptimizedImageAttached: async (tx, { event: { data }, metadata, created }) => {
      const source = await tx.productImage.findUnique({ where: { id: data.sourceImageId }, select: { position: true } });
      const row: ImageRow = {
        ...data.image,
        draftId: data.draftId,
        merchantId: metadata.merchantId,
        position: source?.position ?? 0,
        status: "optimized",
        created,
      };
      await bulkInsert(tx, "ProductImage", columns, [row]);
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
