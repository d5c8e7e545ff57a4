-- Organisations, their API keys, the audit trail and idempotency records:
-- the security layer every write goes through.

CREATE TABLE organisations (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind       text NOT NULL CHECK (kind IN ('council', 'partner', 'reporting_centre', 'police')),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Only a SHA-256 of each key is stored: keys carry 192 random bits, so a
-- fast hash is enough and a stolen table gives no key away.  The prefix is
-- the visible, non-secret part used to find the row and to name the key.
CREATE TABLE api_keys (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    prefix          text NOT NULL UNIQUE CHECK (prefix ~ '^eq_[0-9a-f]{12}$'),
    key_hash        text NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    scopes          text[] NOT NULL CHECK (
                        cardinality(scopes) > 0 AND
                        scopes <@ ARRAY['submit:returns', 'review:returns', 'submit:hate-crime',
                                        'read:hate-crime', 'manage:action-plan',
                                        'manage:indicators', 'admin']::text[]),
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    revoked_at      timestamptz
);

-- Who did what, when, under which request: never a key, never free text.
CREATE TABLE audit_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    organisation_id bigint REFERENCES organisations (id),
    key_prefix      text,
    request_id      text NOT NULL,
    action          text NOT NULL,
    target          text,
    outcome         text NOT NULL CHECK (outcome IN ('success', 'refused', 'failed')),
    status          integer NOT NULL
);
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_org_idx ON audit_events (organisation_id, at);

-- The first response to a creating POST, replayed for the same
-- Idempotency-Key and body; kept at least 24 hours.
CREATE TABLE idempotency_keys (
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    key             text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash    text NOT NULL,
    status          integer NOT NULL,
    content_type    text NOT NULL,
    body            text NOT NULL,
    location        text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organisation_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
