-- Action plans: the council's plans for its Strategic Equalities Objective
-- (2019/20, 2024/25, ...), their actions, and every progress update.
-- Public data: no personal data is held.  A plan is named in URLs by its
-- slug, the financial year it starts in with a dash ("2024-25").

CREATE TABLE action_plans (
    id          bigserial PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[0-9]{4}-[0-9]{2}$'),
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description text CHECK (length(description) <= 2000),
    starts_on   date NOT NULL,
    ends_on     date NOT NULL CHECK (ends_on >= starts_on),
    status      text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'current', 'closed')),
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- At most one current plan: the one /v1/action-plans/current names.
CREATE UNIQUE INDEX action_plans_one_current ON action_plans (status) WHERE status = 'current';

CREATE TABLE actions (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    plan_id     bigint NOT NULL REFERENCES action_plans (id),
    reference   text NOT NULL CHECK (reference ~ '^[A-Za-z0-9][A-Za-z0-9.-]{0,15}$'),
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description text CHECK (length(description) <= 2000),
    outcome     text NOT NULL CHECK (outcome ~ '^[a-z0-9_-]{1,64}$'),
    lead        text NOT NULL CHECK (lead ~ '^[a-z0-9_-]{1,64}$'),
    start_date  date NOT NULL,
    due_date    date NOT NULL CHECK (due_date >= start_date),
    indicators  text[] NOT NULL DEFAULT '{}',
    -- The current state: the latest update's, kept here by the same
    -- statement that adds the update (not_started/not_rated before any).
    status      text NOT NULL DEFAULT 'not_started' CHECK (status IN
                    ('not_started', 'in_progress', 'complete', 'cancelled', 'deferred')),
    rag         text NOT NULL DEFAULT 'not_rated' CHECK (rag IN ('red', 'amber', 'green', 'not_rated')),
    version     integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (plan_id, reference)
);
CREATE INDEX actions_due_idx ON actions (plan_id, due_date);

CREATE TABLE action_updates (
    id              bigserial PRIMARY KEY,
    action_id       uuid NOT NULL REFERENCES actions (id),
    seq             integer NOT NULL CHECK (seq >= 1),
    as_of           date NOT NULL,
    status          text NOT NULL CHECK (status IN
                        ('not_started', 'in_progress', 'complete', 'cancelled', 'deferred')),
    rag             text NOT NULL CHECK (rag IN ('red', 'amber', 'green', 'not_rated')),
    note            text CHECK (length(note) BETWEEN 1 AND 4000),
    reason          text CHECK (length(reason) BETWEEN 1 AND 2000),
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    key_prefix      text,
    request_id      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (action_id, seq),
    CHECK (status <> 'complete' OR note IS NOT NULL)
);

-- History is never rewritten.
CREATE FUNCTION action_updates_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'action_updates rows are never changed or deleted';
END $$;
CREATE TRIGGER action_updates_no_rewrite BEFORE UPDATE OR DELETE ON action_updates
    FOR EACH ROW EXECUTE FUNCTION action_updates_immutable();

CREATE FUNCTION action_plan_today() RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (now() AT TIME ZONE 'Europe/London')::date
$$;

CREATE FUNCTION action_is_overdue(a actions) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT a.due_date < action_plan_today() AND a.status NOT IN ('complete', 'cancelled')
$$;

CREATE FUNCTION action_plan_json(p action_plans) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', p.slug, 'title', p.title, 'description', p.description,
        'period', json_build_object('label',
                     to_char(p.starts_on, 'YYYY') || ' to ' || to_char(p.ends_on, 'YYYY'),
                     'start', to_char(p.starts_on, 'YYYY-MM-DD'), 'end', to_char(p.ends_on, 'YYYY-MM-DD')),
        'status', p.status,
        'action_count', (SELECT count(*) FROM actions a WHERE a.plan_id = p.id),
        'created_at', to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
