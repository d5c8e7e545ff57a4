-- Honest partner returns: a window declares its age bands (census
-- five-year bands, or the council's HR bands) and its universe (everyone,
-- or adults only); a return may give an adult total (what adult-only
-- measures such as sexual orientation add up to) and free-text notes.
-- The representations gain them, and a window a title; the public view
-- of a window shows no partner's state.

ALTER TABLE return_windows
    ADD COLUMN age_bands text NOT NULL DEFAULT 'census' CHECK (age_bands IN ('census', 'hr')),
    ADD COLUMN universe  text NOT NULL DEFAULT 'everyone' CHECK (universe IN ('everyone', 'adults'));
-- Staff are 16 and over: the service's default for workforce windows.
UPDATE return_windows SET universe = 'adults' WHERE kind = 'workforce';

ALTER TABLE partner_returns
    ADD COLUMN adult_total integer CHECK (adult_total >= 0 AND adult_total <= total),
    ADD COLUMN notes       text CHECK (length(notes) BETWEEN 1 AND 2000);

CREATE FUNCTION return_window_title(w return_windows) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE w.kind WHEN 'workforce' THEN 'Workforce equalities return'
                       ELSE 'Service users equalities return' END || ', ' || w.period
$$;

CREATE OR REPLACE FUNCTION partner_return_json(r partner_returns) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', r.id,
        'window', (SELECT json_build_object('id', w.id, 'kind', w.kind, 'period', w.period,
                                            'open_date', to_char(w.open_date, 'YYYY-MM-DD'),
                                            'due_date', to_char(w.due_date, 'YYYY-MM-DD'),
                                            'age_bands', w.age_bands, 'universe', w.universe)
                   FROM return_windows w WHERE w.id = r.window_id),
        'organisation', (SELECT o.slug FROM organisations o WHERE o.id = r.organisation_id),
        'status', r.status,
        'total', r.total,
        'adult_total', r.adult_total,
        'lines', r.lines,
        'notes', r.notes,
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

-- What anyone may know of a window: no partner's state.
CREATE FUNCTION return_window_public_json(w return_windows, today date) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', w.id,
        'title', return_window_title(w),
        'kind', w.kind,
        'period', w.period,
        'open_date', to_char(w.open_date, 'YYYY-MM-DD'),
        'due_date', to_char(w.due_date, 'YYYY-MM-DD'),
        'state', CASE WHEN today < w.open_date THEN 'upcoming'
                      WHEN today <= w.due_date THEN 'open' ELSE 'past_due' END,
        'age_bands', w.age_bands,
        'universe', w.universe)
$$;

CREATE OR REPLACE FUNCTION return_window_json(w return_windows, org bigint, today date) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', w.id,
        'title', return_window_title(w),
        'kind', w.kind,
        'period', w.period,
        'open_date', to_char(w.open_date, 'YYYY-MM-DD'),
        'due_date', to_char(w.due_date, 'YYYY-MM-DD'),
        'state', CASE WHEN today < w.open_date THEN 'upcoming'
                      WHEN today <= w.due_date THEN 'open' ELSE 'past_due' END,
        'age_bands', w.age_bands,
        'universe', w.universe,
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

-- Whether the figures of each data area are the council's own or
-- illustrative (the demo data set `seed` loads).  Every public response
-- says which (meta.status, a data_status CSV column, X-Data-Status).  An
-- area without a row is official.
CREATE TABLE data_status (
    area   text PRIMARY KEY CHECK (area IN ('demographics', 'hate_crime', 'workforce', 'returns',
                                            'action_plan', 'indicators')),
    status text NOT NULL CHECK (status IN ('official', 'illustrative')),
    note   text NOT NULL CHECK (length(note) BETWEEN 1 AND 500)
);
