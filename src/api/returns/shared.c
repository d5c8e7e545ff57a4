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
	const json_t *adult = json_object_get(body, "adult_total");
	const json_t *notes = json_object_get(body, "notes");

	snprintf(c->total, sizeof(c->total), "%lld",
		 (long long)json_integer_value(json_object_get(body, "total")));
	snprintf(c->adult_buf, sizeof(c->adult_buf), "%lld", (long long)json_integer_value(adult));
	c->adult = json_is_integer(adult) ? c->adult_buf : NULL;
	c->notes = json_string_value(notes);
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

/* One characteristic a return for a window with rules must give. */
static json_t *characteristic_json_new(const struct return_rules *rules, const char *ch)
{
	bool hr = rules->hr_age_bands && strcmp(ch, "age") == 0;
	bool adult = return_adult_only(ch) && !rules->adults_only;
	char url[96];
	json_t *codes = json_null();

	snprintf(url, sizeof(url), "/v1/characteristics/%s", ch);
	if (hr) {
		codes = json_array();
		for (size_t b = 0; codes && return_hr_age_bands[b]; b++)
			(void)json_array_append_new(codes, json_string(return_hr_age_bands[b]));
	}
	return json_pack("{s:s, s:b, s:s, s:o, s:o}", "code", ch, "required", 1,
			 "adds_up_to", adult ? "adult_total" : "total",
			 "categories_url", hr ? json_null() : json_string(url), "codes", codes);
}

json_t *returns_window_json_new(const char *text)
{
	json_t *w = json_loads(text, 0, NULL), *chars = json_array(), *undeclared = json_array();
	struct return_rules rules = return_rules_of(
		json_string_value(json_object_get(w, "kind")),
		json_string_value(json_object_get(w, "age_bands")),
		json_string_value(json_object_get(w, "universe")));

	for (size_t k = 0; rules.kind && chars && rules.kind->characteristics[k]; k++)
		(void)json_array_append_new(chars, characteristic_json_new(&rules, rules.kind->characteristics[k]));
	for (size_t u = 0; undeclared && return_undeclared_codes[u]; u++)
		(void)json_array_append_new(undeclared, json_string(return_undeclared_codes[u]));
	if (!w || !rules.kind || !chars || !undeclared ||
	    json_array_size(chars) != return_kind_size(rules.kind)) {
		json_decref(chars);
		json_decref(undeclared);
		json_decref(w);
		return NULL;
	}
	/* Both steal their value, even on failure. */
	if (json_object_set_new(w, "characteristics", chars) |
	    json_object_set_new(w, "undeclared_codes", undeclared)) {
		json_decref(w);
		return NULL;
	}
	return w;
}
