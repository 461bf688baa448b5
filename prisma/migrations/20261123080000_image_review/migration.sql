-- CreateTable
CREATE TABLE "ImageReviewSession" (
    "purchaseOrderId" UUID NOT NULL,
    "merchantId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "openedAt" TIMESTAMPTZ(3) NOT NULL,
    "completedAt" TIMESTAMPTZ(3),
    "completedBy" TEXT,

    CONSTRAINT "ImageReviewSession_pkey" PRIMARY KEY ("purchaseOrderId")
);

-- CreateTable
CREATE TABLE "ImageReviewProduct" (
    "draftId" UUID NOT NULL,
    "purchaseOrderId" UUID NOT NULL,
    "merchantId" TEXT NOT NULL,
    "primaryImageId" UUID,
    "addedAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ImageReviewProduct_pkey" PRIMARY KEY ("draftId")
);

-- CreateTable
CREATE TABLE "ImageReviewProductImage" (
    "imageId" UUID NOT NULL,
    "draftId" UUID NOT NULL,
    "merchantId" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "decision" TEXT NOT NULL DEFAULT 'pending',
    "decidedAt" TIMESTAMPTZ(3),
    "decidedBy" TEXT,

    CONSTRAINT "ImageReviewProductImage_pkey" PRIMARY KEY ("imageId")
);

-- CreateIndex
CREATE INDEX "ImageReviewSession_merchantId_idx" ON "ImageReviewSession"("merchantId");

-- CreateIndex
CREATE INDEX "ImageReviewProduct_purchaseOrderId_idx" ON "ImageReviewProduct"("purchaseOrderId");

-- CreateIndex
CREATE INDEX "ImageReviewProductImage_draftId_position_idx" ON "ImageReviewProductImage"("draftId", "position");

-- AddForeignKey
ALTER TABLE "ImageReviewProduct" ADD CONSTRAINT "ImageReviewProduct_draftId_fkey" FOREIGN KEY ("draftId") REFERENCES "ProductDraft"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ImageReviewProductImage" ADD CONSTRAINT "ImageReviewProductImage_draftId_fkey" FOREIGN KEY ("draftId") REFERENCES "ImageReviewProduct"("draftId") ON DELETE CASCADE ON UPDATE CASCADE;
