-- CreateTable
CREATE TABLE "ParkedMessage" (
    "id" UUID NOT NULL,
    "processor" TEXT NOT NULL,
    "causeEventId" UUID NOT NULL,
    "position" BIGINT NOT NULL,
    "command" JSONB NOT NULL,
    "error" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "parkedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ParkedMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProcessorControl" (
    "processor" TEXT NOT NULL,
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ProcessorControl_pkey" PRIMARY KEY ("processor")
);

-- CreateIndex
CREATE INDEX "ParkedMessage_processor_parkedAt_idx" ON "ParkedMessage"("processor", "parkedAt");
