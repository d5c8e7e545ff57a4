/*
 * module.c - the council's equalities action plans, their actions and
 * every progress update: routes and statements.
 *
 *   GET   /v1/action-plans                      public (JSON or CSV)
 *   POST  /v1/action-plans                      manage:action-plan, idempotent
 *   GET   /v1/action-plans/{id}                 public
 *   GET   /v1/action-plans/{id}/actions         public (JSON or CSV)
 *   POST  /v1/action-plans/{id}/actions         manage:action-plan, idempotent
 *   GET   /v1/action-plans/{id}/summary         public (JSON or CSV)
 *   GET   /v1/actions/{id}                      public, with its update history
 *   PATCH /v1/actions/{id}                      manage:action-plan, If-Match
 *   POST  /v1/actions/{id}/updates              manage:action-plan, idempotent
 *
 * A plan is named by its slug, the financial year it starts in with a dash
 * ("2024-25"), or "current".  An action's status and RAG are those of its
 * latest update; updates are only ever added (a trigger refuses to change
 * one).  PATCH edits the fixed fields only and takes If-Match "v<version>".
 * Lists page by keyset (api/kit/list.h).
 */
#include "api/action_plan/action_plan.h"
#include "api/api.h"
#include "http/cache.h"

/* $1: a slug or "current". */
#define PLAN_MATCH "(p.slug = $1 OR ($1 = 'current' AND p.status = 'current'))"

/* The actions' order ($7 the sort): by due date or not, then by the
 * numbers in the reference (A3.2 < A3.10), the reference and the id.  A
 * constant where the due date does not count keeps one row comparison. */
#define ACTION_DUE(d) "CASE WHEN $7 = 'due_date' THEN " d " ELSE DATE '2000-01-01' END"

static const struct db_statement statements[] = {
	{ "ap_today", "SELECT to_char(action_plan_today(), 'YYYY-MM-DD')", 0 },
	/* $1 status; $2, $3 the last row's starts_on and id; $4 limit + 1. */
	{ "ap_plan_list",
	  "SELECT action_plan_json(p)::text, to_char(p.starts_on, 'YYYY-MM-DD'), p.id"
	  " FROM action_plans p WHERE ($1::text IS NULL OR p.status = $1)"
	  "   AND ($2::date IS NULL OR (p.starts_on, p.id) > ($2::date, $3::bigint))"
	  " ORDER BY p.starts_on, p.id LIMIT $4", 4 },
	{ "ap_plan_total",
	  "SELECT count(*) FROM action_plans p WHERE ($1::text IS NULL OR p.status = $1)", 1 },
	{ "ap_plan_get",
	  "SELECT action_plan_json(p)::text, p.id FROM action_plans p WHERE " PLAN_MATCH, 1 },
	{ "ap_summary",
	  "SELECT action_plan_summary_json(p)::text FROM action_plans p WHERE " PLAN_MATCH, 1 },
	{ "ap_current_taken", "SELECT 1 FROM action_plans WHERE status = 'current'", 0 },
	{ "ap_plan_insert",
	  "INSERT INTO action_plans (slug, title, description, starts_on, ends_on, status)"
	  " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (slug) DO NOTHING RETURNING slug", 6 },
	/* $1 plan id; filters $2-$6; $7 sort; $8-$10 the last row's due date,
	 * reference and id; $11 limit + 1. */
	{ "ap_actions",
	  "SELECT action_json(a)::text, to_char(a.due_date, 'YYYY-MM-DD'), a.reference, a.id"
	  " FROM actions a WHERE a.plan_id = $1"
	  "   AND ($2::text IS NULL OR a.status = $2)"
	  "   AND ($3::text IS NULL OR a.rag = $3)"
	  "   AND ($4::text IS NULL OR a.outcome = $4)"
	  "   AND ($5::text IS NULL OR a.lead = $5)"
	  "   AND ($6::boolean IS NULL OR action_is_overdue(a) = $6)"
	  "   AND ($9::text IS NULL OR (" ACTION_DUE("a.due_date") ","
	  "        action_reference_key(a.reference), a.reference, a.id)"
	  "     > (" ACTION_DUE("$8::date") ", action_reference_key($9), $9, $10::uuid))"
	  " ORDER BY " ACTION_DUE("a.due_date") ", action_reference_key(a.reference),"
	  "   a.reference, a.id LIMIT $11", 11 },
	{ "ap_action_get",
	  "SELECT action_json(a)::text, a.version FROM actions a WHERE a.id = $1", 1 },
	{ "ap_action_updates",
	  "SELECT action_update_json(u)::text FROM action_updates u WHERE u.action_id = $1"
	  " ORDER BY u.seq", 1 },
	/* A write holds the action until it commits: concurrent PATCHes naming
	 * one version see it current once, and updates get their sequence in
	 * turn. */
	{ "ap_action_lock",
	  "SELECT a.version, action_json(a)::text, a.status, a.plan_id,"
	  " coalesce((SELECT to_char(max(u.as_of), 'YYYY-MM-DD') FROM action_updates u"
	  "           WHERE u.action_id = a.id), '')"
	  " FROM actions a WHERE a.id = $1 FOR UPDATE", 1 },
	{ "ap_action_insert",
	  "INSERT INTO actions (plan_id, reference, title, description, outcome, lead,"
	  " start_date, due_date, indicators)"
	  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text[])"
	  " ON CONFLICT (plan_id, reference) DO NOTHING RETURNING id", 9 },
	{ "ap_ref_taken",
	  "SELECT 1 FROM actions WHERE plan_id = $1 AND reference = $2 AND id <> $3", 3 },
	{ "ap_action_update",
	  "UPDATE actions SET reference = $2, title = $3, description = $4, outcome = $5,"
	  " lead = $6, start_date = $7, due_date = $8, indicators = $9::text[],"
	  " version = version + 1, updated_at = now() WHERE id = $1", 9 },
	{ "ap_update_insert",
	  "WITH u AS (INSERT INTO action_updates (action_id, seq, as_of, status, rag, note, reason,"
	  "   organisation_id, key_prefix, request_id)"
	  "  SELECT $1, coalesce(max(x.seq), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9"
	  "  FROM action_updates x WHERE x.action_id = $1 RETURNING action_id, status, rag)"
	  " UPDATE actions a SET status = u.status, rag = u.rag, updated_at = now()"
	  " FROM u WHERE a.id = u.action_id", 9 },
};


