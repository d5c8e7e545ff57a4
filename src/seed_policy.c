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

static const struct seed_file policy_files[] = {
	/* The organisation's version counts only the API's changes: the
	 * seed's first setting is version 1. */
	{ SEED_COLUMNS("organisations/policies.csv", policy_columns),
	  .sql = "UPDATE organisations SET equalities_policy_url = $2::text, policy_reviewed_on = $3::date"
	  " WHERE slug = $1 AND version = 1 AND equalities_policy_url IS NULL"
	  "   AND policy_reviewed_on IS NULL AND ($2::text IS NOT NULL OR $3::date IS NOT NULL)" },
	{ SEED_COLUMNS("indicators/computed.csv", computed_columns),
	  .sql = "UPDATE indicators SET computed_from = $2 WHERE code = $1"
	  " AND computed_from IS DISTINCT FROM $2" },
	{ SEED_COLUMNS("objectives/objectives.csv", objective_columns),
	  .upsert = { "objectives", 1, NULL } },
	{ SEED_COLUMNS("objectives/outcomes.csv", outcome_columns),
	  .upsert = { "outcomes", 1, NULL } },
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
	{ SEED_COLUMNS("impact-assessments/assessments.csv", assessment_columns),
	  .sql = "INSERT INTO impact_assessments (reference, title, service_area, decision, decision_date,"
	  " status, document_url, review_date, illustrative, actions)"
	  " SELECT $1, $2, $3, $4, $5::date, $6, $7, $8::date, true,"
	  "  coalesce((SELECT array_agg(x.id ORDER BY u.i)"
	  "            FROM unnest(string_to_array($9, ';')) WITH ORDINALITY AS u(ref, i)"
	  "            JOIN action_plans p ON p.slug = split_part(u.ref, ':', 1)"
	  "            JOIN actions x ON x.plan_id = p.id AND x.reference = split_part(u.ref, ':', 2)),"
	  "           '{}')"
	  " ON CONFLICT (reference) DO NOTHING" },
	{ SEED_COLUMNS("impact-assessments/impacts.csv", impact_columns),
	  .sql = "WITH u AS (UPDATE impact_assessments a SET impacts = a.impacts || jsonb_build_array("
	  "    jsonb_strip_nulls(jsonb_build_object('characteristic', $2::text, 'impact', $3::text,"
	  "      'evidence', $4::text, 'mitigations', $5::text)))"
	  "  WHERE a.reference = $1 AND a.illustrative AND a.version = 1"
	  "    AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(a.impacts) e"
	  "                    WHERE e->>'characteristic' = $2)"
	  "  RETURNING a.*)"
	  " INSERT INTO impact_assessment_versions (assessment_id, version, body, key_prefix, request_id)"
	  " SELECT u.id, 1, impact_assessment_json(ROW(u.*)::impact_assessments)::jsonb, NULL, 'seed'"
	  " FROM u ON CONFLICT (assessment_id, version) DO UPDATE SET body = EXCLUDED.body" },
};

const struct seed_group seed_policy_files = SEED_GROUP("reference", policy_files);
const struct seed_group seed_assessment_files = SEED_GROUP("action_plan", assessment_files);
