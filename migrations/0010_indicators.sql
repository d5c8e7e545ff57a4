-- Indicators: the measures the council reports against its equalities
-- outcomes, and their values per period.  Numbers are integers in
-- thousandths of the indicator's unit (72.5 % is 72500), so that the RAG
-- rating the service computes (src/domain/indicator_rag.h) is exact at the
-- tolerance boundaries.  A tolerance is absolute (thousandths of the unit)
-- or a percentage of the target (thousandths of a percent: 5 % is 5000).

CREATE TABLE indicators (
    code            text PRIMARY KEY CHECK (code ~ '^[a-z0-9_-]{1,64}$'),
    title           text NOT NULL,
    definition      text NOT NULL,
    unit            text NOT NULL
                    CHECK (unit IN ('percent', 'count', 'rate_per_1000', 'days', 'score', 'ratio')),
    polarity        text NOT NULL CHECK (polarity IN ('higher_is_better', 'lower_is_better')),
    frequency       text NOT NULL CHECK (frequency IN ('monthly', 'quarterly', 'annual')),
    outcome         text NOT NULL CHECK (outcome ~ '^[a-z0-9_-]{1,64}$'),
    outcome_title   text NOT NULL,
    source          text NOT NULL,
    tolerance_kind  text NOT NULL CHECK (tolerance_kind IN ('absolute', 'percent')),
    tolerance       bigint NOT NULL CHECK (tolerance >= 0),
    CHECK (tolerance_kind <> 'percent' OR tolerance <= 100000)
);

CREATE INDEX indicators_outcome ON indicators (outcome);

-- The current value of each period.  period is the canonical label
-- ("2024/25 Q2", "2024-04", "2024/25"); revision counts the versions.
CREATE TABLE indicator_values (
    indicator_code  text NOT NULL REFERENCES indicators (code),
    period          text NOT NULL,
    period_start    date NOT NULL,
    period_end      date NOT NULL,
    target          bigint CHECK (abs(target) <= 1000000000000),
    actual          bigint CHECK (abs(actual) <= 1000000000000),
    commentary      text,
    published_on    date,
    revision        integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (indicator_code, period),
    CHECK (period_end >= period_start)
);

CREATE INDEX indicator_values_start ON indicator_values (indicator_code, period_start);

-- Every revision of a value, the current one included, written in the
-- transaction of the change: a published figure that is corrected keeps
-- what was published before.
CREATE TABLE indicator_value_revisions (
    indicator_code  text NOT NULL,
    period          text NOT NULL,
    revision        integer NOT NULL,
    target          bigint,
    actual          bigint,
    commentary      text,
    published_on    date,
    recorded_at     timestamptz NOT NULL,
    key_prefix      text,
    request_id      text NOT NULL,
    PRIMARY KEY (indicator_code, period, revision),
    FOREIGN KEY (indicator_code, period) REFERENCES indicator_values (indicator_code, period)
);
