/*
 * shared.c - the pieces the files of the returns resource share (see
 * returns.h).
 */
#include "api/returns/returns.h"

#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "domain/apikey.h"
#include "util/buf.h"

const struct edit_kind return_edit = {
	.name = "return",
	.not_found = "There is no return with that id that this key may see.",
	.lock = "rt_lock",
	.get = "rt_get",
	.notify = "rt_notify",
	.scoped = true,
};

bool returns_reviewer(const struct request *req)
{
	return (req->auth.scopes & SCOPE_REVIEW_RETURNS) && strcmp(req->auth.org_kind, "council") == 0;
}

const char *returns_visible_org(const struct request *req)
{
	return returns_reviewer(req) ? NULL : req->auth.org_id;
}

void returns_not_found(struct response *res, const char *what)
{
	problem_sendf(res, 404, "not-found", "Not found",
		      "There is no %s with that id that this key may see.", what);
}

void returns_respond_text(struct response *res, int status, const char *text)
{
	json_error_t error;
	json_t *body = json_loads(text, 0, &error);

	if (!body) {
		problem_send_internal(res);
		return;
	}
	response_json(res, status, body);
}

int returns_categories_load_or_respond(struct request *req, struct response *res,
				       struct returns_categories *c)
{
	int n;

	memset(c, 0, sizeof(*c));
	if (api_exec_or_respond(req, res, "rt_categories", 0, NULL, &c->r))
		return -1;
	n = PQntuples(c->r);
	c->rows = calloc((size_t)n + 1, sizeof(*c->rows));
	if (!c->rows) {
		problem_send_internal(res);
		return -1;
	}
	for (int i = 0; i < n; i++)
		c->rows[i] = (struct return_category){
			PQgetvalue(c->r, i, 0), PQgetvalue(c->r, i, 1),
			db_get_text(c->r, i, 2), PQgetvalue(c->r, i, 3),
		};
	c->cat = (struct return_catalogue){ c->rows, (size_t)n };
	return 0;
}

void returns_categories_release(struct returns_categories *c)
{
	free(c->rows);
	PQclear(c->r);
	memset(c, 0, sizeof(*c));
}

int returns_split_cursor(struct request *req, const char *key, const char **a, const char **b)
{
	const char *comma = key ? strchr(key, ',') : NULL;
	char *copy;
	size_t n;

	if (!comma)
		return -1;
	n = (size_t)(comma - key);
	if (n == 0 || n > 19 || !uuid_is_valid(comma + 1))
		return -1;
	copy = request_alloc(req, n + 1);
	if (!copy)
		return -1;
	memcpy(copy, key, n);
	copy[n] = '\0';
	*a = copy;
	*b = comma + 1;
	return 0;
}

void returns_respond_rows(struct request *req, struct response *res, PGresult *r,
			  const struct page *page, const struct csv_column *cols, size_t ncols)
{
	int n = PQntuples(r);
	json_t *data = json_array();
	const char *next = NULL;

	for (int i = 0; i < n && i < page->limit; i++) {
		json_error_t error;
		json_t *row = json_loads(PQgetvalue(r, i, 0), 0, &error);

		if (!row || json_array_append_new(data, row)) {
			json_decref(data);
			problem_send_internal(res);
			return;
		}
	}
	if (n > page->limit) {
		struct buf key = BUF_INIT;
		int last = (int)page->limit - 1;

		if (buf_appendf(&key, "%s,%s", PQgetvalue(r, last, 1), PQgetvalue(r, last, 2)) == 0)
			next = request_cursor_encode(req, buf_cstr(&key));
		buf_release(&key);
		if (!next) {
			json_decref(data);
			problem_send_internal(res);
			return;
		}
	}
	response_list(req, res, data, json_pack("{s:i}", "count", (int)json_array_size(data)),
		      next, cols, ncols);
}
