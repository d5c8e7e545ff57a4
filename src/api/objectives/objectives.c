/*
 * objectives.c - the Strategic Equalities Objective and its outcomes:
 *
 *   GET /v1/objectives   public, by code
 *
 * An outcome's code is the one vocabulary that indicators and actions name
 * in their `outcome`; each outcome lists the indicators that measure it
 * and the actions that serve it (objective_json, migrations/0017).
 */
#include "api/api.h"
#include "api/kit/list.h"
#include "http/cache.h"

static const struct db_statement statements[] = {
	/* $1 the last row's code; $2 limit + 1. */
	{ "obj_list",
	  "SELECT objective_json(b)::text, b.code FROM objectives b"
	  " WHERE ($1::text IS NULL OR b.code > $1) ORDER BY b.code LIMIT $2", 2 },
};

static const struct list_query objective_query = {
	LIST_KEYSET("objectives", CURSOR_KEY_TEXT), "obj_list", LIST_KEY_COLS(1), NULL, NULL, 0,
};

static void objective_list(struct request *req, struct response *res)
{
	list_run(req, res, &objective_query, NULL, 0);
}

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/v1/objectives", .handler = objective_list,
	  .flags = ROUTE_PUBLIC,
	  .depends = DATA_REFERENCE | DATA_ACTION_PLAN | DATA_INDICATORS },
};

const struct api_module objectives_module = {
	.name = "objectives", API_ROUTES(routes), API_STATEMENTS(statements),
};
