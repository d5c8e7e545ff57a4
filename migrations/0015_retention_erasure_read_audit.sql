-- Retention, erasure and redaction of record-level data, the read audit,
-- and hate-crime coverage from what each source delivered (issue 14).

-- The audit trail learns reads: which route answered and how many records
-- it showed, and, for an erasure or a redaction, the reason the council
-- gave (the reason is the council's own words, never a report's text).
ALTER TABLE audit_events ADD COLUMN route text;
ALTER TABLE audit_events ADD COLUMN record_count integer CHECK (record_count >= 0);
ALTER TABLE audit_events ADD COLUMN reason text CHECK (length(reason) BETWEEN 1 AND 500);
CREATE INDEX audit_events_action_idx ON audit_events (action, at);

-- ---- Coverage from deliveries ---------------------------------------------
-- A source has supplied a month when it said so: a delivery, recorded even
-- when the month had no reports.  Coverage is never inferred from counts,
-- so that "a small centre supplied March" says nothing about March's count.
CREATE TABLE hate_crime_deliveries (
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    month           date NOT NULL CHECK (extract(day FROM month) = 1),
    delivered_at    timestamptz NOT NULL DEFAULT now(),
    key_prefix      text,
    request_id      text NOT NULL,
    PRIMARY KEY (organisation_id, month)
);

DO $$
DECLARE
    op text;
BEGIN
    FOREACH op IN ARRAY ARRAY['INSERT', 'UPDATE', 'DELETE'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER %s ON hate_crime_deliveries REFERENCING %s TABLE AS changed_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION eq_changed_rows(%L)',
                       'hate_crime_deliveries_changed_' || lower(op), op,
                       CASE op WHEN 'DELETE' THEN 'OLD' ELSE 'NEW' END, 'hate_crime');
    END LOOP;
END;
$$;

-- ---- Deduplication that survives the purge ---------------------------------
-- The statistics count a crime reported by two sources once, by its police
-- reference.  Past retention the reference itself is purged, so each report
-- keeps a keyed pseudonym of it (HMAC with a secret made here, never
-- shown): equal references give equal keys, a key gives no reference back.
CREATE TABLE pseudonym_secret (
    one    boolean PRIMARY KEY DEFAULT true CHECK (one),
    secret bytea NOT NULL
);
INSERT INTO pseudonym_secret (secret)
    VALUES (decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));

ALTER TABLE hate_crime_reports ADD COLUMN police_key text;
ALTER TABLE hate_crime_reports ADD COLUMN purged_at timestamptz;

