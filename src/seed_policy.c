/*
 * seed_policy.c - load the demo policy data (see seed_policy.h).
 */
#include "seed_policy.h"

#include "seed_csv.h"

static const char *const policy_columns[] = {
	"slug", "equalities_policy_url", "policy_reviewed_on",
};
static const char *const computed_columns[] = { "code", "computed_from" };
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
	{ "indicators/computed.csv", computed_columns, 2,
	  "UPDATE indicators SET computed_from = $2 WHERE code = $1"
	  " AND computed_from IS DISTINCT FROM $2", NULL, NULL },
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

static const char *const assessment_columns[] = {
	"reference", "title", "service_area", "decision", "decision_date", "status",
	"document_url", "review_date", "actions",
};
static const char *const impact_columns[] = {
	"reference", "characteristic", "impact", "evidence", "mitigations",
};

/* Demo assessments are marked illustrative; actions are written
 * "plan:reference;..." in the file.  Each impact row adds one impact to
 * its assessment (once) and records the assessment as its version 1. */
static const struct seed_file assessment_files[] = {
	{ "impact-assessments/assessments.csv", assessment_columns, 9,
	  "INSERT INTO impact_assessments (reference, title, service_area, decision, decision_date,"
	  " status, document_url, review_date, illustrative, actions)"
	  " SELECT $1, $2, $3, $4, $5::date, $6, $7, $8::date, true,"
	  "  coalesce((SELECT array_agg(x.id ORDER BY u.i)"
	  "            FROM unnest(string_to_array($9, ';')) WITH ORDINALITY AS u(ref, i)"
	  "            JOIN action_plans p ON p.slug = split_part(u.ref, ':', 1)"
	  "            JOIN actions x ON x.plan_id = p.id AND x.reference = split_part(u.ref, ':', 2)),"
	  "           '{}')"
	  " ON CONFLICT (reference) DO NOTHING", NULL, NULL },
	{ "impact-assessments/impacts.csv", impact_columns, 5,
	  "WITH u AS (UPDATE impact_assessments a SET impacts = a.impacts || jsonb_build_array("
	  "    jsonb_strip_nulls(jsonb_build_object('characteristic', $2::text, 'impact', $3::text,"
	  "      'evidence', $4::text, 'mitigations', $5::text)))"
	  "  WHERE a.reference = $1 AND a.illustrative AND a.version = 1"
	  "    AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(a.impacts) e"
	  "                    WHERE e->>'characteristic' = $2)"
	  "  RETURNING a.*)"
	  " INSERT INTO impact_assessment_versions (assessment_id, version, body, key_prefix, request_id)"
	  " SELECT u.id, 1, impact_assessment_json(ROW(u.*)::impact_assessments)::jsonb, NULL, 'seed'"
	  " FROM u ON CONFLICT (assessment_id, version) DO UPDATE SET body = EXCLUDED.body", NULL, NULL },
};

int seed_policy(PGconn *pg, const char *root, size_t *changed, char *err, size_t errlen)
{
	return seed_csv_load_all(pg, root, "reference", files, sizeof(files) / sizeof(files[0]),
				 changed, err, errlen) ||
	       seed_csv_load_all(pg, root, "action_plan", assessment_files,
				 sizeof(assessment_files) / sizeof(assessment_files[0]), changed, err, errlen)
	       ? -1 : 0;
}
