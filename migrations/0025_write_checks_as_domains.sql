-- The column rules of the tables every report POST inserts into
-- (hate_crime_reports, audit_events, idempotency_keys) move from table CHECK
-- constraints to domains: the same rules on the same columns, checked at
-- every insert and update as before.
--
-- Why: PostgreSQL reads a table's CHECK constraints back from their stored
-- node text and plans them again in every statement that writes the table
-- (once per executor state, ExecRelCheck).  For these three tables that is
-- some 20 kB of node text per report POST, and it was 13 % of the
-- PostgreSQL CPU of a POST under load (perf: stringToNode and
-- ExecPrepareExpr under ExecConstraints).  A domain's checks are parsed and
-- planned once per session, in the type cache.
--
-- The rules that compare two columns stay table constraints.  Each domain
-- is created bare, the column moved to it (binary-coercible to a domain
-- without checks: no table rewrite), then the check is added to the domain
-- (which checks the stored rows) before the table's own is dropped, so that
-- no row is unchecked at any moment of the migration's transaction.
CREATE DOMAIN hcr_submitter_reference AS text;
CREATE DOMAIN hcr_police_reference AS text;
CREATE DOMAIN hcr_location AS text;
CREATE DOMAIN hcr_strands AS text[];
CREATE DOMAIN hcr_other_strand_reason AS text;
CREATE DOMAIN hcr_offence_type AS text;
CREATE DOMAIN hcr_channel AS text;
CREATE DOMAIN hcr_people AS jsonb;
CREATE DOMAIN hcr_status AS text;
CREATE DOMAIN hcr_withdrawn_reason AS text;
CREATE DOMAIN audit_outcome AS text;
CREATE DOMAIN audit_client_request_id AS text;
CREATE DOMAIN audit_presented_prefix AS text;
CREATE DOMAIN audit_reason AS text;
CREATE DOMAIN audit_record_count AS integer;
CREATE DOMAIN idempotency_key AS text;

ALTER TABLE hate_crime_reports
    ALTER COLUMN submitter_reference TYPE hcr_submitter_reference,
    ALTER COLUMN police_reference TYPE hcr_police_reference,
    ALTER COLUMN location TYPE hcr_location,
    ALTER COLUMN strands TYPE hcr_strands,
    ALTER COLUMN other_strand_reason TYPE hcr_other_strand_reason,
    ALTER COLUMN offence_type TYPE hcr_offence_type,
    ALTER COLUMN channel TYPE hcr_channel,
    ALTER COLUMN victim TYPE hcr_people,
    ALTER COLUMN suspect TYPE hcr_people,
    ALTER COLUMN status TYPE hcr_status,
    ALTER COLUMN withdrawn_reason TYPE hcr_withdrawn_reason;
ALTER TABLE audit_events
    ALTER COLUMN outcome TYPE audit_outcome,
    ALTER COLUMN client_request_id TYPE audit_client_request_id,
    ALTER COLUMN presented_prefix TYPE audit_presented_prefix,
    ALTER COLUMN reason TYPE audit_reason,
    ALTER COLUMN record_count TYPE audit_record_count;
ALTER TABLE idempotency_keys
    ALTER COLUMN key TYPE idempotency_key;

ALTER DOMAIN hcr_submitter_reference ADD CONSTRAINT hcr_submitter_reference_check
    CHECK (length(VALUE) >= 1 AND length(VALUE) <= 64);
ALTER DOMAIN hcr_police_reference ADD CONSTRAINT hcr_police_reference_check
    CHECK (length(VALUE) >= 1 AND length(VALUE) <= 64);
ALTER DOMAIN hcr_location ADD CONSTRAINT hcr_location_check
    CHECK (VALUE IN ('ward', 'unknown', 'outside_borough'));
ALTER DOMAIN hcr_strands ADD CONSTRAINT hcr_strands_check
    CHECK (cardinality(VALUE) >= 1 AND cardinality(VALUE) <= 6 AND VALUE <@ ARRAY['race', 'religion',
           'sexual_orientation', 'disability', 'transgender_identity', 'other']);
