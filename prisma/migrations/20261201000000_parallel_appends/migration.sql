-- Appends to different streams commit in parallel; a reader still follows the log by position
-- without skipping a transaction that commits late. Each event records the transaction that wrote
-- it, and every append draws its xid and its positions inside one short critical section (a
-- session-level advisory lock released before the insert and the commit). So across appends,
-- xid order is position order, and once no appending transaction older than a horizon runs, every
-- position up to the newest one written below that horizon is final: later commits land above it.
-- Appenders hold a shared advisory lock (7245022) to their end, so readers find the running ones.
-- The xid8 is kept as a BIGINT (it is one: epoch and xid), a type Prisma models.
ALTER TABLE "event_log" ADD COLUMN "transaction_id" BIGINT NOT NULL DEFAULT pg_current_xact_id()::TEXT::BIGINT;

-- Positions must be drawn in the order the critical sections run; a per-session cache would not.
ALTER SEQUENCE "event_log_position_seq" CACHE 1;

DROP FUNCTION "append_to_streams"(TEXT[], TEXT[], INT[], UUID[], TEXT[], JSONB[], JSONB[]);

-- One round trip per append. A wrong expected revision is a result row (conflict_expected and
-- conflict_actual set, nothing written), not an error, so the caller's connection stays healthy.
-- Appends to one stream are serialised by a transaction-scoped lock on the stream's name. A writer
-- that finds it taken first waits for the holder's commit beside all other waiters (a shared lock,
-- let go at once) and looks again: a conflict found on committed state needs no lock, so racing
-- writers fail together rather than one after another, and without an xid, so nothing to flush.
CREATE FUNCTION "append_to_streams"(
    p_streams TEXT[],
    p_expected TEXT[],
    p_event_append INT[],
    p_ids UUID[],
    p_types TEXT[],
    p_data JSONB[],
    p_metadata JSONB[]
) RETURNS TABLE (append_index INT, next_revision BIGINT, last_position BIGINT, conflict_expected TEXT, conflict_actual TEXT)
LANGUAGE plpgsql AS $$
DECLARE
    v_appends INT := coalesce(array_length(p_streams, 1), 0);
    i INT;
    v_key INT;
    v_locked BOOLEAN;
    v_waited BOOLEAN;
    v_current BIGINT;
    v_currents BIGINT[];
    v_size INT;
    v_sizes INT[];
    v_found INT;
    v_found_position BIGINT;
    v_next_revisions BIGINT[];
    v_last_positions BIGINT[];
    v_to_write INT := 0;
    v_positions BIGINT[];
    v_offset INT := 0;
BEGIN
    IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
        -- An xid drawn earlier would break the order of xids and positions the readers rely on.
        RAISE EXCEPTION 'append_to_streams must be the first write of its transaction';
    END IF;

    -- Every stream is checked before any is written, so a conflict anywhere writes nothing; in the
    -- order of their lock keys for every caller, so two multi-stream appends cannot deadlock.
    FOR i, v_key IN SELECT s.n, hashtext(s.name) FROM unnest(p_streams) WITH ORDINALITY AS s(name, n) ORDER BY 2, 1 LOOP
        v_locked := pg_try_advisory_xact_lock(7245019, v_key);
        v_waited := false;
        LOOP
            SELECT (SELECT max(stream_revision) FROM event_log WHERE stream_name = p_streams[i]), count(*), count(e.position), max(e.position)
                INTO v_current, v_size, v_found, v_found_position
                FROM generate_subscripts(p_ids, 1) AS k
                LEFT JOIN event_log AS e ON e.stream_name = p_streams[i] AND e.event_id = p_ids[k]
                WHERE p_event_append[k] = i;
            v_sizes[i] := v_size;
            IF v_found = v_size THEN
                -- Idempotent re-append: every event is there already; report where, write nothing.
                v_next_revisions[i] := v_current;
                v_last_positions[i] := v_found_position;
                EXIT;
            ELSIF v_found > 0 THEN
                RETURN QUERY SELECT i, NULL::BIGINT, NULL::BIGINT, 'a batch not yet appended'::TEXT, 'a stream holding part of it'::TEXT;
                RETURN;
            ELSIF NOT (p_expected[i] = 'any'
                OR (p_expected[i] = 'no_stream' AND v_current IS NULL)
                OR (p_expected[i] = 'stream_exists' AND v_current IS NOT NULL)
                OR (p_expected[i] ~ '^[0-9]+$' AND coalesce(v_current = p_expected[i]::BIGINT, false))) THEN
                RETURN QUERY SELECT i, NULL::BIGINT, NULL::BIGINT, p_expected[i], coalesce(v_current::TEXT, 'no_stream');
                RETURN;
            ELSIF v_locked THEN
                v_currents[i] := v_current;
                v_to_write := v_to_write + v_sizes[i];
                EXIT;
            ELSIF v_waited THEN
                -- The stream is still where this append expects it: queue for the lock.
                PERFORM pg_advisory_xact_lock(7245019, v_key);
                v_locked := true;
            ELSE
                -- Another append to this stream is on its way: wait for its end beside every other waiter.
                PERFORM pg_advisory_unlock_shared(7245019, v_key) FROM (SELECT pg_advisory_lock_shared(7245019, v_key) OFFSET 0) AS waited;
                v_waited := true;
            END IF;
        END LOOP;
    END LOOP;

    IF v_to_write > 0 THEN
        -- The critical section. A session lock outlives the transaction, so nothing in it can fail
        -- short of a cancel (and an error from this function makes the store drop its connection).
        -- Not guarded by an EXCEPTION block: its subtransaction would cost a third of the append.
        PERFORM pg_advisory_lock(7245021);
        -- Held to the transaction's end, taken before its xid: readers bound what is settled by the
        -- appenders still running (these holders), not by every transaction on the server, so a long
        -- read-model transaction never holds the log back.
        PERFORM pg_advisory_xact_lock_shared(7245022);
        -- A statement of its own: as an unused column of a query, the planner would drop this call.
        PERFORM pg_current_xact_id();
        SELECT array_agg(p ORDER BY p) INTO v_positions
            FROM (SELECT nextval('event_log_position_seq') AS p FROM generate_series(1, v_to_write)) AS drawn;
        PERFORM pg_advisory_unlock(7245021);
    END IF;

    FOR i IN 1 .. v_appends LOOP
        CONTINUE WHEN v_last_positions[i] IS NOT NULL;
        INSERT INTO event_log (position, stream_name, stream_revision, event_id, event_type, data, metadata)
        SELECT v_positions[v_offset + e.nth], p_streams[i], coalesce(v_currents[i], -1) + e.nth, p_ids[e.k], p_types[e.k], p_data[e.k], p_metadata[e.k]
        FROM (SELECT k, row_number() OVER (ORDER BY k)::INT AS nth FROM generate_subscripts(p_ids, 1) AS k WHERE p_event_append[k] = i) AS e;
        v_offset := v_offset + v_sizes[i];
        v_next_revisions[i] := coalesce(v_currents[i], -1) + v_sizes[i];
        v_last_positions[i] := v_positions[v_offset];
    END LOOP;

    RETURN QUERY SELECT s, v_next_revisions[s], v_last_positions[s], NULL::TEXT, NULL::TEXT FROM generate_series(1, v_appends) AS s;
END;
$$;
