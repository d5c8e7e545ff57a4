-- Partner equalities returns: the council opens a return window for a kind
-- of return; each partner organisation keeps one return per window, edits
-- it as a draft, submits it, and the council accepts it or returns it for
-- correction.  Every submitted version is kept.

CREATE TABLE return_windows (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind        text NOT NULL CHECK (kind IN ('workforce', 'service_users')),
    period      text NOT NULL CHECK (length(period) BETWEEN 1 AND 20),
    open_date   date NOT NULL,
    due_date    date NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, period),
    CHECK (due_date >= open_date)
);
CREATE INDEX return_windows_open_idx ON return_windows (open_date, id);

CREATE TABLE partner_returns (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    window_id       uuid NOT NULL REFERENCES return_windows (id),
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    status          text NOT NULL DEFAULT 'draft'
                        CHECK (status IN ('draft', 'submitted', 'accepted', 'returned')),
    total           integer NOT NULL CHECK (total >= 0),
    -- {"characteristic": {"category": count, ...}, ...}, validated by the service.
    lines           jsonb NOT NULL CHECK (jsonb_typeof(lines) = 'object'),
    late            boolean NOT NULL DEFAULT false,
    late_reason     text CHECK (length(late_reason) BETWEEN 1 AND 500),
    submitted_at    timestamptz,
    submissions     integer NOT NULL DEFAULT 0 CHECK (submissions >= 0),
    review_outcome  text CHECK (review_outcome IN ('accepted', 'returned')),
    review_note     text CHECK (length(review_note) BETWEEN 1 AND 1000),
    reviewed_at     timestamptz,
    version         integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (window_id, organisation_id),
    CHECK (late = (late_reason IS NOT NULL)),
    CHECK ((status = 'draft') OR submitted_at IS NOT NULL),
    CHECK ((status IN ('accepted', 'returned')) <= (review_outcome IS NOT NULL))
);
CREATE INDEX partner_returns_created_idx ON partner_returns (created_at, id);
CREATE INDEX partner_returns_org_idx ON partner_returns (organisation_id, created_at, id);

-- Every version a partner submitted, as the API showed it at submission.
CREATE TABLE partner_return_submissions (
    return_id    uuid NOT NULL REFERENCES partner_returns (id),
    submission   integer NOT NULL CHECK (submission >= 1),
    body         jsonb NOT NULL,
    submitted_at timestamptz NOT NULL DEFAULT now(),
    key_prefix   text,
    request_id   text NOT NULL,
    PRIMARY KEY (return_id, submission)
);

-- The API representation of one return (responses, submissions, seed).
CREATE FUNCTION partner_return_json(r partner_returns) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', r.id,
        'window', (SELECT json_build_object('id', w.id, 'kind', w.kind, 'period', w.period,
                                            'open_date', to_char(w.open_date, 'YYYY-MM-DD'),
                                            'due_date', to_char(w.due_date, 'YYYY-MM-DD'))
                   FROM return_windows w WHERE w.id = r.window_id),
        'organisation', (SELECT o.slug FROM organisations o WHERE o.id = r.organisation_id),
        'status', r.status,
        'total', r.total,
        'lines', r.lines,
        'late', r.late,
        'late_reason', r.late_reason,
        'submitted_at', to_char(r.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'submissions', r.submissions,
        'review', CASE WHEN r.review_outcome IS NULL THEN NULL ELSE json_build_object(
                      'outcome', r.review_outcome, 'note', r.review_note,
                      'reviewed_at', to_char(r.reviewed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
                  END,
        'version', r.version,
        'created_at', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'updated_at', to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
$$;

-- A window with every partner's state in it; $org NULL: every partner.
-- state: not_started (no return), draft, submitted, accepted, returned;
-- overdue: nothing submitted and the due date has passed.
CREATE FUNCTION return_window_json(w return_windows, org bigint, today date) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', w.id,
        'kind', w.kind,
        'period', w.period,
        'open_date', to_char(w.open_date, 'YYYY-MM-DD'),
        'due_date', to_char(w.due_date, 'YYYY-MM-DD'),
        'state', CASE WHEN today < w.open_date THEN 'upcoming'
                      WHEN today <= w.due_date THEN 'open' ELSE 'past_due' END,
        'partners', coalesce((
            SELECT json_agg(json_build_object(
                'organisation', o.slug,
                'return_id', r.id,
                'status', coalesce(r.status, 'not_started'),
                'late', coalesce(r.late, false),
                'submitted_at', to_char(r.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                'overdue', r.submitted_at IS NULL AND today > w.due_date) ORDER BY o.slug)
            FROM organisations o
            LEFT JOIN partner_returns r ON r.window_id = w.id AND r.organisation_id = o.id
            WHERE o.kind = 'partner' AND (org IS NULL OR o.id = org)), '[]'::json),
        'created_at', to_char(w.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
$$;
