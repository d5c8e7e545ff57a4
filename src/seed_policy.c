/*
 * seed_policy.c - load the demo policy data (see seed_policy.h).
 */
#include "seed_policy.h"

#include "seed_csv.h"

static const struct seed_file policy_files[] = {
	/* The organisation's version counts only the API's changes: the
	 * seed's first setting is version 1. */
	{ SEED_FILE("organisations/policies.csv",
		    "slug", "equalities_policy_url", "policy_reviewed_on"),
	  .sql = "UPDATE organisations SET equalities_policy_url = $2::text, policy_reviewed_on = $3::date"
	  " WHERE slug = $1 AND version = 1 AND equalities_policy_url IS NULL"
	  "   AND policy_reviewed_on IS NULL AND ($2::text IS NOT NULL OR $3::date IS NOT NULL)" },
	{ SEED_FILE("indicators/computed.csv", "code", "computed_from"),
	  .sql = "UPDATE indicators SET computed_from = $2 WHERE code = $1"
	  " AND computed_from IS DISTINCT FROM $2" },
	{ SEED_FILE("objectives/objectives.csv", "code", "title", "statement", "adopted_on"),
	  .upsert = { "objectives", 1, NULL } },
	{ SEED_FILE("objectives/outcomes.csv",
		    "code", "objective", "title", "description", "sort_order"),
	  .upsert = { "outcomes", 1, NULL } },
};

/* Demo assessments are marked illustrative; actions are written
 * "plan:reference;..." in the file.  Each impact row adds one impact to
 * its assessment (once) and records the assessment as its version 1. */
static const struct seed_file assessment_files[] = {
	{ SEED_FILE("impact-assessments/assessments.csv",
		    "reference", "title", "service_area", "decision", "decision_date", "status",
		    "document_url", "review_date", "actions"),
	  .sql = "INSERT INTO impact_assessments (reference, title, service_area, decision, decision_date,"
	  " status, document_url, review_date, illustrative, actions)"
	  " SELECT $1, $2, $3, $4, $5::date, $6, $7, $8::date, true,"
	  "  coalesce((SELECT array_agg(x.id ORDER BY u.i)"
	  "            FROM unnest(string_to_array($9, ';')) WITH ORDINALITY AS u(ref, i)"
	  "            JOIN action_plans p ON p.slug = split_part(u.ref, ':', 1)"
	  "            JOIN actions x ON x.plan_id = p.id AND x.reference = split_part(u.ref, ':', 2)),"
	  "           '{}')"
	  " ON CONFLICT (reference) DO NOTHING" },
	{ SEED_FILE("impact-assessments/impacts.csv",
		    "reference", "characteristic", "impact", "evidence", "mitigations"),
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
