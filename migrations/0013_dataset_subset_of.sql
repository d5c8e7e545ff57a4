-- How data sets' populations relate: a data set that counts a subset of the
-- people another counts (the working-age residents are among all usual
-- residents) names it in subset_of.  Disclosure control then treats the two
-- as one problem: the difference between the superset's and the subset's
-- count of the same cell is a hidden cell under the same rules, so that
-- publishing 9 and 6 cannot give away 3 people outside the subset.

ALTER TABLE datasets
    ADD COLUMN subset_of text REFERENCES datasets (slug)
        CHECK (subset_of <> slug);
