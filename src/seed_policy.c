/*
 * seed_policy.c - load the demo policy data (see seed_policy.h).
 */
#include "seed_policy.h"

#include "seed_csv.h"

static const char *const policy_columns[] = {
	"slug", "equalities_policy_url", "policy_reviewed_on",
};
static const char *const objective_columns[] = { "code", "title", "statement", "adopted_on" };
static const char *const outcome_columns[] = {
	"code", "objective", "title", "description", "sort_order",
};

static const struct seed_file files[] = {
	/* The organisation's version counts only the API's changes: the
	 * seed's first setting is version 1. */
	{ "organisations/policies.csv", policy_columns, 3,
	  "UPDATE organisations SET equalities_policy_url = $2::text, policy_reviewed_on = $3::date"
	  " WHERE slug = $1 AND version = 1 AND equalities_policy_url IS NULL"
	  "   AND policy_reviewed_on IS NULL AND ($2::text IS NOT NULL OR $3::date IS NOT NULL)", NULL, NULL },
	{ "objectives/objectives.csv", objective_columns, 4,
	  "INSERT INTO objectives (code, title, statement, adopted_on) VALUES ($1, $2, $3, $4)"
	  " ON CONFLICT (code) DO UPDATE SET title = EXCLUDED.title, statement = EXCLUDED.statement,"
	  " adopted_on = EXCLUDED.adopted_on"
	  " WHERE (objectives.title, objectives.statement, objectives.adopted_on)"
	  " IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.statement, EXCLUDED.adopted_on)", NULL, NULL },
	{ "objectives/outcomes.csv", outcome_columns, 5,
	  "INSERT INTO outcomes (code, objective, title, description, sort_order)"
	  " VALUES ($1, $2, $3, $4, $5::integer)"
	  " ON CONFLICT (code) DO UPDATE SET objective = EXCLUDED.objective, title = EXCLUDED.title,"
	  " description = EXCLUDED.description, sort_order = EXCLUDED.sort_order"
	  " WHERE (outcomes.objective, outcomes.title, outcomes.description, outcomes.sort_order)"
	  " IS DISTINCT FROM (EXCLUDED.objective, EXCLUDED.title, EXCLUDED.description,"
	  " EXCLUDED.sort_order)", NULL, NULL },
};

int seed_policy(PGconn *pg, const char *root, size_t *changed, char *err, size_t errlen)
{
	return seed_csv_load_all(pg, root, "reference", files, sizeof(files) / sizeof(files[0]),
				 changed, err, errlen);
}
