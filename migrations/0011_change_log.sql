-- The change log behind GET /v1/changes: one row per transaction and data
-- area that changed published data, written by triggers in the writer's own
-- transaction, so that every path that writes (the API, the importers, the
-- seed, an officer with psql) is recorded and nothing is recorded for a
-- write that rolls back.
--
-- Readers page through it by transaction id, not by a sequence: a sequence
-- value is taken before commit, so a smaller value can become visible after
-- a larger one and a reader that had moved past it would never see it.  A
-- reader only reports rows below the oldest transaction still running
-- (pg_snapshot_xmin of its snapshot): every transaction below that line has
-- finished, and any transaction that commits later has an id above it.  The
-- line itself is the reader's next cursor.  Ids are xid8 values (epoch and
-- xid), which never wrap; they are stored as bigint for plain comparisons.

CREATE TABLE change_log (
    xid        bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    area       text        NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (xid, area)
);

CREATE INDEX change_log_changed_at ON change_log (changed_at);

-- Ids below pruned_below may have been deleted: a cursor older than that
-- gets a reset (everything may have changed) instead of a partial answer.
CREATE TABLE change_log_horizon (
    one          boolean PRIMARY KEY DEFAULT true CHECK (one),
    pruned_below bigint  NOT NULL DEFAULT 0
);
INSERT INTO change_log_horizon DEFAULT VALUES;

-- Record that p_area changed in this transaction and tell every instance
-- (the notification is delivered on commit; identical ones are merged).
-- A transaction-local setting remembers that it was done, so a write that
-- touches several tables of one area (a report and its version row) pays
-- for the row and the notification once.
CREATE FUNCTION eq_record_change(p_area text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('eq_changed.' || p_area, true) = 'y' THEN
        RETURN;
    END IF;
    PERFORM set_config('eq_changed.' || p_area, 'y', true);
    INSERT INTO change_log (area) VALUES (p_area) ON CONFLICT (xid, area) DO NOTHING;
    PERFORM pg_notify('eq_data_changed', p_area);
END;
$$;

-- Statement-level: one call per statement, whatever its row count.  The
-- transition table tells a statement that changed nothing (an idempotent
-- seed's INSERT ... ON CONFLICT DO NOTHING) from one that did.
CREATE FUNCTION eq_changed_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM eq_record_change(TG_ARGV[0]);
    ELSIF EXISTS (SELECT 1 FROM changed_rows) THEN
        PERFORM eq_record_change(TG_ARGV[0]);
    END IF;
    RETURN NULL;
END;
$$;

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('areas', 'reference'), ('characteristics', 'reference'),
        ('categories', 'reference'), ('organisations', 'reference'),
        ('datasets', 'demographics'), ('demographic_counts', 'demographics'),
        ('demographic_totals', 'demographics'),
        ('hate_crime_reports', 'hate_crime'), ('hate_crime_report_versions', 'hate_crime'),
        ('workforce_grade_bands', 'workforce'), ('workforce_snapshots', 'workforce'),
        ('workforce_counts', 'workforce'),
        ('return_windows', 'returns'), ('partner_returns', 'returns'),
        ('partner_return_submissions', 'returns'),
        ('action_plans', 'action_plan'), ('actions', 'action_plan'),
        ('action_updates', 'action_plan'),
        ('indicators', 'indicators'), ('indicator_values', 'indicators'),
        ('indicator_value_revisions', 'indicators')
    ) AS v(tab, area)
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION eq_changed_rows(%L)',
                       t.tab || '_changed_ins', t.tab, t.area);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION eq_changed_rows(%L)',
                       t.tab || '_changed_upd', t.tab, t.area);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION eq_changed_rows(%L)',
                       t.tab || '_changed_del', t.tab, t.area);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION eq_changed_rows(%L)',
                       t.tab || '_changed_trunc', t.tab, t.area);
    END LOOP;
END;
$$;

-- Forget changes older than p_keep; cursors from before then get a reset.
CREATE FUNCTION eq_prune_change_log(p_keep interval) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_max bigint;
BEGIN
    PERFORM 1 FROM change_log_horizon FOR UPDATE;
    WITH gone AS (
        DELETE FROM change_log WHERE changed_at < now() - p_keep RETURNING xid
    )
    SELECT max(xid) INTO v_max FROM gone;
    IF v_max IS NOT NULL THEN
        UPDATE change_log_horizon SET pruned_below = greatest(pruned_below, v_max + 1);
    END IF;
END;
$$;