#define AP_DEPENDS (DATA_ACTION_PLAN | DATA_REFERENCE)
#define AP_WRITE .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY, \
	.scope = "manage:action-plan", .depends = DATA_ACTION_PLAN

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/v1/action-plans", .handler = plan_list,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = AP_DEPENDS },
	{ .method = HTTP_POST, .template = "/v1/action-plans", .handler = plan_create,
	  AP_WRITE, .action = "action_plan.create" },
	{ .method = HTTP_GET, .template = "/v1/action-plans/{id}", .handler = plan_get,
	  .flags = ROUTE_PUBLIC, .depends = AP_DEPENDS },
	{ .method = HTTP_GET, .template = "/v1/action-plans/{id}/actions", .handler = action_list,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV,
	  .depends = AP_DEPENDS },
	{ .method = HTTP_POST, .template = "/v1/action-plans/{id}/actions", .handler = action_create,
	  AP_WRITE, .action = "action.create" },
	{ .method = HTTP_GET, .template = "/v1/action-plans/{id}/summary", .handler = plan_summary,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = AP_DEPENDS },
	{ .method = HTTP_GET, .template = "/v1/actions/{id}", .handler = action_get,
	  .flags = ROUTE_PUBLIC, .depends = AP_DEPENDS },
	{ .method = HTTP_PATCH, .template = "/v1/actions/{id}", .handler = action_patch,
	  .flags = ROUTE_WRITE | ROUTE_BODY, .scope = "manage:action-plan",
	  .action = "action.update", .depends = DATA_ACTION_PLAN },
	{ .method = HTTP_POST, .template = "/v1/actions/{id}/updates", .handler = update_create,
	  AP_WRITE, .action = "action.progress_update" },
};

const struct api_module action_plan_module = {
	.name = "action_plan", API_ROUTES(routes), API_STATEMENTS(statements),
};
