/*
 * seed_action_plan.h - the demo action plans (the CSV files in data/action-plans/) for
 * `equalities-api seed`: plans.csv, their actions.csv and the progress
 * updates.csv, each update recorded by the council as the API would.
 * Idempotent: plans, actions and updates already present are left alone.
 * NOTIFY 'action_plan' when anything changed.
 */
#ifndef EQ_SEED_ACTION_PLAN_H
#define EQ_SEED_ACTION_PLAN_H

#include <libpq-fe.h>
#include <stddef.h>

/* 0, adding the rows inserted to *changed; -1 with a reason in err. */
__attribute__((warn_unused_result))
int seed_action_plan(PGconn *pg, const char *root, size_t *changed, char *err, size_t errlen);

#endif
