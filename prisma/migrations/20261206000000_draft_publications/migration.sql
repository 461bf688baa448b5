-- What each draft is in the merchant's Shopify store, folded from its stream: asked for, published
-- (with the product's ids) or skipped; `edits` against `publishedEdit` says whether it changed since.
CREATE TABLE "DraftPublication" (
    "draftId" UUID NOT NULL,
    "merchantId" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'unpublished',
    "edits" INTEGER NOT NULL DEFAULT 0,
    "publishedEdit" INTEGER,
    "shop" TEXT,
    "productId" TEXT,
    "variantId" TEXT,
    "handle" TEXT,
    "publishedAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "DraftPublication_pkey" PRIMARY KEY ("draftId")
);

CREATE INDEX "DraftPublication_merchantId_idx" ON "DraftPublication"("merchantId");
