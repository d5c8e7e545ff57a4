-- What the council's Equalities Policy promises beyond the statistics:
-- organisations with their equalities policies and how they met each
-- return window; the Strategic Equalities Objective and its outcomes, one
-- vocabulary that indicators and actions name by code.

-- ---- organisations and their policies ------------------------------------------

-- The policy link is the organisation's (a partner may change it); the
-- date it was last reviewed is the council's.  version counts changes, for
-- If-Match ("v<version>").
ALTER TABLE organisations
    ADD COLUMN equalities_policy_url text
        CHECK (equalities_policy_url ~ '^https?://[^[:space:]]+$' AND length(equalities_policy_url) <= 2000),
    ADD COLUMN policy_reviewed_on date,
    ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- How an organisation met one window it was due to return in:
-- returned: the council sent the return back for correction;
-- on_time / late: submitted (and accepted or awaiting review) by the due
-- date or after it; overdue: nothing submitted and the due date passed;
-- open: the window is open and nothing is submitted yet.
CREATE FUNCTION organisation_window_outcome(r partner_returns, w return_windows, today date)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN r.status = 'returned' THEN 'returned'
                WHEN r.submitted_at IS NOT NULL AND r.late THEN 'late'
                WHEN r.submitted_at IS NOT NULL THEN 'on_time'
                WHEN today > w.due_date THEN 'overdue'
                ELSE 'open' END
$$;

-- Every window opened by today, for a partner; none for other kinds.
CREATE FUNCTION organisation_windows_json(o organisations, today date) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(json_build_object(
               'window', w.id, 'kind', w.kind, 'period', w.period,
               'due_date', to_char(w.due_date, 'YYYY-MM-DD'),
               'outcome', organisation_window_outcome(r, w, today))
             ORDER BY w.open_date, w.id), '[]'::json)
    FROM return_windows w
    LEFT JOIN partner_returns r ON r.window_id = w.id AND r.organisation_id = o.id
    WHERE o.kind = 'partner' AND w.open_date <= today
$$;

CREATE FUNCTION organisation_json(o organisations) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'slug', o.slug, 'name', o.name, 'kind', o.kind,
        'equalities_policy_url', o.equalities_policy_url,
        'policy_reviewed_on', to_char(o.policy_reviewed_on, 'YYYY-MM-DD'),
        'return_windows', w.list,
        'return_outcomes', (SELECT json_build_object(
                                'on_time', count(*) FILTER (WHERE e->>'outcome' = 'on_time'),
                                'late', count(*) FILTER (WHERE e->>'outcome' = 'late'),
                                'overdue', count(*) FILTER (WHERE e->>'outcome' = 'overdue'),
                                'returned', count(*) FILTER (WHERE e->>'outcome' = 'returned'),
                                'open', count(*) FILTER (WHERE e->>'outcome' = 'open'))
                            FROM json_array_elements(w.list) e),
        'version', o.version,
        'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
    FROM (SELECT organisation_windows_json(o, (now() AT TIME ZONE 'Europe/London')::date) AS list) w
$$;

-- ---- the Strategic Equalities Objective and its outcomes ----------------------

CREATE TABLE objectives (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z0-9_-]{1,64}$'),
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    statement   text NOT NULL,
    adopted_on  date NOT NULL
);

CREATE TABLE outcomes (
    code          text PRIMARY KEY CHECK (code ~ '^[a-z0-9_-]{1,64}$'),
    objective     text NOT NULL REFERENCES objectives (code),
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    description   text NOT NULL,
    sort_order    integer NOT NULL
);

-- One vocabulary: the action plan said "access" and "workforce" where the
-- indicators said "equal-access" and "representative-workforce".
UPDATE actions SET outcome = 'equal-access' WHERE outcome = 'access';
UPDATE actions SET outcome = 'representative-workforce' WHERE outcome = 'workforce';

CREATE FUNCTION outcome_json(o outcomes) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'code', o.code, 'title', o.title, 'description', o.description,
        'indicators', coalesce((SELECT json_agg(i.code ORDER BY i.code) FROM indicators i
                                WHERE i.outcome = o.code), '[]'::json),
        'actions', coalesce((SELECT json_agg(json_build_object(
                                 'id', a.id, 'plan', p.slug, 'reference', a.reference)
                               ORDER BY p.starts_on, action_reference_key(a.reference), a.reference)
                             FROM actions a JOIN action_plans p ON p.id = a.plan_id
                             WHERE a.outcome = o.code), '[]'::json))
$$;