CREATE FUNCTION hate_crime_police_key(ref text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN ref IS NULL THEN NULL
           ELSE encode(sha256((SELECT secret FROM pseudonym_secret) || convert_to(ref, 'UTF8')), 'hex') END
$$;

CREATE FUNCTION hate_crime_reports_police_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A purge clears the reference and keeps the key it had.
    IF NEW.purged_at IS NULL THEN
        NEW.police_key := hate_crime_police_key(NEW.police_reference);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER hate_crime_reports_police_key BEFORE INSERT OR UPDATE ON hate_crime_reports
    FOR EACH ROW EXECUTE FUNCTION hate_crime_reports_police_key();
UPDATE hate_crime_reports SET police_key = hate_crime_police_key(police_reference);
CREATE INDEX hate_crime_reports_police_key_idx ON hate_crime_reports (police_key)
    WHERE police_key IS NOT NULL;

-- ---- Retention --------------------------------------------------------------
-- Past retention a report keeps what the statistics count (dates, place,
-- strands, offence, channel, status, the police key) and loses its personal
-- fields: victim and suspect characteristics, the police reference, both
-- free texts.  Every earlier version goes; one version row holds the purged
-- record.  Stored idempotent answers naming it go too.  Returns how many
-- reports were purged.
CREATE FUNCTION eq_purge_report(p_id uuid, p_request_id text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE hate_crime_reports SET
        police_reference = NULL,
        victim = '[]'::jsonb, suspect = '[]'::jsonb,
        other_strand_reason = CASE WHEN other_strand_reason IS NULL THEN NULL ELSE '[purged]' END,
        withdrawn_reason = CASE WHEN withdrawn_reason IS NULL THEN NULL ELSE '[purged]' END,
        purged_at = now()
    WHERE id = p_id;
    DELETE FROM hate_crime_report_versions WHERE report_id = p_id;
    INSERT INTO hate_crime_report_versions (report_id, version, body, changed_at, key_prefix, request_id)
        SELECT r.id, r.version, hate_crime_report_json(r)::jsonb, now(), NULL, p_request_id
        FROM hate_crime_reports r WHERE r.id = p_id;
    DELETE FROM idempotency_keys
        WHERE strpos(body, p_id::text) > 0 OR strpos(coalesce(location, ''), p_id::text) > 0;
END $$;

CREATE FUNCTION eq_purge_expired_reports(p_retention_days integer, p_request_id text)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    r record;
    n integer := 0;
BEGIN
    FOR r IN SELECT id FROM hate_crime_reports
             WHERE purged_at IS NULL
               AND reported_on < (now() AT TIME ZONE 'Europe/London')::date - p_retention_days
             ORDER BY id FOR UPDATE SKIP LOCKED
    LOOP
        PERFORM eq_purge_report(r.id, p_request_id);
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;

-- ---- Erasure ------------------------------------------------------------------
-- A report erased on the council's decision leaves nothing: its versions,
-- the stored idempotent answers that quote it, and the row.  The audit
-- event of the erasure (with the reason) is the only record that it was.
CREATE FUNCTION eq_erase_report(p_id uuid) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM hate_crime_reports WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    DELETE FROM hate_crime_report_versions WHERE report_id = p_id;
    DELETE FROM idempotency_keys
        WHERE strpos(body, p_id::text) > 0 OR strpos(coalesce(location, ''), p_id::text) > 0;
    DELETE FROM hate_crime_reports WHERE id = p_id;
    RETURN true;
END $$;

-- ---- Redaction of action-plan free text ------------------------------------------
-- History is still never rewritten, with one exception: the council may
-- replace a note or a reason with "[redacted]" (a name typed by mistake).
-- Nothing else of the row may change, and rows are never deleted.
CREATE OR REPLACE FUNCTION action_updates_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (to_jsonb(NEW) - 'note' - 'reason') = (to_jsonb(OLD) - 'note' - 'reason')
       AND NEW.note IS NOT DISTINCT FROM (CASE WHEN OLD.note IS NULL THEN NULL ELSE
                                           CASE WHEN NEW.note = '[redacted]' THEN '[redacted]' ELSE OLD.note END END)
       AND NEW.reason IS NOT DISTINCT FROM (CASE WHEN OLD.reason IS NULL THEN NULL ELSE
                                           CASE WHEN NEW.reason = '[redacted]' THEN '[redacted]' ELSE OLD.reason END END)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'action_updates rows are never changed or deleted (only a note or reason may be redacted)';
END $$;

-- ---- Idempotency sweep ----------------------------------------------------------
-- Stored answers are kept 24 hours (the promise) and swept after p_hours.
CREATE FUNCTION eq_sweep_idempotency(p_hours integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    DELETE FROM idempotency_keys WHERE created_at < now() - p_hours * interval '1 hour';
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- One turn of housekeeping, run by the service every EQ_SWEEP_INTERVAL and
-- by `equalities-api purge`: sweep stored answers older than p_idem_hours,
-- purge reports past p_retention_days (0: keep them), and record a purge
-- in the audit trail.
CREATE FUNCTION eq_housekeeping(p_idem_hours integer, p_retention_days integer, p_request_id text,
                                OUT swept integer, OUT purged integer)
LANGUAGE plpgsql AS $$
BEGIN
    swept := eq_sweep_idempotency(p_idem_hours);
    purged := CASE WHEN p_retention_days > 0
                   THEN eq_purge_expired_reports(p_retention_days, p_request_id) ELSE 0 END;
    IF purged > 0 THEN
        INSERT INTO audit_events (request_id, action, outcome, status, route, record_count)
            VALUES (p_request_id, 'hate_crime_report.retention_purge', 'success', 200,
                    'housekeeping', purged);
    END IF;
END $$;

-- ---- Redaction ------------------------------------------------------------------
-- The council replaces a free text (a name typed by mistake) with
-- "[redacted]": in the record, in every version the API shows, and in the
-- stored idempotent answers that quote the record (they are dropped).  No
-- row when the record does not exist.
CREATE FUNCTION eq_redact_report(p_id uuid, p_fields text[]) RETURNS SETOF hate_crime_reports
LANGUAGE plpgsql AS $$
DECLARE
    f text;
BEGIN
    UPDATE hate_crime_reports SET
        other_strand_reason = CASE WHEN 'other_strand_reason' = ANY (p_fields)
                                    AND other_strand_reason IS NOT NULL
                                   THEN '[redacted]' ELSE other_strand_reason END,
        withdrawn_reason = CASE WHEN 'withdrawn_reason' = ANY (p_fields)
                                 AND withdrawn_reason IS NOT NULL
                                THEN '[redacted]' ELSE withdrawn_reason END
    WHERE id = p_id;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    FOREACH f IN ARRAY p_fields LOOP
        UPDATE hate_crime_report_versions SET body = jsonb_set(body, ARRAY[f], '"[redacted]"')
            WHERE report_id = p_id AND jsonb_typeof(body -> f) = 'string';
    END LOOP;
    DELETE FROM idempotency_keys
        WHERE strpos(body, p_id::text) > 0 OR strpos(coalesce(location, ''), p_id::text) > 0;
    RETURN QUERY SELECT * FROM hate_crime_reports WHERE id = p_id;
END $$;

CREATE FUNCTION eq_redact_action_update(p_action uuid, p_seq integer, p_fields text[])
RETURNS SETOF action_updates LANGUAGE plpgsql AS $$
BEGIN
    UPDATE action_updates SET
        note = CASE WHEN 'note' = ANY (p_fields) AND note IS NOT NULL THEN '[redacted]' ELSE note END,
        reason = CASE WHEN 'reason' = ANY (p_fields) AND reason IS NOT NULL THEN '[redacted]' ELSE reason END
    WHERE action_id = p_action AND seq = p_seq;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    DELETE FROM idempotency_keys
        WHERE strpos(body, p_action::text) > 0 OR strpos(coalesce(location, ''), p_action::text) > 0;
    RETURN QUERY SELECT * FROM action_updates WHERE action_id = p_action AND seq = p_seq;
END $$;

-- ---- Least privilege ----------------------------------------------------------------
-- The owner (who runs `migrate`) owns every object; the service connects as
-- a role of its own with only what it needs.  `EQ_SERVICE_ROLE=name
-- equalities-api migrate` calls this after the migrations, so that the
-- grants follow every table a migration adds:
--   every table: SELECT, INSERT, UPDATE, DELETE (no TRUNCATE, no DDL);
--   audit_events: SELECT and INSERT only, so the audit trail is
--     append-only for the service;
--   schema_migrations: SELECT only (readiness compares it);
--   sequences: USAGE.
-- The role must exist, must not be a superuser and must not own the schema.
CREATE FUNCTION eq_grant_service(p_role text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_role) THEN
        RAISE EXCEPTION 'role % does not exist', p_role;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_role AND rolsuper) THEN
        RAISE EXCEPTION 'role % is a superuser: the service must not be', p_role;
    END IF;
    EXECUTE format('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', p_role);
    FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') LOOP
        EXECUTE format('REVOKE ALL ON TABLE %I FROM %I', t.relname, p_role);
        IF t.relname IN ('audit_events') THEN
            EXECUTE format('GRANT SELECT, INSERT ON TABLE %I TO %I', t.relname, p_role);
        ELSIF t.relname IN ('schema_migrations') THEN
            EXECUTE format('GRANT SELECT ON TABLE %I TO %I', t.relname, p_role);
        ELSE
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %I TO %I', t.relname, p_role);
        END IF;
    END LOOP;
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', p_role);
END $$;
