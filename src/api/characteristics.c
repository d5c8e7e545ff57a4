/*
 * characteristics.c - GET /v1/characteristics and /v1/characteristics/{code}:
 * the protected characteristics of the Equality Act 2010 and the categories
 * (after the ONS Census 2021 classifications) in which they are counted.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "api/kit/list.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"

/* One row per category; characteristics are paged, their categories come
 * whole. */
#define CHARACTERISTIC_COLUMNS \
	"c.code, c.name, c.protected_characteristic, c.universe, " \
	"cat.code, cat.name, cat.parent_code"

static const struct db_statement statements[] = {
	{ "characteristics_list",
	  "WITH page AS (SELECT * FROM characteristics"
	  "  WHERE ($1::text IS NULL OR code > $1) ORDER BY code LIMIT $2)"
	  " SELECT " CHARACTERISTIC_COLUMNS " FROM page c"
	  " LEFT JOIN categories cat ON cat.characteristic_code = c.code"
	  " ORDER BY c.code, cat.sort_order, cat.code", 2 },
	{ "characteristics_get",
	  "SELECT " CHARACTERISTIC_COLUMNS " FROM characteristics c"
	  " LEFT JOIN categories cat ON cat.characteristic_code = c.code"
	  " WHERE c.code = $1 ORDER BY cat.sort_order, cat.code", 1 },
};

/* CSV is flat: one row per category. */
static const struct csv_column csv_columns[] = {
	{ "characteristic", "/characteristic" },
	{ "characteristic_name", "/characteristic_name" },
	{ "protected_characteristic", "/protected_characteristic" },
	{ "category", "/code" },
	{ "category_name", "/name" },
	{ "parent", "/parent" },
};

/* Fold the rows into characteristics with their category arrays.  Rows
 * arrive grouped by characteristic.  Returns the array, or NULL. */
static json_t *fold(const PGresult *r, int limit, int *nchars_out)
{
	json_t *list = json_array(), *cur = NULL, *cats = NULL;
	const char *cur_code = NULL;
	int n = PQntuples(r), nchars = 0;

	for (int i = 0; i < n && list; i++) {
		const char *code = PQgetvalue(r, i, 0);

		if (!cur_code || strcmp(cur_code, code) != 0) {
			if (nchars == limit)
				break;
			cats = json_array();
			cur = json_pack("{s:s, s:s, s:s, s:s, s:o}", "code", code,
					"name", PQgetvalue(r, i, 1),
					"protected_characteristic", PQgetvalue(r, i, 2),
					"universe", PQgetvalue(r, i, 3), "categories", cats);
			if (!cur || json_array_append_new(list, cur)) {
				json_decref(list);
				return NULL;
			}
			cur_code = code;
			nchars++;
		}
		if (!PQgetisnull(r, i, 4))
			json_array_append_new(cats, json_pack("{s:s, s:s, s:s?}",
				"code", PQgetvalue(r, i, 4), "name", PQgetvalue(r, i, 5),
				"parent", db_get_text(r, i, 6)));
	}
	*nchars_out = nchars;
	return list;
}

static json_t *flatten(json_t *list)
{
	json_t *rows = json_array(), *ch, *cat;
	size_t i, k;

	json_array_foreach(list, i, ch) {
		json_array_foreach(json_object_get(ch, "categories"), k, cat) {
			json_t *row = json_deep_copy(cat);

			json_object_set(row, "characteristic", json_object_get(ch, "code"));
			json_object_set(row, "characteristic_name", json_object_get(ch, "name"));
			json_object_set(row, "protected_characteristic",
					json_object_get(ch, "protected_characteristic"));
			json_array_append_new(rows, row);
		}
	}
	json_decref(list);
	return rows;
}

/* Pages by characteristic code: a page holds whole characteristics, each
 * with all of its categories, so the statement limits characteristics,
 * not rows, and the kit's row-per-item answer does not fit. */
static const struct cursor_spec characteristic_keyset =
	CURSOR_SPEC("characteristics", CURSOR_KEY_TEXT);

static void characteristics_list(struct request *req, struct response *res)
{
	struct list_page page;
	PGresult *r = NULL;
	json_t *data;
	const char *last = NULL;
	int nchars = 0;

	if (list_page_or_respond(req, res, &characteristic_keyset, &page) ||
	    !request_db_or_respond(req, res))
		return;
	{
		const char *params[2] = { list_after(&page, 0), page.fetch };

		if (api_exec_or_respond(req, res, "characteristics_list", 2, params, &r))
			return;
	}
	data = fold(r, (int)page.limit, &nchars);
	if (data && nchars == page.limit) {
		/* Is there a characteristic beyond this page?  The key is
		 * copied: flattening for CSV frees the object it is in. */
		const char *code = json_string_value(json_object_get(json_array_get(data, (size_t)nchars - 1), "code"));

		for (int i = 0; code && i < PQntuples(r); i++)
			if (strcmp(PQgetvalue(r, i, 0), code) > 0) {
				last = request_strdup(req, code);
				if (!last) {
					json_decref(data);
					data = NULL;
				}
				break;
			}
	}
	PQclear(r);
	if (data && req->format == FORMAT_CSV)
		data = flatten(data);
	/* CSV has no meta, so the count list_respond puts there is the
	 * number of characteristics (JSON) whatever the CSV rows are. */
	list_respond(req, res, &page, data, last ? &last : NULL, NULL,
		     csv_columns, API_COUNT(csv_columns));
}

static void characteristics_get(struct request *req, struct response *res)
{
	const char *code = request_param(req, "code");
	char missing[160];
	PGresult *r;
	json_t *list;
	int n = 0;

	snprintf(missing, sizeof(missing),
		 "There is no characteristic '%s'; see /v1/characteristics.", code);
	if (api_found_or_respond(req, res, "characteristics_get", code, code_is_valid(code),
				 "There is no characteristic with that code.", missing, &r))
		return;
	/* The statement's LEFT JOIN gives a row even with no categories. */
	list = fold(r, 1, &n);
	PQclear(r);
	if (!list) {
		problem_send_internal(res);
		return;
	}
	response_json(res, 200, json_incref(json_array_get(list, 0)));
	json_decref(list);
}

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/v1/characteristics", .handler = characteristics_list, .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = DATA_REFERENCE },
	{ .method = HTTP_GET, .template = "/v1/characteristics/{code}", .handler = characteristics_get, .flags = ROUTE_PUBLIC, .depends = DATA_REFERENCE },
};

const struct api_module characteristics_module = {
	.name = "characteristics", API_ROUTES(routes), API_STATEMENTS(statements),
};
