/*
 * organisations.c - the handlers of /v1/organisations (routes and SQL in
 * module.c; who may change what in domain/organisation.c).
 */
#include <stdio.h>

#include "api/api.h"
#include "api/common.h"
#include "api/kit/edit.h"
#include "api/kit/list.h"
#include "api/organisations/organisations.h"
#include "domain/apikey.h"
#include "domain/organisation.h"
#include "http/request.h"
#include "http/response.h"

#define NOT_FOUND "There is no organisation with that slug."

static bool slug_valid(const char *slug)
{
	return code_is_valid(slug);
}

static const struct edit_kind organisation_edit = {
	.name = "organisation",
	.not_found = NOT_FOUND,
	.lock = "org_lock",
	.get = "org_get",
	.location = "/v1/organisations/",
	.scoped = true,
	.id_valid = slug_valid,
};

static const struct csv_column organisation_columns[] = {
	{ "slug", "/slug" },
	{ "name", "/name" },
	{ "kind", "/kind" },
	{ "equalities_policy_url", "/equalities_policy_url" },
	{ "policy_reviewed_on", "/policy_reviewed_on" },
	{ "returns_on_time", "/return_outcomes/on_time" },
	{ "returns_late", "/return_outcomes/late" },
	{ "returns_overdue", "/return_outcomes/overdue" },
	{ "returns_returned", "/return_outcomes/returned" },
	{ "returns_open", "/return_outcomes/open" },
	{ "version", "/version" },
};

static const struct list_query organisation_query = {
	LIST_KEYSET("organisations", CURSOR_KEY_TEXT), "org_list", LIST_KEY_COLS(1), NULL,
	LIST_CSV(organisation_columns), NULL, "org_total",
};

void organisation_list(struct request *req, struct response *res)
{
	list_run_filtered(req, res, &organisation_query, "kind", organisation_kinds);
}

void organisation_get(struct request *req, struct response *res)
{
	const char *slug = request_param(req, "slug");

	api_record_respond(req, res, "org_public", slug, slug_valid(slug), NOT_FOUND);
}

/* A key of the council holding admin manages every organisation. */
static bool council(const struct request *req)
{
	return (req->auth.scopes & SCOPE_ADMIN) && organisation_kind_is_council(req->auth.org_kind);
}

static const char *member(const json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}

void organisation_create(struct request *req, struct response *res)
{
	static const struct api_conflict duplicate = {
		"duplicate-organisation", "Duplicate organisation",
		"There is already an organisation with this slug.", "/slug",
		"is already used by another organisation",
	};
	json_t *body = request_json_or_respond(req, res);
	const char *p[5];
	char slug[72];

	if (!body)
		return;
	if (!council(req)) {
		problem_send(res, 403, "forbidden", "Forbidden", "Only the council adds organisations.");
		goto done;
	}
	p[0] = member(body, "slug");
	p[1] = member(body, "name");
	p[2] = member(body, "kind");
	p[3] = member(body, "equalities_policy_url");
	p[4] = member(body, "policy_reviewed_on");
	/* organisations' trigger (migration 0011) tells the caches. */
	if (api_insert_unique_or_respond(req, res, "org_insert", 5, p, slug, sizeof(slug), &duplicate) ||
	    edit_answer(req, res, &organisation_edit, slug, 201))
		goto done;   /* the problem is in res */
done:
	json_decref(body);
}

void organisation_patch(struct request *req, struct response *res)
{
	bool by_council = council(req);
	json_t *merged = NULL;
	struct edit e;
	const char *p[4];

	edit_init(&e, &organisation_edit, request_param(req, "slug"));
	if (edit_id_or_respond(res, &e) || !edit_body_or_respond(req, res, &e) ||
	    edit_lock_or_respond(req, res, &e, by_council ? NULL : req->auth.org_id,
				 EDIT_IF_MATCH_REQUIRED) ||
	    !(merged = edit_merged_or_respond(res, &e, e.body, organisation_fields, &e.v)))
		goto done;
	organisation_patch_check(&e.v, e.body, by_council);
	if (edit_valid_or_respond(res, &e.v))
		goto done;
	p[0] = e.id;
	p[1] = member(merged, "name");
	p[2] = member(merged, "equalities_policy_url");
	p[3] = member(merged, "policy_reviewed_on");
	if (api_exec_or_respond(req, res, "org_update", 4, p, NULL) ||
	    edit_finish(req, res, &e, NULL, 200))
		goto done;   /* the problem is in res */
done:
	edit_release(&e, res);
	json_decref(merged);
}
