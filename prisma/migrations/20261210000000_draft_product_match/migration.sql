-- The product the merchant's store already has that a draft may be (found by SKU, barcode or title), and the reviewer's word on it.

-- AlterTable
ALTER TABLE "DraftPublication" ADD COLUMN "matchProductId" TEXT,
ADD COLUMN "matchVariantId" TEXT,
ADD COLUMN "matchTitle" TEXT,
ADD COLUMN "matchBy" TEXT,
ADD COLUMN "matchScore" DOUBLE PRECISION,
ADD COLUMN "matchDecision" TEXT;
