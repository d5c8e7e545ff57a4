/*
 * objectives.c - the Strategic Equalities Objective and its outcomes:
 *
 *   GET /v1/objectives   public, by code (CSV: a row per outcome)
 *
 * An outcome's code is the one vocabulary that indicators and actions name
 * in their `outcome`; each outcome lists the indicators that measure it
 * and the actions that serve it (objective_json, migrations/0017).
 */
#include "api/api.h"
#include "api/kit/list.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"
#include "util/buf.h"

static const struct db_statement statements[] = {
	/* $1 the last row's code; $2 limit + 1. */
	{ "obj_list",
	  "SELECT objective_json(b)::text, b.code FROM objectives b"
	  " WHERE ($1::text IS NULL OR b.code > $1) ORDER BY b.code LIMIT $2", 2 },
	{ "obj_total", "SELECT count(*) FROM objectives", 0 },
};

/* CSV is flat: one row per outcome, with its objective. */
static const struct csv_column csv_columns[] = {
	{ "objective", "/objective/code" },
	{ "objective_title", "/objective/title" },
	{ "adopted_on", "/objective/adopted_on" },
	{ "outcome", "/code" },
	{ "outcome_title", "/title" },
	{ "outcome_description", "/description" },
	{ "indicators", "/indicators" },
	{ "actions", "/actions" },
};

/* The codes of indicators, or "plan reference" of actions, as one text:
 * "a; b" (a new string; NULL when memory runs out). */
static json_t *joined(const json_t *items)
{
	struct buf b = BUF_INIT;
	const json_t *it;
	size_t i;
	json_t *text;

	json_array_foreach(items, i, it)
		if ((i && buf_append_str(&b, "; ")) ||
		    (json_is_string(it) ? buf_append_str(&b, json_string_value(it))
		     : buf_appendf(&b, "%s %s", json_string_value(json_object_get(it, "plan")),
				   json_string_value(json_object_get(it, "reference"))))) {
			buf_release(&b);
			return NULL;
		}
	text = json_string(buf_cstr(&b));
	buf_release(&b);
	return text;
}

static json_t *outcome_rows(json_t *data)
{
	json_t *rows = json_array(), *objective, *outcome;
	size_t i, k;

	json_array_foreach(data, i, objective)
		json_array_foreach(json_object_get(objective, "outcomes"), k, outcome) {
			json_t *row = json_pack("{s:O, s:O?, s:O?, s:O?, s:o?, s:o?}",
				"objective", objective, "code", json_object_get(outcome, "code"),
				"title", json_object_get(outcome, "title"),
				"description", json_object_get(outcome, "description"),
				"indicators", joined(json_object_get(outcome, "indicators")),
				"actions", joined(json_object_get(outcome, "actions")));

			if (!rows || !row || json_array_append_new(rows, row)) {
				json_decref(row);
				json_decref(rows);
				rows = NULL;
			}
		}
	json_decref(data);
	return rows;
}

static const struct list_query objective_query = {
	.spec = LIST_KEYSET("objectives", CURSOR_KEY_TEXT), .statement = "obj_list",
	.key_cols = LIST_KEY_COLS(1),
	.columns = csv_columns, .ncolumns = API_COUNT(csv_columns),
	.csv_rows = outcome_rows, .total_statement = "obj_total",
};

static void objective_list(struct request *req, struct response *res)
{
	list_run(req, res, &objective_query, NULL, 0);
}

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/v1/objectives", .handler = objective_list,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV,
	  .depends = DATA_REFERENCE | DATA_ACTION_PLAN | DATA_INDICATORS },
};

const struct api_module objectives_module = {
	.name = "objectives", API_ROUTES(routes), API_STATEMENTS(statements),
};
