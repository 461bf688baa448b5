-- A PO records how its columns were found and what the merchant should check; each line item
-- where it was read and how sure the parser is of it; a stage what it did (the parser's report).
-- All nullable: rows projected before have none of it.

-- AlterTable
ALTER TABLE "PurchaseOrder" ADD COLUMN "columnMapping" JSONB,
ADD COLUMN "parseWarnings" JSONB;

-- AlterTable
ALTER TABLE "POLineItem" ADD COLUMN "source" JSONB,
ADD COLUMN "confidence" DOUBLE PRECISION,
ADD COLUMN "concerns" JSONB;

-- AlterTable
ALTER TABLE "WorkflowStage" ADD COLUMN "detail" JSONB;
