-- Hate-crime reports: record-level and restricted.  Reports come from the
-- police feed, council officers and third-party reporting centres; no
-- names, addresses or contact details are held, only what the published
-- statistics and the council's monitoring need.

CREATE TABLE hate_crime_reports (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id     bigint NOT NULL REFERENCES organisations (id),
    submitter_reference text NOT NULL CHECK (length(submitter_reference) BETWEEN 1 AND 64),
    -- Two sources reporting one crime share the police reference; the
    -- statistics count such a crime once.
    police_reference    text CHECK (length(police_reference) BETWEEN 1 AND 64),
    occurred_from       date NOT NULL,
    occurred_to         date NOT NULL,
    reported_on         date NOT NULL,
    location            text NOT NULL CHECK (location IN ('ward', 'unknown', 'outside_borough')),
    ward_code           text REFERENCES areas (code),
    strands             text[] NOT NULL CHECK (
                            cardinality(strands) BETWEEN 1 AND 6 AND
                            strands <@ ARRAY['race', 'religion', 'sexual_orientation', 'disability',
                                             'transgender_identity', 'other']::text[]),
    other_strand_reason text CHECK (length(other_strand_reason) <= 200),
    offence_type        text NOT NULL CHECK (offence_type IN ('violence_against_the_person', 'harassment',
                            'criminal_damage', 'public_order', 'online', 'other')),
    channel             text NOT NULL CHECK (channel IN ('police', 'third_party_centre', 'council_officer',
                            'online_form', 'telephone', 'in_person', 'other')),
    victim              jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(victim) = 'array'),
    suspect             jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(suspect) = 'array'),
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
    withdrawn_reason    text CHECK (length(withdrawn_reason) <= 500),
    version             integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, submitter_reference),
    CHECK (occurred_to >= occurred_from),
    CHECK (reported_on >= occurred_from),
    CHECK ((location = 'ward') = (ward_code IS NOT NULL)),
    CHECK (('other' = ANY (strands)) = (other_strand_reason IS NOT NULL)),
    CHECK ((status = 'withdrawn') = (withdrawn_reason IS NOT NULL))
);
CREATE INDEX hate_crime_reports_org_idx ON hate_crime_reports (organisation_id, created_at, id);
CREATE INDEX hate_crime_reports_occurred_idx ON hate_crime_reports (occurred_from);
CREATE INDEX hate_crime_reports_police_ref_idx ON hate_crime_reports (police_reference)
    WHERE police_reference IS NOT NULL;

-- Every version a submitter wrote, never rewritten: corrections and
-- withdrawals add a row.
CREATE TABLE hate_crime_report_versions (
    report_id  uuid NOT NULL REFERENCES hate_crime_reports (id),
    version    integer NOT NULL,
    body       jsonb NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    key_prefix text,
    request_id text NOT NULL,
    PRIMARY KEY (report_id, version)
);
-- Keyset pagination of the council's view (every organisation's reports).
CREATE INDEX hate_crime_reports_created_idx ON hate_crime_reports (created_at, id);

-- The API representation of one report: one definition, used by the
-- service's responses, by every version row and by the seed, so that a
-- version's body is exactly what the API returned.  json (not jsonb) keeps
-- the members in this order.
CREATE FUNCTION hate_crime_report_json(r hate_crime_reports) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
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
        'updated_at', to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
$$;
