-- Keys under policy: the scopes each kind of organisation may hold, keys
-- that expire and keys rotated to a successor, and an audit trail whose
-- request ids are the server's own.

-- The scopes each organisation kind may hold.  The same table is compiled
-- into the service (src/domain/scopes.c), which refuses at authentication
-- a key that breaks it; this copy lets the database refuse the key itself.
CREATE TABLE organisation_kind_scopes (
    kind  text NOT NULL CHECK (kind IN ('council', 'partner', 'reporting_centre', 'police')),
    scope text NOT NULL,
    PRIMARY KEY (kind, scope)
);
INSERT INTO organisation_kind_scopes (kind, scope) VALUES
    ('council', 'submit:returns'), ('council', 'review:returns'),
    ('council', 'submit:hate-crime'), ('council', 'read:hate-crime'),
    ('council', 'manage:action-plan'), ('council', 'manage:indicators'),
    ('council', 'admin'),
    ('partner', 'submit:returns'),
    ('reporting_centre', 'submit:hate-crime'), ('reporting_centre', 'read:hate-crime'),
    ('police', 'submit:hate-crime'), ('police', 'read:hate-crime');

CREATE FUNCTION api_keys_scopes_fit_kind() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    org_kind text;
    refused  text;
    allowed  text;
BEGIN
    SELECT kind INTO org_kind FROM organisations WHERE id = NEW.organisation_id;
    SELECT string_agg(s, ', ' ORDER BY s) INTO refused
      FROM unnest(NEW.scopes) AS s
     WHERE NOT EXISTS (SELECT 1 FROM organisation_kind_scopes k
                        WHERE k.kind = org_kind AND k.scope = s);
    IF refused IS NOT NULL THEN
        SELECT string_agg(scope, ', ' ORDER BY scope) INTO allowed
          FROM organisation_kind_scopes WHERE kind = org_kind;
        RAISE EXCEPTION 'a % organisation may not hold the scopes %', org_kind, refused
              USING ERRCODE = 'check_violation',
                    HINT = 'Scopes a ' || org_kind || ' organisation may hold: ' || allowed || '.';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER api_keys_scopes_fit_kind
    BEFORE INSERT OR UPDATE OF scopes, organisation_id ON api_keys
    FOR EACH ROW EXECUTE FUNCTION api_keys_scopes_fit_kind();

-- An organisation that changes kind keeps no key its new kind may not hold.
CREATE FUNCTION organisations_kind_fits_keys() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM api_keys k, unnest(k.scopes) AS s
                WHERE k.organisation_id = NEW.id AND k.revoked_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM organisation_kind_scopes o
                                   WHERE o.kind = NEW.kind AND o.scope = s)) THEN
        RAISE EXCEPTION 'organisation % has keys with scopes a % may not hold; revoke them first',
              NEW.slug, NEW.kind USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER organisations_kind_fits_keys
    BEFORE UPDATE OF kind ON organisations
    FOR EACH ROW EXECUTE FUNCTION organisations_kind_fits_keys();

-- Expiry and rotation: a key stops working at expires_at (NULL: never).
-- `keys rotate` issues a successor (replaced_by) and brings the old key's
-- expiry forward to the end of the overlap.
ALTER TABLE api_keys
    ADD COLUMN expires_at  timestamptz,
    ADD COLUMN replaced_by bigint REFERENCES api_keys (id),
    ADD CONSTRAINT api_keys_expires_after_creation CHECK (expires_at IS NULL OR expires_at >= created_at);

-- request_id is the server's own id for the request; the id a client sent
-- in X-Request-Id (its own choice, so never proof of anything) is kept
-- beside it.  presented_prefix: on a refused authentication, the prefix
-- that was presented, recorded only when it names a real key (an invented
-- prefix is recorded nowhere); key_prefix is only ever a key that proved
-- its secret.
ALTER TABLE audit_events
    ADD COLUMN client_request_id text CHECK (length(client_request_id) <= 64),
    ADD COLUMN presented_prefix  text CHECK (presented_prefix ~ '^eq_[0-9a-f]{12}$');
CREATE INDEX audit_events_client_request_idx ON audit_events (client_request_id)
    WHERE client_request_id IS NOT NULL;
