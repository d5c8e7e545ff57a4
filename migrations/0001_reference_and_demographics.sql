-- Reference data (areas, protected characteristics and their categories) and
-- the demographics store: data sets and counts by area, characteristic and
-- category.  Codes, not names, are keys: ward names change, GSS codes do not.

CREATE TABLE areas (
    code        text PRIMARY KEY CHECK (code ~ '^[EWSN][0-9]{8}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind        text NOT NULL CHECK (kind IN ('borough', 'ward')),
    parent_code text REFERENCES areas (code),
    CHECK ((kind = 'borough') = (parent_code IS NULL))
);
CREATE INDEX areas_parent_idx ON areas (parent_code);

CREATE TABLE characteristics (
    code                     text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,63}$'),
    name                     text NOT NULL,
    protected_characteristic text NOT NULL,
    census_prefix            text,
    census_total_heading     text,
    universe                 text NOT NULL,
    sort_order               integer NOT NULL
);

CREATE TABLE categories (
    characteristic_code text NOT NULL REFERENCES characteristics (code),
    code                text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9_]{0,63}$' AND code <> 'total'),
    name                text NOT NULL,
    parent_code         text,
    sort_order          integer NOT NULL,
    census_heading      text,
    PRIMARY KEY (characteristic_code, code),
    FOREIGN KEY (characteristic_code, parent_code) REFERENCES categories (characteristic_code, code)
);

CREATE TABLE datasets (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug           text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
    title          text NOT NULL,
    publisher      text NOT NULL,
    source         text NOT NULL,
    release_date   date NOT NULL,
    reference_date date NOT NULL,
    official       boolean NOT NULL,
    licence        text NOT NULL,
    notes          text NOT NULL DEFAULT '',
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- One row per (data set, area, characteristic, category); parent categories
-- are stored too, as published.  The area's total for the characteristic is
-- kept apart: it is not a category.
CREATE TABLE demographic_counts (
    dataset_id          bigint NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    area_code           text NOT NULL REFERENCES areas (code),
    characteristic_code text NOT NULL,
    category_code       text NOT NULL,
    count               bigint NOT NULL CHECK (count >= 0),
    PRIMARY KEY (dataset_id, characteristic_code, area_code, category_code),
    FOREIGN KEY (characteristic_code, category_code) REFERENCES categories (characteristic_code, code)
);

CREATE TABLE demographic_totals (
    dataset_id          bigint NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    area_code           text NOT NULL REFERENCES areas (code),
    characteristic_code text NOT NULL REFERENCES characteristics (code),
    count               bigint NOT NULL CHECK (count >= 0),
    PRIMARY KEY (dataset_id, characteristic_code, area_code)
);