CREATE FUNCTION objective_json(b objectives) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'code', b.code, 'title', b.title, 'statement', b.statement,
        'adopted_on', to_char(b.adopted_on, 'YYYY-MM-DD'),
        'outcomes', coalesce((SELECT json_agg(outcome_json(o) ORDER BY o.sort_order, o.code)
                              FROM outcomes o WHERE o.objective = b.code), '[]'::json))
$$;

-- ---- equality impact assessments ------------------------------------------------

-- The council's new scope for them; every other scope as before.
ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check CHECK (
    cardinality(scopes) > 0 AND
    scopes <@ ARRAY['submit:returns', 'review:returns', 'submit:hate-crime',
                    'read:hate-crime', 'manage:action-plan', 'manage:indicators', 'admin',
                    'manage:impact-assessments']::text[]);

-- impacts: [{characteristic, impact, evidence, mitigations}], one per
-- protected characteristic assessed (src/domain/impact_assessment.c says
-- what a published assessment must hold).  actions: the action-plan
-- actions that carry its mitigations.  illustrative: demo data.
CREATE TABLE impact_assessments (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    reference     text NOT NULL UNIQUE CHECK (reference ~ '^[A-Za-z0-9][A-Za-z0-9.-]{0,31}$'),
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    service_area  text NOT NULL CHECK (service_area ~ '^[a-z0-9_-]{1,64}$'),
    decision      text,
    decision_date date,
    status        text NOT NULL CHECK (status IN ('draft', 'published', 'reviewed')),
    impacts       jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(impacts) = 'array'),
    actions       uuid[] NOT NULL DEFAULT '{}',
    document_url  text CHECK (document_url ~ '^https?://[^[:space:]]+$' AND length(document_url) <= 2000),
    review_date   date,
    illustrative  boolean NOT NULL DEFAULT false,
    version       integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX impact_assessments_decision_idx ON impact_assessments (decision_date, id);

-- Every version as it was, written in the transaction of the change.
CREATE TABLE impact_assessment_versions (
    assessment_id uuid NOT NULL REFERENCES impact_assessments (id),
    version       integer NOT NULL,
    body          jsonb NOT NULL,
    changed_at    timestamptz NOT NULL DEFAULT now(),
    key_prefix    text,
    request_id    text NOT NULL,
    PRIMARY KEY (assessment_id, version)
);

-- A published assessment whose review date has passed (London) without the
-- review: the council's promise to look again has lapsed.
CREATE FUNCTION impact_assessment_overdue(a impact_assessments) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT a.status = 'published' AND a.review_date < (now() AT TIME ZONE 'Europe/London')::date
$$;

CREATE FUNCTION impact_assessment_json(a impact_assessments) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', a.id, 'reference', a.reference, 'title', a.title,
        'service_area', a.service_area, 'decision', a.decision,
        'decision_date', to_char(a.decision_date, 'YYYY-MM-DD'),
        'status', a.status,
        'impacts', (SELECT coalesce(json_agg(json_build_object(
                                'characteristic', e->>'characteristic', 'impact', e->>'impact',
                                'evidence', e->>'evidence', 'mitigations', e->>'mitigations')
                              ORDER BY e->>'characteristic'), '[]'::json)
                    FROM jsonb_array_elements(a.impacts) e),
        'impact_counts', (SELECT json_build_object(
                              'positive', count(*) FILTER (WHERE e->>'impact' = 'positive'),
                              'neutral', count(*) FILTER (WHERE e->>'impact' = 'neutral'),
                              'negative', count(*) FILTER (WHERE e->>'impact' = 'negative'),
                              'unknown', count(*) FILTER (WHERE e->>'impact' = 'unknown'))
                          FROM jsonb_array_elements(a.impacts) e),
        'actions', coalesce((SELECT json_agg(json_build_object(
                                 'id', x.id, 'plan', p.slug, 'reference', x.reference)
                               ORDER BY p.starts_on, action_reference_key(x.reference), x.reference)
                             FROM actions x JOIN action_plans p ON p.id = x.plan_id
                             WHERE x.id = ANY (a.actions)), '[]'::json),
        'document_url', a.document_url,
        'review_date', to_char(a.review_date, 'YYYY-MM-DD'),
        'review_overdue', impact_assessment_overdue(a),
        'illustrative', a.illustrative,
        'version', a.version,
        'created_at', to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'updated_at', to_char(a.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
$$;

-- ---- indicators computed from the published data ------------------------------

-- NULL: a manual indicator, its actuals typed in.  Otherwise the actual of
-- every value is computed from the published figure the statistics route
-- serves for the same period (src/api/indicators/computed.c).
ALTER TABLE indicators ADD COLUMN computed_from text
    CHECK (computed_from IN ('hate_crime_reports', 'workforce_disabled_share'));
