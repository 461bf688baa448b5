import type { Projection } from "./projection.ts";

/**
 * Each draft's place in the store. Edits are counted here as on the stream, so a product recorded
 * as built from fewer edits than the draft has shows as changed since publish, whichever came first.
 */
export const draftPublicationsProjection: Projection = {
  name: "draft-publications",
  writes: {
    DraftUpdated: (tx, { event: { data }, metadata, created }) => tx.$executeRaw`
      INSERT INTO "DraftPublication" ("draftId", "merchantId", edits, "updatedAt") VALUES (${data.draftId}::uuid, ${metadata.merchantId}, 1, ${created})
      ON CONFLICT ("draftId") DO UPDATE SET edits = "DraftPublication".edits + 1, "updatedAt" = ${created}`,
    DraftPublishRequested: (tx, { event: { data }, metadata, created }) => tx.$executeRaw`
      INSERT INTO "DraftPublication" ("draftId", "merchantId", state, "updatedAt") VALUES (${data.draftId}::uuid, ${metadata.merchantId}, 'requested', ${created})
      ON CONFLICT ("draftId") DO UPDATE SET state = CASE WHEN "DraftPublication".state = 'published' THEN 'published' ELSE 'requested' END, "updatedAt" = ${created}`,
    ProductPublished: (tx, { event: { data }, metadata, created }) => {
      const { shop, productId, variantId, handle } = data.product;
      return tx.$executeRaw`
        INSERT INTO "DraftPublication" ("draftId", "merchantId", state, "publishedEdit", shop, "productId", "variantId", handle, "publishedAt", "updatedAt")
        VALUES (${data.draftId}::uuid, ${metadata.merchantId}, 'published', ${data.basedOnEdit}, ${shop}, ${productId}, ${variantId}, ${handle}, ${created}, ${created})
        ON CONFLICT ("draftId") DO UPDATE SET state = 'published', "publishedEdit" = ${data.basedOnEdit}, shop = ${shop}, "productId" = ${productId},
          "variantId" = ${variantId}, handle = ${handle}, "publishedAt" = ${created}, "updatedAt" = ${created}`;
    },
    DraftPublishSkipped: (tx, { event: { data }, metadata, created }) => tx.$executeRaw`
      INSERT INTO "DraftPublication" ("draftId", "merchantId", state, "updatedAt") VALUES (${data.draftId}::uuid, ${metadata.merchantId}, 'skipped', ${created})
      ON CONFLICT ("draftId") DO UPDATE SET state = 'skipped', "updatedAt" = ${created}`,
    ProductMatchFound: (tx, { event: { data }, metadata, created }) => {
      const { productId, variantId, title, by, score } = data.match;
      return tx.$executeRaw`
        INSERT INTO "DraftPublication" ("draftId", "merchantId", "matchProductId", "matchVariantId", "matchTitle", "matchBy", "matchScore", "matchDecision", "updatedAt")
        VALUES (${data.draftId}::uuid, ${metadata.merchantId}, ${productId}, ${variantId}, ${title}, ${by}, ${score}, 'proposed', ${created})
        ON CONFLICT ("draftId") DO UPDATE SET "matchProductId" = ${productId}, "matchVariantId" = ${variantId}, "matchTitle" = ${title},
          "matchBy" = ${by}, "matchScore" = ${score}, "matchDecision" = 'proposed', "updatedAt" = ${created}`;
    },
    ProductMatchAccepted: (tx, { event: { data }, created }) =>
      tx.draftPublication.updateMany({ where: { draftId: data.draftId }, data: { matchDecision: "accepted", updatedAt: created } }),
    ProductMatchRefused: (tx, { event: { data }, created }) =>
      tx.draftPublication.updateMany({ where: { draftId: data.draftId }, data: { matchDecision: "refused", updatedAt: created } }),
    DraftDeleted: (tx, { event: { data } }) => tx.draftPublication.deleteMany({ where: { draftId: data.draftId } }),
  },
  reset: (tx) => tx.draftPublication.deleteMany(),
};
