-- CreateTable
CREATE TABLE "event_log" (
    "position" BIGSERIAL NOT NULL,
    "stream_name" TEXT NOT NULL,
    "stream_revision" BIGINT NOT NULL,
    "event_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "metadata" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_log_pkey" PRIMARY KEY ("position")
);

-- CreateTable
CREATE TABLE "StoredFile" (
    "sha256" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "bytes" BYTEA NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StoredFile_pkey" PRIMARY KEY ("sha256")
);

-- CreateTable
CREATE TABLE "Checkpoint" (
    "subscriber" TEXT NOT NULL,
    "position" BIGINT NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Checkpoint_pkey" PRIMARY KEY ("subscriber")
);

-- CreateTable
CREATE TABLE "PurchaseOrder" (
    "id" UUID NOT NULL,
    "merchantId" TEXT NOT NULL,
    "fileName" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "parseErrors" JSONB,
    "uploadedAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PurchaseOrder_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "POLineItem" (
    "purchaseOrderId" UUID NOT NULL,
    "lineNumber" INTEGER NOT NULL,
    "merchantId" TEXT NOT NULL,
    "sku" TEXT,
    "title" TEXT NOT NULL,
    "quantity" DECIMAL(14,4) NOT NULL,
    "unitCost" DECIMAL(14,4),

    CONSTRAINT "POLineItem_pkey" PRIMARY KEY ("purchaseOrderId","lineNumber")
);

-- CreateTable
CREATE TABLE "ProductDraft" (
    "id" UUID NOT NULL,
    "merchantId" TEXT NOT NULL,
    "purchaseOrderId" UUID NOT NULL,
    "lineNumber" INTEGER NOT NULL,
    "sku" TEXT,
    "title" TEXT NOT NULL,
    "quantity" DECIMAL(14,4) NOT NULL,
    "unitCost" DECIMAL(14,4),
    "revision" BIGINT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ProductDraft_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProductImage" (
    "id" UUID NOT NULL,
    "draftId" UUID NOT NULL,
    "merchantId" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'candidate',
    "isPrimary" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ProductImage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WorkflowStage" (
    "purchaseOrderId" UUID NOT NULL,
    "stage" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL DEFAULT '',
    "merchantId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "durationMs" INTEGER,
    "error" TEXT,
    "reason" TEXT,

    CONSTRAINT "WorkflowStage_pkey" PRIMARY KEY ("purchaseOrderId","stage","subjectId")
);

-- CreateIndex
CREATE INDEX "event_log_event_id_idx" ON "event_log"("event_id");

-- CreateIndex
CREATE UNIQUE INDEX "event_log_stream_name_stream_revision_key" ON "event_log"("stream_name", "stream_revision");

-- CreateIndex
CREATE INDEX "PurchaseOrder_merchantId_uploadedAt_idx" ON "PurchaseOrder"("merchantId", "uploadedAt");

-- CreateIndex
CREATE INDEX "POLineItem_merchantId_idx" ON "POLineItem"("merchantId");

-- CreateIndex
CREATE INDEX "ProductDraft_merchantId_idx" ON "ProductDraft"("merchantId");

-- CreateIndex
CREATE INDEX "ProductDraft_purchaseOrderId_lineNumber_idx" ON "ProductDraft"("purchaseOrderId", "lineNumber");

-- CreateIndex
CREATE INDEX "ProductImage_draftId_position_idx" ON "ProductImage"("draftId", "position");

-- CreateIndex
CREATE INDEX "WorkflowStage_merchantId_idx" ON "WorkflowStage"("merchantId");

-- AddForeignKey
ALTER TABLE "POLineItem" ADD CONSTRAINT "POLineItem_purchaseOrderId_fkey" FOREIGN KEY ("purchaseOrderId") REFERENCES "PurchaseOrder"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProductDraft" ADD CONSTRAINT "ProductDraft_purchaseOrderId_fkey" FOREIGN KEY ("purchaseOrderId") REFERENCES "PurchaseOrder"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProductImage" ADD CONSTRAINT "ProductImage_draftId_fkey" FOREIGN KEY ("draftId") REFERENCES "ProductDraft"("id") ON DELETE CASCADE ON UPDATE CASCADE;
