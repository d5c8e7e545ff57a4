/*
 * module.c - the council's performance indicators, their values per
 * period, and the quarterly scorecard: routes and statements.
 *
 *   GET /v1/indicators                                public (JSON or CSV)
 *   GET /v1/indicators/{code}                         public
 *   GET /v1/indicators/{code}/values                  public (JSON or CSV)
 *   PUT /v1/indicators/{code}/values/{period}         manage:indicators (a month)
 *   PUT /v1/indicators/{code}/values/{year}/{period}  manage:indicators
 *                                                     ("2024/25 Q2" spans two segments)
 *   GET /v1/scorecard?period=2024/25 Q2               public
 *
 * A body's 72.5 is checked to have at most three decimal places and stored
 * as 72500, so that the RAG the service computes is exact at every
 * tolerance boundary.  A value that is replaced keeps every earlier
 * revision (indicator_value_revisions), shown as `revisions` with
 * `revised` and `revised_at`.
 */
#include "api/api.h"
#include "api/indicators/indicators.h"
#include "http/cache.h"

#define TS_UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

static const struct db_statement statements[] = {
	{ "ind_all",
	  "SELECT code, title, definition, unit, polarity, frequency, outcome, outcome_title,"
	  " source, tolerance_kind, tolerance, computed_from FROM indicators"
	  " WHERE ($1::text IS NULL OR code = $1) ORDER BY code", 1 },
	/* Every value (of one indicator, or of all), oldest first. */
	{ "ind_values",
	  "SELECT indicator_code, period, target, actual, commentary,"
	  " to_char(published_on, 'YYYY-MM-DD'), revision, " TS_UTC("updated_at")
	  " FROM indicator_values WHERE ($1::text IS NULL OR indicator_code = $1)"
	  " ORDER BY indicator_code, period_start", 1 },
	/* The earlier revisions of one indicator's values. */
	{ "ind_revisions",
	  "SELECT r.period, r.revision, r.target, r.actual, r.commentary,"
	  " to_char(r.published_on, 'YYYY-MM-DD'), " TS_UTC("r.recorded_at")
	  " FROM indicator_value_revisions r JOIN indicator_values v"
	  "   ON v.indicator_code = r.indicator_code AND v.period = r.period"
	  " WHERE r.indicator_code = $1 AND r.revision < v.revision"
	  " ORDER BY r.period, r.revision DESC", 1 },
	{ "ind_frequency",
	  "SELECT frequency, computed_from IS NOT NULL FROM indicators WHERE code = $1", 1 },
	/* A PUT holds the value until it commits, so that of concurrent PUTs
	 * naming one revision exactly one sees it current. */
	{ "ind_value_lock",
	  "SELECT revision, target, actual, commentary, to_char(published_on, 'YYYY-MM-DD')"
	  " FROM indicator_values WHERE indicator_code = $1 AND period = $2 FOR UPDATE", 2 },
	{ "ind_value_insert",
	  "INSERT INTO indicator_values (indicator_code, period, period_start, period_end,"
	  " target, actual, commentary, published_on)"
	  " VALUES ($1, $2, $3::date, $4::date, $5::bigint, $6::bigint, $7, $8::date)"
	  " ON CONFLICT (indicator_code, period) DO NOTHING RETURNING revision", 8 },
	{ "ind_value_update",
	  "UPDATE indicator_values SET target = $3::bigint, actual = $4::bigint, commentary = $5,"
	  " published_on = $6::date, revision = revision + 1, updated_at = now()"
	  " WHERE indicator_code = $1 AND period = $2 RETURNING revision", 6 },
	{ "ind_revision_put",
	  "INSERT INTO indicator_value_revisions (indicator_code, period, revision, target, actual,"
	  " commentary, published_on, recorded_at, key_prefix, request_id)"
	  " SELECT indicator_code, period, revision, target, actual, commentary, published_on,"
	  " updated_at, $3, $4 FROM indicator_values WHERE indicator_code = $1 AND period = $2", 4 },
	/* The scorecard shows the current action plan's summary, made by the
	 * SQL function that also answers /v1/action-plans/current/summary. */
	{ "ind_plan_summary",
	  "SELECT action_plan_summary_json(p)::text FROM action_plans p"
	  " WHERE p.status = 'current'", 0 },
};


#define IND_DEPENDS (DATA_INDICATORS | DATA_REFERENCE)
#define IND_PUT .flags = ROUTE_WRITE | ROUTE_BODY, .scope = "manage:indicators", \
	.action = "indicator_value.put", .depends = DATA_INDICATORS

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/v1/indicators", .handler = indicators_list,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = IND_DEPENDS },
	{ .method = HTTP_GET, .template = "/v1/indicators/{code}", .handler = indicators_get,
	  .flags = ROUTE_PUBLIC, .depends = IND_DEPENDS },
	{ .method = HTTP_GET, .template = "/v1/indicators/{code}/values", .handler = values_list,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = IND_DEPENDS },
	{ .method = HTTP_PUT, .template = "/v1/indicators/{code}/values/{period}",
	  .handler = value_put, IND_PUT },
	{ .method = HTTP_PUT, .template = "/v1/indicators/{code}/values/{year}/{period}",
	  .handler = value_put, IND_PUT },
	{ .method = HTTP_GET, .template = "/v1/indicators/{code}/values/{period}",
	  .handler = value_get, .depends = IND_DEPENDS },
	{ .method = HTTP_GET, .template = "/v1/indicators/{code}/values/{year}/{period}",
	  .handler = value_get, .depends = IND_DEPENDS },
	{ .method = HTTP_GET, .template = "/v1/scorecard", .handler = scorecard,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV,
	  .depends = IND_DEPENDS | DATA_ACTION_PLAN },
};

const struct api_module indicators_module = {
	.name = "indicators", API_ROUTES(routes), API_STATEMENTS(statements),
};
