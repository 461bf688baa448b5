-- CreateIndex: subscribers read only the event types they handle.
CREATE INDEX "event_log_event_type_position_idx" ON "event_log"("event_type", "position");

-- One round trip per append: the whole check-and-insert of the Postgres event log runs here.
-- Appends are serialised by a transaction-scoped advisory lock taken before any position is drawn,
-- so positions become visible in order and a subscriber never skips an event that commits late.
CREATE FUNCTION "append_to_streams"(
    p_streams TEXT[],
    p_expected TEXT[],
    p_event_append INT[],
    p_ids UUID[],
    p_types TEXT[],
    p_data JSONB[],
    p_metadata JSONB[]
) RETURNS TABLE (append_index INT, next_revision BIGINT, last_position BIGINT)
LANGUAGE plpgsql AS $$
DECLARE
    i INT;
    v_current BIGINT;
    v_ids UUID[];
    v_found INT;
    v_last_revision BIGINT;
    v_last_position BIGINT;
BEGIN
    PERFORM pg_advisory_xact_lock(7245019);
    FOR i IN 1 .. coalesce(array_length(p_streams, 1), 0) LOOP
        SELECT max(stream_revision) INTO v_current FROM event_log WHERE stream_name = p_streams[i];
        SELECT array_agg(p_ids[k] ORDER BY k) INTO v_ids
            FROM generate_subscripts(p_ids, 1) AS k WHERE p_event_append[k] = i;
        SELECT count(*), max(stream_revision), max(position) INTO v_found, v_last_revision, v_last_position
            FROM event_log WHERE stream_name = p_streams[i] AND event_id = ANY (v_ids);
        IF v_found = array_length(v_ids, 1) THEN
            -- Idempotent re-append: every event is there already; report where, write nothing.
            append_index := i; next_revision := v_current; last_position := v_last_position;
            RETURN NEXT;
            CONTINUE;
        END IF;
        IF v_found > 0 THEN
            RAISE EXCEPTION 'wrong_expected_version|%|a batch not yet appended|a stream holding part of it', p_streams[i];
        END IF;
        IF NOT (p_expected[i] = 'any'
            OR (p_expected[i] = 'no_stream' AND v_current IS NULL)
            OR (p_expected[i] = 'stream_exists' AND v_current IS NOT NULL)
            OR (p_expected[i] ~ '^[0-9]+$' AND coalesce(v_current = p_expected[i]::BIGINT, false))) THEN
            RAISE EXCEPTION 'wrong_expected_version|%|%|%', p_streams[i], p_expected[i], coalesce(v_current::TEXT, 'no_stream');
        END IF;
        WITH inserted AS (
            INSERT INTO event_log (stream_name, stream_revision, event_id, event_type, data, metadata)
            SELECT p_streams[i], coalesce(v_current, -1) + row_number() OVER (ORDER BY k), p_ids[k], p_types[k], p_data[k], p_metadata[k]
            FROM generate_subscripts(p_ids, 1) AS k WHERE p_event_append[k] = i
            ORDER BY k
            RETURNING stream_revision, position
        )
        SELECT max(stream_revision), max(position) INTO v_last_revision, v_last_position FROM inserted;
        append_index := i; next_revision := v_last_revision; last_position := v_last_position;
        RETURN NEXT;
    END LOOP;
    PERFORM pg_notify('event_log', '');
END;
$$;
