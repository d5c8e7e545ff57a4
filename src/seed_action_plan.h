/*
 * seed_action_plan.h - the demo action plans (the CSV files in data/action-plans/) for
 * `equalities-api seed`: plans.csv, their actions.csv and the progress
 * updates.csv, each update recorded by the council as the API would.
 * Idempotent: plans, actions and updates already present are left alone.
 * NOTIFY 'action_plan' when anything changed.
 */
#ifndef EQ_SEED_ACTION_PLAN_H
#define EQ_SEED_ACTION_PLAN_H

#include "seed_csv.h"

/* The files, loaded in one transaction (area "action_plan"). */
extern const struct seed_group seed_action_plan_files;

#endif
