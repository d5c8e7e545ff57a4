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
