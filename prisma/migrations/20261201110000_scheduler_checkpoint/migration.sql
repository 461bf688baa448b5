-- CreateTable: the optimization scheduler's checkpoint, a snapshot of its view of the unfinished
-- work and the log position it includes, so a start reads on from there instead of replaying.
CREATE TABLE "SchedulerCheckpoint" (
    "consumer" TEXT NOT NULL,
    "position" BIGINT NOT NULL,
    "view" JSONB NOT NULL,
    "savedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SchedulerCheckpoint_pkey" PRIMARY KEY ("consumer")
);
