-- Appends in batches: one call (one transaction, one commit) carries several independent appends,
-- each atomic on its own and each checked against the streams as the appends before it in the
-- batch left them, so a conflict fails its own append only. The store sends what its callers asked
-- for while its connections were busy as one batch, which spreads a commit and a call over many
-- appends. Locks, the positions' critical section and the late-commit safety are those of
-- append_to_streams, which this replaces.
DROP FUNCTION "append_to_streams"(TEXT[], TEXT[], INT[], UUID[], TEXT[], JSONB[], JSONB[]);

CREATE FUNCTION "append_batch"(
    -- Per stream append: the batch's append it belongs to, numbered from 1 in order.
    p_appends INT[],
    p_streams TEXT[],
    p_expected TEXT[],
    -- Per event: its stream append.
    p_event_append INT[],
    p_ids UUID[],
    p_types TEXT[],
    p_data JSONB[],
    p_metadata JSONB[]
) RETURNS TABLE (stream_append INT, next_revision BIGINT, last_position BIGINT, conflict_expected TEXT, conflict_actual TEXT)
LANGUAGE plpgsql
-- Left to choose, the plan cache planned these statements afresh on every call (the arrays make
-- its generic estimates look worse), which was most of an append's cost; the plans are index
-- lookups by stream and event id whatever the arrays hold.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_count INT := coalesce(array_length(p_streams, 1), 0);
    a INT;
    v_from INT;
    v_to INT;
    v_name TEXT;
    v_key INT;
    v_members INT[];
    v_stream INT := 0;
    -- Per stream append: its stream's index among the batch's streams.
    v_stream_of INT[];
    -- Per stream of the batch: its revision in the log, then as the batch's appends so far leave it.
    v_stored BIGINT[];
    v_current BIGINT[];
    v_locked BOOLEAN;
    v_waited BOOLEAN;
    v_revision BIGINT;
    v_possible BOOLEAN;
    v_size INT;
    v_sizes INT[];
    v_found INT[];
    v_found_positions BIGINT[];
    v_found_position BIGINT;
    v_failed BOOLEAN;
    -- Per stream append: the revision before its events (written ones), its results.
    v_before BIGINT[];
    v_next_revisions BIGINT[];
    v_last_positions BIGINT[];
    v_conflicts_expected TEXT[];
    v_conflicts_actual TEXT[];
    v_writes BOOLEAN[];
    v_to_write INT := 0;
    v_positions BIGINT[];
    v_offset INT := 0;