ALTER DOMAIN hcr_other_strand_reason ADD CONSTRAINT hcr_other_strand_reason_check
    CHECK (length(VALUE) <= 200);
ALTER DOMAIN hcr_offence_type ADD CONSTRAINT hcr_offence_type_check
    CHECK (VALUE IN ('violence_against_the_person', 'harassment', 'criminal_damage', 'public_order',
                     'online', 'other'));
ALTER DOMAIN hcr_channel ADD CONSTRAINT hcr_channel_check
    CHECK (VALUE IN ('police', 'third_party_centre', 'council_officer', 'online_form', 'telephone',
                     'in_person', 'other'));
ALTER DOMAIN hcr_people ADD CONSTRAINT hcr_people_check
    CHECK (jsonb_typeof(VALUE) = 'array');
ALTER DOMAIN hcr_status ADD CONSTRAINT hcr_status_check
    CHECK (VALUE IN ('active', 'withdrawn'));
ALTER DOMAIN hcr_withdrawn_reason ADD CONSTRAINT hcr_withdrawn_reason_check
    CHECK (length(VALUE) <= 500);
ALTER DOMAIN audit_outcome ADD CONSTRAINT audit_outcome_check
    CHECK (VALUE IN ('success', 'refused', 'failed'));
ALTER DOMAIN audit_client_request_id ADD CONSTRAINT audit_client_request_id_check
    CHECK (length(VALUE) <= 64);
ALTER DOMAIN audit_presented_prefix ADD CONSTRAINT audit_presented_prefix_check
    CHECK (VALUE ~ '^eq_[0-9a-f]{12}$');
ALTER DOMAIN audit_reason ADD CONSTRAINT audit_reason_check
    CHECK (length(VALUE) >= 1 AND length(VALUE) <= 500);
ALTER DOMAIN audit_record_count ADD CONSTRAINT audit_record_count_check
    CHECK (VALUE >= 0);
ALTER DOMAIN idempotency_key ADD CONSTRAINT idempotency_key_check
    CHECK (length(VALUE) >= 1 AND length(VALUE) <= 255);

ALTER TABLE hate_crime_reports
    DROP CONSTRAINT hate_crime_reports_submitter_reference_check,
    DROP CONSTRAINT hate_crime_reports_police_reference_check,
    DROP CONSTRAINT hate_crime_reports_location_check,
    DROP CONSTRAINT hate_crime_reports_strands_check,
    DROP CONSTRAINT hate_crime_reports_other_strand_reason_check,
    DROP CONSTRAINT hate_crime_reports_offence_type_check,
    DROP CONSTRAINT hate_crime_reports_channel_check,
    DROP CONSTRAINT hate_crime_reports_victim_check,
    DROP CONSTRAINT hate_crime_reports_suspect_check,
    DROP CONSTRAINT hate_crime_reports_status_check,
    DROP CONSTRAINT hate_crime_reports_withdrawn_reason_check;
ALTER TABLE audit_events
    DROP CONSTRAINT audit_events_outcome_check,
    DROP CONSTRAINT audit_events_client_request_id_check,
    DROP CONSTRAINT audit_events_presented_prefix_check,
    DROP CONSTRAINT audit_events_reason_check,
    DROP CONSTRAINT audit_events_record_count_check;
ALTER TABLE idempotency_keys
    DROP CONSTRAINT idempotency_keys_key_check;

-- The police key (migration 0015) is computed only when there is one to
-- compute: a row without a police reference and without a key already, or
-- a purged row, is left as the function would leave it, without calling
-- it (two PL/pgSQL calls a report POST without a police reference).
DROP TRIGGER hate_crime_reports_police_key ON hate_crime_reports;
CREATE TRIGGER hate_crime_reports_police_key BEFORE INSERT OR UPDATE ON hate_crime_reports
    FOR EACH ROW
    WHEN (NEW.purged_at IS NULL AND (NEW.police_reference IS NOT NULL OR NEW.police_key IS NOT NULL))
    EXECUTE FUNCTION hate_crime_reports_police_key();
