-- The council's commentary on each section of the Annual Equalities Report
-- (PUT /v1/reports/annual/{year}/sections/{section}/commentary, scope
-- manage:reports): one current text a section of a year, versioned as the
-- other edited records are, every version kept with who made it.

-- A new scope, held by the council only (src/domain/scopes.c: the council
-- may hold every scope; the database's copy of the rule learns it here).
INSERT INTO organisation_kind_scopes (kind, scope) VALUES ('council', 'manage:reports')
ON CONFLICT DO NOTHING;

ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check CHECK (
    cardinality(scopes) > 0 AND
    scopes <@ ARRAY['submit:returns', 'review:returns', 'submit:hate-crime',
                    'read:hate-crime', 'manage:action-plan', 'manage:indicators', 'admin',
                    'manage:impact-assessments', 'manage:reports']::text[]);

-- year as the report's path names it ("2024-25"); section one of the
-- report's seven keys (src/domain/annual_report.c); id "2024-25/workforce",
-- the one name the versioned-edit kit keys a record by.
CREATE TABLE report_commentary (
    year       text NOT NULL CHECK (year ~ '^[0-9]{4}-[0-9]{2}$'),
    section    text NOT NULL CHECK (section IN ('objective', 'indicators', 'action_plan',
                   'workforce', 'hate_crime', 'partner_returns', 'demographics')),
    id         text GENERATED ALWAYS AS (year || '/' || section) STORED UNIQUE,
    text       text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    version    integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (year, section)
);

CREATE TABLE report_commentary_versions (
    commentary_id text NOT NULL REFERENCES report_commentary (id),
    version       integer NOT NULL,
    body          jsonb NOT NULL,
    changed_at    timestamptz NOT NULL DEFAULT now(),
    key_prefix    text,
    request_id    text NOT NULL,
    PRIMARY KEY (commentary_id, version)
);

CREATE FUNCTION report_commentary_json(c report_commentary) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('text', c.text, 'version', c.version,
        'updated_at', to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
$$;

-- The change feed and the response caches of every instance learn of a
-- change as for every other table (eq_track_changes, 0018).  The report is built from every
-- area (its route depends on them all); the commentary is the indicators'
-- area, the report's own figures.
SELECT eq_track_changes('report_commentary', 'indicators');
SELECT eq_track_changes('report_commentary_versions', 'indicators');
