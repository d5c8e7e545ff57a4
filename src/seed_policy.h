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

#include <libpq-fe.h>
#include <stddef.h>

/* 0, adding the rows changed to *changed; -1 with a reason in err. */
__attribute__((warn_unused_result))
int seed_policy(PGconn *pg, const char *root, size_t *changed, char *err, size_t errlen);

#endif
