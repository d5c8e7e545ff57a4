/*
 * module.c - data protection: what a source delivered, erasure and
 * redaction, and the audit trail's reader (issue 14).  The statements
 * and the route table; the handlers are deliveries.c, erasure.c, audit.c.
 *
 *   POST /v1/hate-crime/deliveries                       submit:hate-crime
 *   POST /v1/hate-crime/reports/{id}/erasure             admin
 *   POST /v1/hate-crime/reports/{id}/redaction           admin
 *   POST /v1/actions/{id}/updates/{sequence}/redaction   admin
 *   GET  /v1/audit-events                                admin (JSON or CSV)
 *
 * The erasure and the purge are SQL functions (migrations/0015), so that
 * the API, `equalities-api purge` and an officer with psql do the same.
 */
#include "api/api.h"
#include "api/data_protection/dp.h"
#include "http/cache.h"

static const struct db_statement statements[] = {
	/* A month declared twice stays delivered when it was first declared. */
	{ "dp_delivery_put",
	  "INSERT INTO hate_crime_deliveries (organisation_id, month, key_prefix, request_id)"
	  " SELECT $1, (m || '-01')::date, $2, $3 FROM unnest($4::text[]) AS m"
	  " ON CONFLICT (organisation_id, month) DO NOTHING", 4 },
	/* The items of the body's months later than this month in London. */
	{ "dp_delivery_future",
	  "SELECT i - 1 FROM unnest($1::text[]) WITH ORDINALITY AS t(m, i)"
	  " WHERE (m || '-01')::date > date_trunc('month', now() AT TIME ZONE 'Europe/London')"
	  " ORDER BY i", 1 },
	{ "dp_erase",
	  "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
	  " WHERE eq_erase_report($1::uuid)", 1 },
	/* A redacted field is replaced in the record and in every version
	 * the API shows of it. */
	{ "dp_report_redact",
	  "SELECT hate_crime_report_json(r)::text FROM eq_redact_report($1::uuid, $2::text[]) r", 2 },
	{ "dp_update_redact",
	  "SELECT action_update_json(u)::text FROM eq_redact_action_update($1::uuid, $2::int, $3::text[]) u", 3 },
	/* Newest first, keyset on id. */
	{ "dp_audit_list",
	  "SELECT json_build_object('id', a.id,"
	  "   'at', to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
	  "   'organisation', o.slug, 'key_prefix', a.key_prefix, 'request_id', a.request_id,"
	  "   'client_request_id', a.client_request_id,"
	  "   'action', a.action, 'route', a.route, 'target', a.target, 'outcome', a.outcome,"
	  "   'status', a.status, 'records', a.record_count, 'reason', a.reason)::text, a.id"
	  " FROM audit_events a LEFT JOIN organisations o ON o.id = a.organisation_id"
	  " WHERE ($1::date IS NULL OR a.at >= $1::date::timestamp AT TIME ZONE 'UTC')"
	  "   AND ($2::date IS NULL OR a.at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC')"
	  "   AND ($3::text IS NULL OR o.slug = $3)"
	  "   AND ($4::text IS NULL OR a.action = $4)"
	  "   AND ($5::text IS NULL OR a.route = $5)"
	  "   AND ($6::bigint IS NULL OR a.id < $6)"
	  " ORDER BY a.id DESC LIMIT $7", 7 },
};

/* ---- the route table ---------------------------------------------------------- */

#define DP_WRITE .flags = ROUTE_WRITE | ROUTE_BODY, .depends = DATA_HATE_CRIME

static const struct route routes[] = {
	{ .method = HTTP_POST, .template = "/v1/hate-crime/deliveries", .handler = delivery_create,
	  DP_WRITE, .scope = "submit:hate-crime", .action = "hate_crime_delivery.declare" },
	{ .method = HTTP_POST, .template = "/v1/hate-crime/reports/{id}/erasure",
	  .handler = report_erase, DP_WRITE, .scope = "admin", .action = "hate_crime_report.erase" },
	{ .method = HTTP_POST, .template = "/v1/hate-crime/reports/{id}/redaction",
	  .handler = report_redact, DP_WRITE, .scope = "admin", .action = "hate_crime_report.redact" },
	{ .method = HTTP_POST, .template = "/v1/actions/{id}/updates/{sequence}/redaction",
	  .handler = action_update_redact, .flags = ROUTE_WRITE | ROUTE_BODY,
	  .depends = DATA_ACTION_PLAN, .scope = "admin", .action = "action_update.redact" },
	{ .method = HTTP_GET, .template = "/v1/audit-events", .handler = audit_event_list,
	  .flags = ROUTE_CSV | ROUTE_READ_AUDIT, .scope = "admin", .action = "audit_event.list" },
};

const struct api_module data_protection_module = {
	.name = "data_protection", API_ROUTES(routes), API_STATEMENTS(statements),
};
