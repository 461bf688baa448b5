-- The same append, in one pass over its events: each stream's check looks only at the range of
-- the events that belong to it, and the new events go in with one INSERT. An upload (a PO, its
-- stage log and a hundred drafts: 102 streams) spent 22 ms here, most of it scanning every event
-- once per stream; the semantics (checks, locks, positions, conflicts as rows) are unchanged.
CREATE OR REPLACE FUNCTION "append_to_streams"(
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
    v_first INT[];
    v_last INT[];
BEGIN
    IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
        -- An xid drawn earlier would break the order of xids and positions the readers rely on.
        RAISE EXCEPTION 'append_to_streams must be the first write of its transaction';
    END IF;

    -- Where each append's events lie among the events (together, in the caller's order), so each
    -- stream's check looks at its own events only: one pass over the events, not one per stream.
    -- (One stream, the most common append, needs no query for it.)
    IF v_appends = 1 THEN
        v_first := ARRAY[1];
        v_last := ARRAY[coalesce(array_length(p_ids, 1), 0)];
    ELSE
        SELECT array_agg(g.lo ORDER BY s.n), array_agg(g.hi ORDER BY s.n) INTO v_first, v_last
            FROM generate_series(1, v_appends) AS s(n)
            LEFT JOIN (SELECT p_event_append[k] AS n, min(k) AS lo, max(k) AS hi FROM generate_subscripts(p_ids, 1) AS k GROUP BY 1) AS g
            ON g.n = s.n;
    END IF;

    -- Every stream is checked before any is written, so a conflict anywhere writes nothing; in the
    -- order of their lock keys for every caller, so two multi-stream appends cannot deadlock.
    FOR i, v_key IN SELECT s.n, hashtext(s.name) FROM unnest(p_streams) WITH ORDINALITY AS s(name, n) ORDER BY 2, 1 LOOP
        v_locked := pg_try_advisory_xact_lock(7245019, v_key);
        v_waited := false;
        LOOP
            SELECT (SELECT max(stream_revision) FROM event_log WHERE stream_name = p_streams[i]), count(*), count(e.position), max(e.position)
                INTO v_current, v_size, v_found, v_found_position
                FROM generate_series(v_first[i], v_last[i]) AS k
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

    -- Every new event in one statement, positions in stream order then event order, as drawn.
    INSERT INTO event_log (position, stream_name, stream_revision, event_id, event_type, data, metadata)
    SELECT v_positions[e.nth], p_streams[e.a], coalesce(v_currents[e.a], -1) + e.nth_in_stream, p_ids[e.k], p_types[e.k], p_data[e.k], p_metadata[e.k]
    FROM (
        SELECT k, p_event_append[k] AS a,
               row_number() OVER (ORDER BY p_event_append[k], k)::INT AS nth,
               row_number() OVER (PARTITION BY p_event_append[k] ORDER BY k)::INT AS nth_in_stream
        FROM generate_subscripts(p_ids, 1) AS k
        WHERE v_last_positions[p_event_append[k]] IS NULL
    ) AS e;

    FOR i IN 1 .. v_appends LOOP
        CONTINUE WHEN v_last_positions[i] IS NOT NULL;
        v_offset := v_offset + v_sizes[i];
        v_next_revisions[i] := coalesce(v_currents[i], -1) + v_sizes[i];
        v_last_positions[i] := v_positions[v_offset];
    END LOOP;

    RETURN QUERY SELECT s, v_next_revisions[s], v_last_positions[s], NULL::TEXT, NULL::TEXT FROM generate_series(1, v_appends) AS s;
END;
$$;
