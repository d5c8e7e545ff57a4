-- GET /v1/changes must not tell the public when live hate-crime or returns
-- data changed (issue #13, attack 3: "/v1/changes tells anyone when to
-- look").  The public reads releases of those statistics, so for the
-- public those areas change when a release of them is made, and only then;
-- council keys that may read the live figures still see every write.
--
-- A change-log row now says whether it is for the council only: every
-- write to the live hate-crime reports and partner returns is.  A release
-- is not, and is recorded in the area of its statistic (as well as in
-- 'reference', which the list of releases reads); nor is a write to
-- return_windows (public as written: see the end).  One transaction may
-- hold both kinds (a late return accepted makes a release of its window),
-- hence the wider key.
-- The notification and the response caches are unchanged: an area's
-- caches are dropped on either kind of row.
ALTER TABLE change_log ADD COLUMN council_only boolean NOT NULL DEFAULT false;
ALTER TABLE change_log DROP CONSTRAINT change_log_pkey;
ALTER TABLE change_log ADD PRIMARY KEY (xid, area, council_only);

-- The areas whose live writes are the council's (api/changes.c keeps the
-- same list, to hand council keys their rows).
CREATE FUNCTION eq_area_is_council_only(p_area text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_area IN ('hate_crime', 'returns')
$$;

-- Record one row of p_area for this transaction, once (a transaction-local
-- setting remembers it), and notify as 0022 does.  A live write's setting
-- keeps its old name, 'eq_changed.<area>', which eq_changed_rows looks at
-- first; a public row of a council-only area has one of its own.
CREATE FUNCTION eq_record_change(p_area text, p_council_only boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_done text := 'eq_changed.' || p_area
                   || CASE WHEN p_council_only = eq_area_is_council_only(p_area) THEN '' ELSE '_public' END;
BEGIN
    IF current_setting(v_done, true) = 'y' THEN
        RETURN;
    END IF;
    PERFORM set_config(v_done, 'y', true);
    INSERT INTO change_log (area, council_only) VALUES (p_area, p_council_only)
        ON CONFLICT (xid, area, council_only) DO NOTHING;
    IF current_setting('eq.notify', true) = 'after_commit' THEN
        PERFORM set_config('eq.changed',
                           concat_ws(',', nullif(current_setting('eq.changed', true), ''), p_area), true);
    ELSE
        PERFORM pg_notify('eq_data_changed', p_area);
    END IF;
END;
$$;

-- Every table trigger (eq_changed_rows) still calls this one: a live write.
CREATE OR REPLACE FUNCTION eq_record_change(p_area text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM eq_record_change(p_area, eq_area_is_council_only(p_area));
END;
$$;

-- A release is public news in the area of its statistic.
CREATE FUNCTION eq_release_made() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_statistic text;
BEGIN
    FOR v_statistic IN SELECT DISTINCT statistic FROM changed_rows LOOP
        PERFORM eq_record_change(CASE v_statistic WHEN 'hate-crime' THEN 'hate_crime'
                                                  WHEN 'returns-summary' THEN 'returns'
                                                  ELSE 'demographics' END, false);
    END LOOP;
    RETURN NULL;
END;
$$;
CREATE TRIGGER releases_made_area AFTER INSERT ON releases REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION eq_release_made();

-- Return windows are public data as they are written (/v1/return-windows/
-- public lists them, never a partner's state or figures), so a window
-- opened or moved is public news of the returns area: its triggers record
-- a public row.
CREATE FUNCTION eq_changed_rows_public() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM eq_record_change(TG_ARGV[0], false);
    ELSIF EXISTS (SELECT 1 FROM changed_rows) THEN
        PERFORM eq_record_change(TG_ARGV[0], false);
    END IF;
    RETURN NULL;
END;
$$;
DROP TRIGGER return_windows_changed_ins ON return_windows;
DROP TRIGGER return_windows_changed_upd ON return_windows;
DROP TRIGGER return_windows_changed_del ON return_windows;
DROP TRIGGER return_windows_changed_trunc ON return_windows;
CREATE TRIGGER return_windows_changed_ins AFTER INSERT ON return_windows
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION eq_changed_rows_public('returns');
CREATE TRIGGER return_windows_changed_upd AFTER UPDATE ON return_windows
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION eq_changed_rows_public('returns');
CREATE TRIGGER return_windows_changed_del AFTER DELETE ON return_windows
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION eq_changed_rows_public('returns');
CREATE TRIGGER return_windows_changed_trunc AFTER TRUNCATE ON return_windows
    FOR EACH STATEMENT EXECUTE FUNCTION eq_changed_rows_public('returns');
