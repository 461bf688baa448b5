-- CreateTable: events a consumer could not decode or handle for good, and the later events of the
-- same PO held back behind them, until an operator retries or skips them.
CREATE TABLE "QuarantinedEvent" (
    "consumer" TEXT NOT NULL,
    "position" BIGINT NOT NULL,
    "eventId" UUID NOT NULL,
    "eventType" TEXT NOT NULL,
    "streamName" TEXT NOT NULL,
    "correlationId" TEXT NOT NULL,
    "merchantId" TEXT NOT NULL,
    "error" TEXT NOT NULL,
    "heldBehind" BIGINT,
    "quarantinedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "QuarantinedEvent_pkey" PRIMARY KEY ("consumer","position")
);

-- CreateIndex
CREATE INDEX "QuarantinedEvent_consumer_correlationId_idx" ON "QuarantinedEvent"("consumer", "correlationId");

-- CreateIndex: a merchant's PO shows what of it is quarantined.
CREATE INDEX "QuarantinedEvent_correlationId_merchantId_idx" ON "QuarantinedEvent"("correlationId", "merchantId");
