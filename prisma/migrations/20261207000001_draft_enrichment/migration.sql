-- A draft's description, tags and product type: suggested by the AI enrichment, edited by the reviewer.

-- AlterTable
ALTER TABLE "ProductDraft" ADD COLUMN "description" TEXT,
ADD COLUMN "tags" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN "productType" TEXT;
