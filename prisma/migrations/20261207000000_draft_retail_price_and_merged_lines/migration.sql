-- A draft's retail price (the merchant's pricing rule, then the reviewer's edits) and the lines with
-- its SKU that normalization merged into it. Nullable: drafts projected before have neither.

-- AlterTable
ALTER TABLE "ProductDraft" ADD COLUMN "retailPrice" DECIMAL(14,4),
ADD COLUMN "mergedLines" JSONB;
