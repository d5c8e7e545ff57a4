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