BEGIN
    IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
        -- An xid drawn earlier would break the order of xids and positions the readers rely on.
        RAISE EXCEPTION 'append_batch must be the first write of its transaction';
    END IF;

    -- How many events each stream append has (one stream append, the most common, needs no query).
    IF v_count = 1 THEN
        v_sizes := ARRAY[coalesce(array_length(p_ids, 1), 0)];
    ELSE
        SELECT array_agg(coalesce(g.size, 0)::INT ORDER BY s.n) INTO v_sizes
            FROM generate_series(1, v_count) AS s(n)
            LEFT JOIN (SELECT p_event_append[k] AS n, count(*) AS size FROM generate_subscripts(p_ids, 1) AS k GROUP BY 1) AS g
            ON g.n = s.n;
    END IF;
    v_found := array_fill(0, ARRAY[v_count]);

    -- Each stream once, in the order of its lock key for every caller, so two batches cannot
    -- deadlock. A stream is locked only if one of its appends can still pass: one that expects
    -- another revision fails without waiting for anybody. If another append to it is on its way,
    -- this waits for that one's end beside every other waiter, then looks again.
    FOR v_name, v_key, v_members IN
        SELECT s.name, hashtext(s.name), array_agg(s.n ORDER BY s.n)
        FROM unnest(p_streams) WITH ORDINALITY AS s(name, n) GROUP BY s.name ORDER BY 2, 1
    LOOP
        v_stream := v_stream + 1;
        v_locked := pg_try_advisory_xact_lock(7245019, v_key);
        v_waited := false;
        LOOP
            SELECT x.revision, bool_or(p_expected[m] = 'any'
                    OR (p_expected[m] = 'no_stream' AND x.revision IS NULL)
                    OR (p_expected[m] = 'stream_exists' AND x.revision IS NOT NULL)
                    OR (p_expected[m] ~ '^[0-9]+$' AND coalesce(x.revision = p_expected[m]::BIGINT, false)))
                INTO v_revision, v_possible
                FROM (SELECT max(stream_revision) AS revision FROM event_log WHERE stream_name = v_name) AS x, unnest(v_members) AS m
                GROUP BY x.revision;
            EXIT WHEN v_locked OR NOT v_possible;
            IF v_waited THEN
                PERFORM pg_advisory_xact_lock(7245019, v_key);
                v_locked := true;
            ELSE
                PERFORM pg_advisory_unlock_shared(7245019, v_key) FROM (SELECT pg_advisory_lock_shared(7245019, v_key) OFFSET 0) AS waited;
                v_waited := true;
            END IF;
        END LOOP;
        v_stored[v_stream] := v_revision;
        v_current[v_stream] := v_revision;
        FOREACH a IN ARRAY v_members LOOP
            v_stream_of[a] := v_stream;
        END LOOP;
    END LOOP;

    -- The events the log holds already, in one look for the whole batch (a new stream holds none).
    IF EXISTS (SELECT FROM unnest(v_stored) AS r WHERE r IS NOT NULL) THEN
        FOR a, v_size, v_found_position IN
            SELECT p_event_append[k], count(*), max(e.position)
            FROM generate_subscripts(p_ids, 1) AS k
            -- A lookup per event by its id (OFFSET 0 keeps the planner from making it a scan of the log).
            CROSS JOIN LATERAL (SELECT position FROM event_log WHERE stream_name = p_streams[p_event_append[k]] AND event_id = p_ids[k] OFFSET 0) AS e
            GROUP BY 1
        LOOP
            v_found[a] := v_size;
            v_found_positions[a] := v_found_position;
        END LOOP;
    END IF;

    -- The batch's appends in order, each against the streams as the ones before it left them. An
    -- append whose events a stream holds already is an idempotent success that writes nothing (the
    -- store never batches two appends sharing an event id); one holding part of them conflicts.
    -- Decided here without a statement: everything needed was read above.
    a := 1;
    WHILE a <= v_count LOOP
        v_from := a;
        WHILE a < v_count AND p_appends[a + 1] = p_appends[v_from] LOOP
            a := a + 1;
        END LOOP;
        v_to := a;
        v_failed := false;
        FOR a IN v_from .. v_to LOOP
            v_revision := v_current[v_stream_of[a]];
            v_writes[a] := false;
            IF v_found[a] = v_sizes[a] THEN
                v_next_revisions[a] := v_revision;
                v_last_positions[a] := v_found_positions[a];
            ELSIF v_found[a] > 0 THEN
                v_conflicts_expected[a] := 'a batch not yet appended';
                v_conflicts_actual[a] := 'a stream holding part of it';
                v_failed := true;
            ELSIF NOT (p_expected[a] = 'any'
                OR (p_expected[a] = 'no_stream' AND v_revision IS NULL)
                OR (p_expected[a] = 'stream_exists' AND v_revision IS NOT NULL)
                OR (p_expected[a] ~ '^[0-9]+$' AND coalesce(v_revision = p_expected[a]::BIGINT, false))) THEN
                v_conflicts_expected[a] := p_expected[a];
                v_conflicts_actual[a] := coalesce(v_revision::TEXT, 'no_stream');
                v_failed := true;
            ELSE
                v_writes[a] := true;
                v_before[a] := v_revision;
            END IF;
        END LOOP;
        FOR a IN v_from .. v_to LOOP
            IF v_failed THEN
                v_writes[a] := false;
                v_next_revisions[a] := NULL;
                v_last_positions[a] := NULL;
            ELSIF v_writes[a] THEN
                v_current[v_stream_of[a]] := coalesce(v_before[a], -1) + v_sizes[a];
                v_next_revisions[a] := v_current[v_stream_of[a]];
                v_to_write := v_to_write + v_sizes[a];
            END IF;
        END LOOP;
        a := v_to + 1;
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

        -- Every new event in one statement, positions in the order of the appends then of their events.
        INSERT INTO event_log (position, stream_name, stream_revision, event_id, event_type, data, metadata)
        SELECT v_positions[e.nth], p_streams[e.a], coalesce(v_before[e.a], -1) + e.nth_in_append, p_ids[e.k], p_types[e.k], p_data[e.k], p_metadata[e.k]
        FROM (
            SELECT k, p_event_append[k] AS a,
                   row_number() OVER (ORDER BY p_event_append[k], k)::INT AS nth,
                   row_number() OVER (PARTITION BY p_event_append[k] ORDER BY k)::INT AS nth_in_append
            FROM generate_subscripts(p_ids, 1) AS k
            WHERE v_writes[p_event_append[k]]
        ) AS e;

        FOR a IN 1 .. v_count LOOP
            CONTINUE WHEN NOT v_writes[a];
            v_offset := v_offset + v_sizes[a];
            v_last_positions[a] := v_positions[v_offset];
        END LOOP;
    END IF;

    RETURN QUERY SELECT s, v_next_revisions[s], v_last_positions[s], v_conflicts_expected[s], v_conflicts_actual[s]
        FROM generate_series(1, v_count) AS s;
END;
$$;
