-- The population a demographics data set counts: all usual residents (the
-- Census universe, or residents aged 16 and over for the tables that cover
-- only them) or the working-age residents, aged 16 to 64.  Workforce
-- representation compares with the working-age data set by default; the
-- demographics resource keeps all usual residents as its default.

ALTER TABLE datasets
    ADD COLUMN population text NOT NULL DEFAULT 'all_usual_residents'
        CHECK (population IN ('all_usual_residents', 'working_age_16_64'));
