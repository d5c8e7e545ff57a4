-- Writes commit side by side again: the service's notification of a change
-- goes out after COMMIT, outside the data transaction.
--
-- A transaction that has called pg_notify takes a database-wide lock on
-- the notification queue at pre-commit and holds it across its commit
-- record's WAL flush, so notifying transactions commit one at a time and
-- concurrent writes lose group commit: under 32 concurrent report POSTs
-- most backends were found waiting on that lock ("Lock: object").
--
-- The change-log row stays in the writer's transaction: it, not the
-- notification, is the durable fact (GET /v1/changes reads it, and every
-- instance's listener also polls it, so a notification lost to a crash
-- between COMMIT and NOTIFY is caught up within a second).  A transaction
-- that sets eq.notify to 'after_commit' (transaction-local: the service's
-- write frame does, db/db.c) is not notified by the trigger; the areas it
-- changed collect in eq.changed, which the frame reads just before COMMIT
-- and notifies afterwards (db/notifier.c).  Every other writer (psql, the
-- importers, the seed, the CLI) is notified by the trigger as before.
CREATE OR REPLACE FUNCTION eq_record_change(p_area text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('eq_changed.' || p_area, true) = 'y' THEN
        RETURN;
    END IF;
    PERFORM set_config('eq_changed.' || p_area, 'y', true);
    INSERT INTO change_log (area) VALUES (p_area) ON CONFLICT (xid, area) DO NOTHING;
    IF current_setting('eq.notify', true) = 'after_commit' THEN
        PERFORM set_config('eq.changed',
                           concat_ws(',', nullif(current_setting('eq.changed', true), ''), p_area), true);
    ELSE
        PERFORM pg_notify('eq_data_changed', p_area);
    END IF;
END;
$$;

-- A write of several tables of one area (a report and its version row)
-- records the area once; the later statements' triggers now stop at that
-- check, before looking at their transition table or calling the recorder.
CREATE OR REPLACE FUNCTION eq_changed_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('eq_changed.' || TG_ARGV[0], true) = 'y' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM eq_record_change(TG_ARGV[0]);
    ELSIF EXISTS (SELECT 1 FROM changed_rows) THEN
        PERFORM eq_record_change(TG_ARGV[0]);
    END IF;
    RETURN NULL;
END;
$$;

-- The notification of areas ("hate_crime,reference") that committed
-- transactions changed, in a transaction of its own.  It holds no data,
-- so it need not wait for its commit record to reach disk: the queue lock
-- is then held for moments, not for a flush.
CREATE FUNCTION eq_notify_changes(p_areas text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_area text;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    FOREACH v_area IN ARRAY string_to_array(p_areas, ',') LOOP
        PERFORM pg_notify('eq_data_changed', v_area);
    END LOOP;
END;
$$;

-- The same two functions as before (migrations 0003 and 0015), in PL/pgSQL.
-- A SQL function that cannot be inlined (these read another table in a
-- sub-select) is parsed and planned again in every statement that calls
-- it; a PL/pgSQL one keeps its plans for the session.  Every report write
-- calls both (the police key on insert, the JSON for the version row and
-- the answer), and that planning was most of a write's database time:
-- 0.8 ms a call for the JSON, against 0.1 ms for the insert around it.
CREATE OR REPLACE FUNCTION hate_crime_report_json(r hate_crime_reports) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN json_build_object(
        'id', r.id,
        'organisation', (SELECT o.slug FROM organisations o WHERE o.id = r.organisation_id),
        'submitter_reference', r.submitter_reference,
        'police_reference', r.police_reference,
        'occurred_from', to_char(r.occurred_from, 'YYYY-MM-DD'),
        'occurred_to', to_char(r.occurred_to, 'YYYY-MM-DD'),
        'reported_on', to_char(r.reported_on, 'YYYY-MM-DD'),
        'location', json_build_object('kind', r.location, 'ward', r.ward_code),
        'strands', to_json(r.strands),
        'other_strand_reason', r.other_strand_reason,
        'offence_type', r.offence_type,
        'channel', r.channel,
        'victim', r.victim,
        'suspect', r.suspect,
        'status', r.status,
        'withdrawn_reason', r.withdrawn_reason,
        'version', r.version,
        'created_at', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'updated_at', to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'));
END;
$$;

CREATE OR REPLACE FUNCTION hate_crime_police_key(ref text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF ref IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN encode(sha256((SELECT secret FROM pseudonym_secret) || convert_to(ref, 'UTF8')), 'hex');
END;
$$;
