/*
 * module.c - the Annual Equalities Report: routes and statements.
 *
 *   GET /v1/reports/annual/{year}   public; year "2024-25"; JSON, or CSV (the
 *                                   bundle: one figure a row)
 *   PUT .../{year}/sections/{section}/commentary    manage:reports (the
 *                                   council): the section's commentary
 *   GET .../commentary, GET .../commentary/versions public (commentary.c)
 *
 * Built on every read from the published data of the other resources, so
 * it never disagrees with them; each section lists the routes its figures
 * come from and says what is missing for the year.
 */
#include "api/api.h"
#include "api/reports/reports.h"
#include "http/cache.h"

#define TS(x) "to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

static const struct db_statement statements[] = {
	{ "ar_objectives",
	  "SELECT coalesce(json_agg(objective_json(b) ORDER BY b.code), '[]')::text FROM objectives b", 0 },
	/* The plan in force at the year's start ($1). */
	{ "ar_plan",
	  "SELECT action_plan_summary_json(p)::text, p.slug FROM action_plans p"
	  " WHERE p.starts_on <= $1::date AND p.ends_on >= $1::date AND p.status <> 'draft'"
	  " ORDER BY p.starts_on DESC LIMIT 1", 1 },
	/* The windows of the year ($1 "2024/25": the year and its quarters)
	 * with the partners by outcome (organisation_window_outcome). */
	{ "ar_returns",
	  "WITH t AS (SELECT (now() AT TIME ZONE 'Europe/London')::date AS today),"
	  " x AS (SELECT w.id, o.slug, organisation_window_outcome(r, w, t.today) AS outcome"
	  "       FROM return_windows w CROSS JOIN t JOIN organisations o ON o.kind = 'partner'"
	  "       LEFT JOIN partner_returns r ON r.window_id = w.id AND r.organisation_id = o.id"
	  "       WHERE w.period = $1 OR w.period LIKE $1 || ' Q_')"
	  " SELECT coalesce(json_agg(json_build_object('window', w.id, 'kind', w.kind,"
	  "   'period', w.period, 'due_date', to_char(w.due_date, 'YYYY-MM-DD'),"
	  "   'on_time', (SELECT coalesce(json_agg(x.slug ORDER BY x.slug), '[]') FROM x WHERE x.id = w.id AND x.outcome = 'on_time'),"
	  "   'late', (SELECT coalesce(json_agg(x.slug ORDER BY x.slug), '[]') FROM x WHERE x.id = w.id AND x.outcome = 'late'),"
	  "   'returned', (SELECT coalesce(json_agg(x.slug ORDER BY x.slug), '[]') FROM x WHERE x.id = w.id AND x.outcome = 'returned'),"
	  "   'overdue', (SELECT coalesce(json_agg(x.slug ORDER BY x.slug), '[]') FROM x WHERE x.id = w.id AND x.outcome = 'overdue'),"
	  "   'open', (SELECT coalesce(json_agg(x.slug ORDER BY x.slug), '[]') FROM x WHERE x.id = w.id AND x.outcome = 'open'))"
	  "   ORDER BY w.open_date, w.id), '[]')::text"
	  " FROM return_windows w WHERE w.period = $1 OR w.period LIKE $1 || ' Q_'", 1 },
	{ "ar_datasets",
	  "SELECT coalesce(json_agg(json_build_object('slug', d.slug, 'title', d.title,"
	  " 'reference_date', to_char(d.reference_date, 'YYYY-MM-DD'), 'official', d.official)"
	  " ORDER BY d.slug), '[]')::text FROM datasets d", 0 },
	/* The commentary of the year ($1 "2024-25") by section. */
	{ "ar_commentary",
	  "SELECT coalesce(json_object_agg(c.section, report_commentary_json(c)), '{}')::text"
	  " FROM report_commentary c WHERE c.year = $1", 1 },
	/* A section's commentary, named "<year>/<section>" ($1; commentary.c). */
	{ "rc_lock",
	  "SELECT c.version, report_commentary_json(c)::text FROM report_commentary c"
	  " WHERE c.id = $1 FOR UPDATE", 1 },
	{ "rc_get",
	  "SELECT report_commentary_json(c)::text, c.version FROM report_commentary c WHERE c.id = $1", 1 },
	{ "rc_insert",
	  "INSERT INTO report_commentary (year, section, text)"
	  " VALUES (split_part($1, '/', 1), split_part($1, '/', 2), $2)"
	  " ON CONFLICT DO NOTHING RETURNING id", 2 },
	{ "rc_update",
	  "UPDATE report_commentary SET text = $2, version = version + 1, updated_at = now()"
	  " WHERE id = $1", 2 },
	{ "rc_version_put",
	  "INSERT INTO report_commentary_versions (commentary_id, version, body, key_prefix, request_id)"
	  " SELECT c.id, c.version, report_commentary_json(c)::jsonb, $2, $3"
	  " FROM report_commentary c WHERE c.id = $1", 3 },
	{ "rc_versions",
	  "SELECT v.version, " TS("v.changed_at") ", v.key_prefix, v.request_id, v.body::text"
	  " FROM report_commentary_versions v WHERE v.commentary_id = $1 ORDER BY v.version", 1 },
};

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/v1/reports/annual/{year}", .handler = report_annual,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = 0 },
	{ .method = HTTP_PUT, .template = "/v1/reports/annual/{year}/sections/{section}/commentary",
	  .handler = report_commentary_put, .flags = ROUTE_WRITE | ROUTE_BODY,
	  .scope = "manage:reports", .action = "report_commentary.put", .depends = DATA_INDICATORS },
	{ .method = HTTP_GET, .template = "/v1/reports/annual/{year}/sections/{section}/commentary",
	  .handler = report_commentary_get, .flags = ROUTE_PUBLIC, .depends = DATA_INDICATORS },
	{ .method = HTTP_GET,
	  .template = "/v1/reports/annual/{year}/sections/{section}/commentary/versions",
	  .handler = report_commentary_versions, .flags = ROUTE_PUBLIC | ROUTE_CSV,
	  .depends = DATA_INDICATORS },
};

const struct api_module reports_module = {
	.name = "reports", API_ROUTES(routes), API_STATEMENTS(statements),
};
