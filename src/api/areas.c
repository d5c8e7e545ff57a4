/*
 * areas.c - GET /v1/areas and /v1/areas/{code}: the borough and its wards.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "api/kit/list.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"

/* The list's filters ($1 kind, $2 parent), shared by the page and its total. */
#define AREAS_WHERE \
	" WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR parent_code = $2)"

static const struct db_statement statements[] = {
	{ "areas_list",
	  "SELECT code, name, kind, parent_code FROM areas" AREAS_WHERE
	  "   AND ($3::text IS NULL OR code > $3)"
	  " ORDER BY code LIMIT $4", 4 },
	{ "areas_total", "SELECT count(*) FROM areas" AREAS_WHERE, 2 },
	{ "areas_get",
	  "SELECT code, name, kind, parent_code FROM areas WHERE code = $1", 1 },
};

static const struct csv_column csv_columns[] = {
	{ "code", "/code" }, { "name", "/name" }, { "kind", "/kind" }, { "parent", "/parent" },
};

static json_t *area_json(const PGresult *r, int row)
{
	return json_pack("{s:s, s:s, s:s, s:s?}",
			 "code", PQgetvalue(r, row, 0),
			 "name", PQgetvalue(r, row, 1),
			 "kind", PQgetvalue(r, row, 2),
			 "parent", db_get_text(r, row, 3));
}

static const char *const kinds[] = { "borough", "ward", NULL };

/* By code. */
static const struct list_query area_query = {
	LIST_KEYSET("areas", CURSOR_KEY_TEXT), "areas_list", LIST_KEY_COLS(0), area_json,
	LIST_CSV(csv_columns), NULL, "areas_total",
};

static void areas_list(struct request *req, struct response *res)
{
	const char *filters[2];
	struct list_page page;

	if (request_enum_or_respond(req, res, "kind", kinds, NULL, &filters[0]) ||
	    request_single_or_respond(req, res, "parent", &filters[1]) ||
	    list_page_or_respond(req, res, area_query.spec, &page))
		return;
	if (filters[1] && !area_code_is_valid(filters[1])) {
		problem_send_bad_parameter(res, "parent", "must be a GSS area code such as E09000003");
		return;
	}
	list_run_page(req, res, &area_query, &page, filters, 2, NULL);
}

static void areas_get(struct request *req, struct response *res)
{
	const char *code = request_param(req, "code");
	char missing[160];
	PGresult *r;

	snprintf(missing, sizeof(missing), "There is no area %s.", code);
	if (api_found_or_respond(req, res, "areas_get", code, area_code_is_valid(code),
				 "There is no area with that code; codes look like E05013628.",
				 missing, &r))
		return;
	response_json(res, 200, area_json(r, 0));
	PQclear(r);
}

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/v1/areas", .handler = areas_list, .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = DATA_REFERENCE },
	{ .method = HTTP_GET, .template = "/v1/areas/{code}", .handler = areas_get, .flags = ROUTE_PUBLIC, .depends = DATA_REFERENCE },
};

const struct api_module areas_module = {
	.name = "areas", API_ROUTES(routes), API_STATEMENTS(statements),
};
