-- Image optimization through Replicate: read models and the shared rate limiter.

-- CreateTable
CREATE TABLE "ImageOptimizationJob" (
    "id" UUID NOT NULL,
    "merchantId" TEXT NOT NULL,
    "purchaseOrderId" UUID,
    "prompt" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "itemCount" INTEGER NOT NULL,
    "succeeded" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "cancelled" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ImageOptimizationJob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ImageOptimizationItem" (
    "id" UUID NOT NULL,
    "jobId" UUID NOT NULL,
    "merchantId" TEXT NOT NULL,
    "draftId" UUID NOT NULL,
    "purchaseOrderId" UUID NOT NULL,
    "sourceImageId" UUID NOT NULL,
    "sourceUrl" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "predictionId" TEXT,
    "resultImageId" UUID,
    "resultUrl" TEXT,
    "error" TEXT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ImageOptimizationItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RateLimiter" (
    "name" TEXT NOT NULL,
    "tatUs" BIGINT NOT NULL,
    "throttledCount" INTEGER NOT NULL DEFAULT 0,
    "throttledAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "RateLimiter_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "RateLimiterGrant" (
    "id" BIGSERIAL NOT NULL,
    "limiter" TEXT NOT NULL,
    "grantedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "RateLimiterGrant_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ImageOptimizationJob_merchantId_createdAt_idx" ON "ImageOptimizationJob"("merchantId", "createdAt");

-- CreateIndex
CREATE INDEX "ImageOptimizationItem_jobId_status_idx" ON "ImageOptimizationItem"("jobId", "status");

-- CreateIndex
CREATE INDEX "RateLimiterGrant_limiter_grantedAt_idx" ON "RateLimiterGrant"("limiter", "grantedAt");

-- AddForeignKey
ALTER TABLE "ImageOptimizationItem" ADD CONSTRAINT "ImageOptimizationItem_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "ImageOptimizationJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;
