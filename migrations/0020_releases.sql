-- Releases (issue #13, "Releases for data that changes"): dated, immutable,
-- numbered snapshots of a published statistic, each suppressed once when it
-- is made, jointly with the earlier releases of the same statistic and key
-- (src/domain/release.h).  The public reads releases; live figures are for
-- council keys.
--
-- statistic and key: 'hate-crime' (key 'all-years': every financial year's
-- canonical cells, made monthly), 'returns-summary' (key: the window),
-- 'demographics' (key: the data set family).  version counts 1, 2, ... per
-- statistic and key.
--
-- cells: the table in the generic form its builder produced, one member per
-- disclosure problem: {"<problem>": {"values": [...], "withheld": [...]}}.
-- values are the true counts, needed to decide later releases jointly with
-- this one; the API shows a withheld cell's value as null and never reads
-- values out otherwise.  layout names the builder's cell layout: releases of
-- another layout are not compared cell by cell.
--
-- changes: the change log against the previous version: counts of cells
-- revised, newly withheld and newly published, and the changed cells' keys.
CREATE TABLE releases (
    id        bigserial PRIMARY KEY,
    statistic text NOT NULL CHECK (statistic IN ('hate-crime', 'returns-summary', 'demographics')),
    key       text NOT NULL CHECK (length(key) BETWEEN 1 AND 100),
    version   integer NOT NULL CHECK (version >= 1),
    made_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    reason    text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    layout    text NOT NULL,
    cells     jsonb NOT NULL,
    changes   jsonb NOT NULL,
    UNIQUE (statistic, key, version)
);

-- Immutable: once made, a release is what the public may already hold.
CREATE FUNCTION releases_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'releases are immutable: make a new version instead';
END $$;
CREATE TRIGGER releases_no_update BEFORE UPDATE OR DELETE ON releases
    FOR EACH ROW EXECUTE FUNCTION releases_immutable();

-- Every public statistic reads the reference area too, so a new release
-- reaches each statistic's caches through it.
SELECT eq_track_changes('releases', 'reference');

CREATE FUNCTION release_made_at(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

-- A release as the API shows it: never its cells' values (a withheld
-- cell's true value is stored for later releases' decisions only); the
-- changed cells' names only when detail is asked for.
CREATE FUNCTION release_json(r releases, detail boolean) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', r.id, 'statistic', r.statistic, 'key', r.key,
        'version', r.version, 'made_at', release_made_at(r.made_at), 'reason', r.reason,
        'changes', CASE WHEN detail THEN r.changes ELSE r.changes - 'changed_cells' END)
$$;
