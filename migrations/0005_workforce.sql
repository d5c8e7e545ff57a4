-- Workforce snapshots: the council's staff on a date (as_of), aggregated at
-- import.  Individual employee rows (and their pay) are never stored: only
-- headcounts per (directorate, grade band, characteristic, category) and the
-- pay-gap results computed from the rows when the snapshot was loaded.

-- Grade bands of a London borough, lowest first.  `senior` marks the bands
-- counted as senior grades in /v1/workforce/representation.
CREATE TABLE workforce_grade_bands (
    code       text PRIMARY KEY CHECK (code ~ '^[a-z0-9][a-z0-9_]{0,63}$'),
    name       text NOT NULL,
    sort_order integer NOT NULL,
    senior     boolean NOT NULL
);
INSERT INTO workforce_grade_bands (code, name, sort_order, senior) VALUES
    ('scale_1_3', 'Scale 1 to 3', 1, false),
    ('scale_4_6', 'Scale 4 to 6', 2, false),
    ('so1_so2', 'Senior Officer 1 to 2', 3, false),
    ('po1_po4', 'Principal Officer 1 to 4', 4, false),
    ('po5_po8', 'Principal Officer 5 to 8', 5, true),
    ('chief_officer', 'Chief Officers (JNC)', 6, true);

CREATE TABLE workforce_snapshots (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    as_of         date NOT NULL UNIQUE,
    source        text NOT NULL,
    official      boolean NOT NULL DEFAULT false,
    notes         text NOT NULL DEFAULT '',
    headcount     integer NOT NULL CHECK (headcount >= 0),
    pay_basis     text NOT NULL CHECK (pay_basis IN ('employee_rows', 'none')),
    pay_gaps      jsonb NOT NULL DEFAULT '[]',
    quartiles     jsonb NOT NULL DEFAULT '[]',
    content_hash  text NOT NULL,
    loaded_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE workforce_counts (
    snapshot_id         bigint NOT NULL REFERENCES workforce_snapshots (id) ON DELETE CASCADE,
    directorate         text NOT NULL CHECK (directorate ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    grade_band          text NOT NULL REFERENCES workforce_grade_bands (code),
    characteristic_code text NOT NULL,
    category_code       text NOT NULL,
    count               integer NOT NULL CHECK (count >= 0),
    PRIMARY KEY (snapshot_id, characteristic_code, directorate, grade_band, category_code)
);

-- Store one snapshot from the importer's document (src/import/workforce.c):
-- {"headcount", "pay_basis", "counts": [[directorate, grade, characteristic,
-- category, count], ...], "pay_gaps": [...], "quartiles": [...]}.  A snapshot
-- with the same as_of is replaced only when its content differs, so loading
-- the same file again changes nothing.  Returns created, replaced or
-- unchanged, and the snapshot's id.
CREATE FUNCTION workforce_store(p_as_of date, p_source text, p_official boolean,
                                p_notes text, p_doc jsonb,
                                OUT outcome text, OUT out_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_hash text := md5(p_doc::text || '|' || p_source || '|' || p_official::text || '|' || p_notes);
    v_old  workforce_snapshots%ROWTYPE;
BEGIN
    SELECT * INTO v_old FROM workforce_snapshots WHERE as_of = p_as_of FOR UPDATE;
    IF FOUND AND v_old.content_hash = v_hash THEN
        outcome := 'unchanged';
        out_id := v_old.id;
        RETURN;
    END IF;
    IF FOUND THEN
        DELETE FROM workforce_snapshots WHERE id = v_old.id;
        outcome := 'replaced';
    ELSE
        outcome := 'created';
    END IF;
    INSERT INTO workforce_snapshots (as_of, source, official, notes, headcount, pay_basis,
                                     pay_gaps, quartiles, content_hash)
    VALUES (p_as_of, p_source, p_official, p_notes, (p_doc->>'headcount')::integer,
            p_doc->>'pay_basis', coalesce(p_doc->'pay_gaps', '[]'),
            coalesce(p_doc->'quartiles', '[]'), v_hash)
    RETURNING id INTO out_id;
    INSERT INTO workforce_counts (snapshot_id, directorate, grade_band, characteristic_code,
                                  category_code, count)
    SELECT out_id, c->>0, c->>1, c->>2, c->>3, (c->>4)::integer
    FROM jsonb_array_elements(p_doc->'counts') AS c;
    PERFORM pg_notify('eq_data_changed', 'workforce');
END;
$$;
