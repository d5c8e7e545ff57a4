/*
 * shared.c - the pieces the files of the returns resource share (see
 * returns.h).
 */
#include "api/returns/returns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "domain/apikey.h"

const struct edit_kind return_edit = {
	.name = "return",
	.not_found = "There is no return with that id that this key may see.",
	.lock = "rt_lock",
	.get = "rt_get",
	.location = "/v1/returns/",
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

int returns_content_or_respond(struct response *res, const json_t *body, struct returns_content *c)
{
	snprintf(c->total, sizeof(c->total), "%lld",
		 (long long)json_integer_value(json_object_get(body, "total")));
	c->lines = json_dumps(json_object_get(body, "lines"), JSON_COMPACT | JSON_SORT_KEYS);
	if (c->lines)
		return 0;
	problem_send_internal(res);
	return -1;
}

void returns_content_release(struct returns_content *c)
{
	free(c->lines);
	c->lines = NULL;
}
