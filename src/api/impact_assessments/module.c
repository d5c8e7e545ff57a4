/*
 * module.c - equality impact assessments: routes and statements.
 *
 *   GET   /v1/impact-assessments                 public: published and reviewed
 *                                                only (JSON or CSV), filters
 *   GET   /v1/impact-assessments/{id}            public: a draft is 404
 *   GET   /v1/impact-assessments/{id}/versions   manage:impact-assessments
 *   POST  /v1/impact-assessments                 manage:impact-assessments
 *                                                (the council), idempotent
 *   PATCH /v1/impact-assessments/{id}            manage:impact-assessments
 *                                                (the council), If-Match
 *
 * Every version is kept (ia_version_put).  An assessment links to the
 * action-plan actions that carry its mitigations, so it changes with the
 * action plan's data area.
 */
#include "api/api.h"
#include "api/impact_assessments/impact_assessments.h"
#include "db/listener.h"
#include "http/cache.h"

#define TS(x) "to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* The public list's filters ($1 status, $2 service area, $3 characteristic,
 * $4 impact, $5 overdue; never a draft), shared by the page and its total. */
#define IA_WHERE \
	" WHERE a.status <> 'draft'" \
	"   AND ($1::text IS NULL OR a.status = $1)" \
	"   AND ($2::text IS NULL OR a.service_area = $2)" \
	"   AND (($3::text IS NULL AND $4::text IS NULL) OR EXISTS (" \
	"        SELECT 1 FROM jsonb_array_elements(a.impacts) e" \
	"        WHERE ($3::text IS NULL OR e->>'characteristic' = $3)" \
	"          AND ($4::text IS NULL OR e->>'impact' = $4)))" \
	"   AND ($5::boolean IS NULL OR impact_assessment_overdue(a) = $5)"

static const struct db_statement statements[] = {
	/* Filters $1 status, $2 service area, $3 characteristic, $4 impact (of
	 * that characteristic when both), $5 overdue; $6, $7 the last row's
	 * decision date and id; $8 limit + 1.  A published assessment always
	 * has its decision date (domain/impact_assessment.c). */
	{ "ia_list",
	  "SELECT impact_assessment_json(a)::text, to_char(a.decision_date, 'YYYY-MM-DD'), a.id"
	  " FROM impact_assessments a" IA_WHERE
	  "   AND ($6::date IS NULL OR (a.decision_date, a.id) > ($6::date, $7::uuid))"
	  " ORDER BY a.decision_date, a.id LIMIT $8", 8 },
	{ "ia_total", "SELECT count(*) FROM impact_assessments a" IA_WHERE, 5 },
	{ "ia_public",
	  "SELECT impact_assessment_json(a)::text FROM impact_assessments a"
	  " WHERE a.id = $1 AND a.status <> 'draft'", 1 },
	{ "ia_get",
	  "SELECT impact_assessment_json(a)::text, a.version FROM impact_assessments a"
	  " WHERE a.id = $1", 1 },
	{ "ia_lock",
	  "SELECT a.version, impact_assessment_json(a)::text, a.status FROM impact_assessments a"
	  " WHERE a.id = $1 FOR UPDATE", 1 },
	/* The positions (from 0) of the ids that name no action. */
	{ "ia_unknown_actions",
	  "SELECT u.i - 1 FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, i)"
	  " WHERE NOT EXISTS (SELECT 1 FROM actions x WHERE x.id = u.id) ORDER BY u.i", 1 },
	{ "ia_insert",
	  "INSERT INTO impact_assessments (reference, title, service_area, decision, decision_date,"
	  " status, impacts, actions, document_url, review_date)"
	  " VALUES ($1, $2, $3, $4, $5::date, $6, $7::jsonb, $8::uuid[], $9, $10::date)"
	  " ON CONFLICT (reference) DO NOTHING RETURNING id", 10 },
	{ "ia_update",
	  "UPDATE impact_assessments SET title = $2, service_area = $3, decision = $4,"
	  " decision_date = $5::date, status = $6, impacts = $7::jsonb, actions = $8::uuid[],"
	  " document_url = $9, review_date = $10::date, version = version + 1, updated_at = now()"
	  " WHERE id = $1", 10 },
	{ "ia_version_put",
	  "INSERT INTO impact_assessment_versions (assessment_id, version, body, key_prefix, request_id)"
	  " SELECT a.id, a.version, impact_assessment_json(a)::jsonb, $2, $3"
	  " FROM impact_assessments a WHERE a.id = $1", 3 },
	{ "ia_versions",
	  "SELECT v.version, " TS("v.changed_at") ", v.key_prefix, v.request_id, v.body::text"
	  " FROM impact_assessment_versions v WHERE v.assessment_id = $1 ORDER BY v.version", 1 },
};

#define IA_SCOPE "manage:impact-assessments"

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/v1/impact-assessments", .handler = ia_list,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = DATA_ACTION_PLAN },
	{ .method = HTTP_POST, .template = "/v1/impact-assessments", .handler = ia_create,
	  .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY, .scope = IA_SCOPE,
	  .action = "impact_assessment.create", .depends = DATA_ACTION_PLAN },
	{ .method = HTTP_GET, .template = "/v1/impact-assessments/{id}", .handler = ia_get,
	  .flags = ROUTE_PUBLIC, .depends = DATA_ACTION_PLAN },
	{ .method = HTTP_PATCH, .template = "/v1/impact-assessments/{id}", .handler = ia_patch,
	  .flags = ROUTE_WRITE | ROUTE_BODY, .scope = IA_SCOPE,
	  .action = "impact_assessment.update", .depends = DATA_ACTION_PLAN },
	{ .method = HTTP_GET, .template = "/v1/impact-assessments/{id}/versions",
	  .handler = ia_versions, .flags = ROUTE_CSV, .scope = IA_SCOPE },
};

const struct api_module impact_assessments_module = {
	.name = "impact_assessments", API_ROUTES(routes), API_STATEMENTS(statements),
};
