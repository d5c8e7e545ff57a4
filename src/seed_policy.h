/*
 * seed_policy.h - the demo data of the council's policy resources for
 * `equalities-api seed`: each organisation's equalities policy link and
 * review date (data/organisations/policies.csv), the Strategic Equalities
 * Objective and its outcomes (data/objectives/), and illustrative equality
 * impact assessments (data/impact-assessments/).  Idempotent: a second run
 * changes no row.  NOTIFY 'reference' (and 'action_plan' for the
 * assessments) when anything changed.
 */
#ifndef EQ_SEED_POLICY_H
#define EQ_SEED_POLICY_H

#include "seed_csv.h"

/* The policy links and objectives (area "reference"), then the impact
 * assessments (area "action_plan"), each group in one transaction. */
extern const struct seed_group seed_policy_files;
extern const struct seed_group seed_assessment_files;

#endif
