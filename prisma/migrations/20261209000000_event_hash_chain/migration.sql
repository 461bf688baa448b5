-- The tamper-evident chain over the log: each event's SHA-256 over its content and the hash of the
-- event before it in position order. Written beside the log by a checkpointed consumer that follows
-- the settled log, so appends to different streams still commit in parallel (nothing in the append
-- path waits for the chain), and the same table serves EventStoreDB's log.
CREATE TABLE "event_hash" (
    "position" BIGINT NOT NULL,
    "hash" BYTEA NOT NULL,

    CONSTRAINT "event_hash_pkey" PRIMARY KEY ("position")
);
