/*
 * seed_action_plan.c - load the demo action plans (see seed_action_plan.h).
 */
#include "seed_action_plan.h"

#include "seed_csv.h"

static const struct seed_file plan_files[] = {
	{ SEED_FILE("action-plans/plans.csv",
		    "slug", "title", "description", "starts_on", "ends_on", "status"),
	  .sql = "INSERT INTO action_plans (slug, title, description, starts_on, ends_on, status)"
	  " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (slug) DO NOTHING" },
	/* indicators are written "a;b" in the file. */
	{ SEED_FILE("action-plans/actions.csv",
		    "plan", "reference", "title", "description", "outcome", "lead", "start_date",
		    "due_date", "indicators"),
	  .sql = "INSERT INTO actions (plan_id, reference, title, description, outcome, lead,"
	  " start_date, due_date, indicators, created_at, updated_at)"
	  " SELECT p.id, $2, $3, $4, $5, $6, $7, $8, coalesce(string_to_array($9, ';'), '{}'),"
	  " $7::date + time '09:00', $7::date + time '09:00'"
	  " FROM action_plans p WHERE p.slug = $1"
	  " ON CONFLICT (plan_id, reference) DO NOTHING" },
	/* An update is the seed's when it has the seed's request id and the
	 * same date, status and RAG; the action's state follows its latest. */
	{ SEED_FILE("action-plans/updates.csv",
		    "plan", "reference", "date", "status", "rag", "note", "reason"),
	  .sql = "WITH a AS (SELECT a.id FROM actions a JOIN action_plans p ON p.id = a.plan_id"
	  "           WHERE p.slug = $1 AND a.reference = $2),"
	  " u AS (INSERT INTO action_updates (action_id, seq, as_of, status, rag, note, reason,"
	  "         organisation_id, key_prefix, request_id, created_at)"
	  "       SELECT a.id, coalesce((SELECT max(x.seq) FROM action_updates x WHERE x.action_id = a.id), 0) + 1,"
	  "         $3::date, $4, $5, $6, $7, (SELECT o.id FROM organisations o WHERE o.slug = 'barnet-council'),"
	  "         NULL, 'seed', $3::date + time '12:00'"
	  "       FROM a WHERE NOT EXISTS (SELECT 1 FROM action_updates x WHERE x.action_id = a.id"
	  "         AND x.request_id = 'seed' AND x.as_of = $3::date AND x.status = $4 AND x.rag = $5)"
	  "       RETURNING action_id, status, rag, created_at)"
	  " UPDATE actions t SET status = u.status, rag = u.rag, updated_at = u.created_at"
	  " FROM u WHERE t.id = u.action_id" },
};

const struct seed_group seed_action_plan_files = SEED_GROUP("action_plan", plan_files);