$$;

CREATE FUNCTION action_update_json(u action_updates) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'sequence', u.seq, 'date', to_char(u.as_of, 'YYYY-MM-DD'),
        'status', u.status, 'rag', u.rag, 'note', u.note, 'reason', u.reason,
        'organisation', (SELECT o.slug FROM organisations o WHERE o.id = u.organisation_id),
        'recorded_at', to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
$$;

CREATE FUNCTION action_json(a actions) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', a.id, 'plan', (SELECT p.slug FROM action_plans p WHERE p.id = a.plan_id),
        'reference', a.reference, 'title', a.title, 'description', a.description,
        'outcome', a.outcome, 'lead', a.lead,
        'start_date', to_char(a.start_date, 'YYYY-MM-DD'), 'due_date', to_char(a.due_date, 'YYYY-MM-DD'),
        'status', a.status, 'rag', a.rag, 'overdue', action_is_overdue(a),
        'indicators', to_json(a.indicators),
        'last_update', (SELECT action_update_json(u) FROM action_updates u
                        WHERE u.action_id = a.id ORDER BY u.seq DESC LIMIT 1),
        'version', a.version,
        'created_at', to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'updated_at', to_char(a.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
$$;

-- Counts by status and RAG, overdue, share complete (complete over the
-- actions not cancelled, 4 places; null when there are none) for a set of
-- actions.
CREATE FUNCTION action_counts_json(ids uuid[]) RETURNS json LANGUAGE sql STABLE AS $$
    WITH s AS (SELECT a.* FROM actions a WHERE a.id = ANY (ids))
    SELECT json_build_object(
        'total', (SELECT count(*) FROM s),
        'by_status', json_build_object(
            'not_started', (SELECT count(*) FROM s WHERE status = 'not_started'),
            'in_progress', (SELECT count(*) FROM s WHERE status = 'in_progress'),
            'complete', (SELECT count(*) FROM s WHERE status = 'complete'),
            'cancelled', (SELECT count(*) FROM s WHERE status = 'cancelled'),
            'deferred', (SELECT count(*) FROM s WHERE status = 'deferred')),
        'by_rag', json_build_object(
            'red', (SELECT count(*) FROM s WHERE rag = 'red'),
            'amber', (SELECT count(*) FROM s WHERE rag = 'amber'),
            'green', (SELECT count(*) FROM s WHERE rag = 'green'),
            'not_rated', (SELECT count(*) FROM s WHERE rag = 'not_rated')),
        'overdue', (SELECT count(*) FROM s WHERE s.due_date < action_plan_today()
                    AND s.status NOT IN ('complete', 'cancelled')),
        'complete_share', (SELECT round(count(*) FILTER (WHERE status = 'complete')::numeric
                                        / nullif(count(*) FILTER (WHERE status <> 'cancelled'), 0), 4)
                           FROM s))
$$;

CREATE FUNCTION action_plan_summary_json(p action_plans) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'plan', action_plan_json(p),
        'as_of', to_char(action_plan_today(), 'YYYY-MM-DD'),
        'overall', action_counts_json(ARRAY(SELECT a.id FROM actions a WHERE a.plan_id = p.id)),
        'outcomes', coalesce((SELECT json_agg(json_build_object('outcome', o.outcome)::jsonb
                                  || action_counts_json(o.ids)::jsonb ORDER BY o.outcome)
                              FROM (SELECT a.outcome, array_agg(a.id) AS ids FROM actions a
                                    WHERE a.plan_id = p.id GROUP BY a.outcome) o), '[]'::json))
$$;

-- Sort key of a reference: its numbers in order, so A3.2 < A3.10 < A10.1.
CREATE FUNCTION action_reference_key(ref text) RETURNS int[] LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(ARRAY(SELECT m[1]::int FROM regexp_matches(ref, '([0-9]{1,9})', 'g') AS m), '{}')
$$;
