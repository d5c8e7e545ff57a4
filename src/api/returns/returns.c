/*
 * returns.c - a partner's return for a window: create, list, read, and
 * every submitted version.
 *
 *   POST /v1/returns                 submit:returns (partner), idempotent
 *   GET  /v1/returns                 submit:returns or review:returns (JSON or CSV)
 *   GET  /v1/returns/{id}            submit:returns or review:returns
 *   GET  /v1/returns/{id}/versions   submit:returns or review:returns
 *
 * Visibility: a council key with review:returns sees every return; any
 * other key only its own organisation's (another organisation's return is
 * 404, never 403).  The rules of a return's content are in
 * src/domain/partner_return.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "api/kit/list.h"
#include "api/returns/returns.h"
#include "domain/validate.h"

static const char *const create_fields[] = {
	"window", "total", "adult_total", "notes", "lines", NULL,
};
static const char *const return_statuses[] = { "draft", "submitted", "accepted", "returned", NULL };
static const char *const booleans[] = { "true", "false", NULL };

/* The window a new return names, judged into v: its rules (kind NULL when
 * there is none or it is not open).  -1 only for a database problem. */
static int window_rules_or_respond(struct request *req, struct response *res,
				   struct validation *v, const char *window,
				   struct return_rules *rules)
{
	const char *p[1] = { window };
	PGresult *w = NULL;

	*rules = (struct return_rules){ 0 };
	if (window && !uuid_is_valid(window)) {
		validation_add(v, "/window", "must be a return window's id (see /v1/return-windows)");
		return 0;
	}
	if (!window)
		return 0;
	if (api_exec_or_respond(req, res, "rt_window", 1, p, &w))
		return -1;
	if (PQntuples(w) != 1) {
		validation_add(v, "/window", "is not a return window (see /v1/return-windows)");
	} else {
		*rules = return_rules_of(PQgetvalue(w, 0, 0), PQgetvalue(w, 0, 3), PQgetvalue(w, 0, 4));
		if (strcmp(PQgetvalue(w, 0, 1), "t") != 0)
			validation_add(v, "/window", "is not open yet: it opens on %s", PQgetvalue(w, 0, 2));
	}
	PQclear(w);
	return 0;
}

/* The 409 for a second return to one window, naming the one there is. */
static void duplicate_send(struct request *req, struct response *res, const char *window)
{
	const char *p[2] = { window, req->auth.org_id };
	PGresult *r = NULL;
	char detail[300], why[120];
	const char *id;

	if (api_exec_or_respond(req, res, "rt_existing", 2, p, &r))
		return;
	id = PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "";
	snprintf(detail, sizeof(detail),
		 "This organisation already has a return for this window: /v1/returns/%s. Read it with GET for its ETag, then change it with PUT /v1/returns/%s.",
		 id, id);
	snprintf(why, sizeof(why), "already has a return from this organisation: %s", id);
	api_conflict_send(res, "duplicate-return", "Duplicate return", detail, "/window", why);
	PQclear(r);
}

/* Insert the return; its id into id (40 bytes), or -1 with the problem. */
static int return_insert_or_respond(struct request *req, struct response *res,
				    const char *window, const json_t *body, char *id)
{
	struct returns_content c = { 0 };
	const char *p[6] = { window, req->auth.org_id, c.total, NULL, NULL, NULL };
	int rc = -1;

	if (returns_content_or_respond(res, body, &c) == 0) {
		p[3] = c.lines;
		p[4] = c.adult;
		p[5] = c.notes;
		rc = api_insert_or_respond(req, res, "rt_insert", 6, p, id, 40);
	}
	if (rc == 1)
		duplicate_send(req, res, window);
	returns_content_release(&c);
	return rc == 0 ? 0 : -1;
}

void return_create(struct request *req, struct response *res)
{
	json_t *body = request_json_or_respond(req, res);
	struct validation v;
	struct returns_categories cat = { 0 };
	const char *window;
	char id[40];
	struct return_rules rules = { 0 };

	validation_init(&v);
	if (!body)
		goto done;
	if (strcmp(req->auth.org_kind, "partner") != 0) {
		problem_send(res, 403, "forbidden", "Forbidden",
			     "Only partner organisations submit returns; this key belongs to another kind of organisation.");
		goto done;
	}
	if (returns_categories_load_or_respond(req, res, &cat))
		goto done;
	validate_known_fields(&v, body, "", create_fields);
	window = validate_string(&v, body, "", "window", true, 36);
	if (window_rules_or_respond(req, res, &v, window, &rules))
		goto done;
	return_validate_content(&v, body, &rules, &cat.cat);
	if (edit_valid_or_respond(res, &v))
		goto done;
	/* 201 with the return, its ETag and Location; the kit names it the
	 * audit target. */
	if (return_insert_or_respond(req, res, window, body, id) ||
	    edit_answer(req, res, &return_edit, id, 201))
		goto done;
done:
	returns_categories_release(&cat);
	validation_release(&v);
	json_decref(body);
}

/* ---- reads ------------------------------------------------------------------ */

static const struct csv_column return_csv[] = {
	{ "id", "/id" },
	{ "window", "/window/id" },
	{ "kind", "/window/kind" },
	{ "period", "/window/period" },
	{ "organisation", "/organisation" },
	{ "status", "/status" },
	{ "total", "/total" },
	{ "late", "/late" },
	{ "submitted_at", "/submitted_at" },
	{ "review_outcome", "/review/outcome" },
	{ "version", "/version" },
	{ "created_at", "/created_at" },
	{ "updated_at", "/updated_at" },
};

static const struct list_query return_query = {
	LIST_KEYSET("returns", CURSOR_KEY_INT, CURSOR_KEY_UUID), "rt_list",
	LIST_KEY_COLS(1, 2), NULL, LIST_CSV(return_csv), NULL, NULL,
};

void return_list(struct request *req, struct response *res)
{
	const char *window, *status, *org, *late;
	struct list_page page;

	if (request_single_or_respond(req, res, "window", &window) ||
	    request_enum_or_respond(req, res, "status", return_statuses, NULL, &status) ||
	    request_single_or_respond(req, res, "organisation", &org) ||
	    request_enum_or_respond(req, res, "late", booleans, NULL, &late) ||
	    list_page_or_respond(req, res, return_query.spec, &page))
		return;
	if (window && !uuid_is_valid(window)) {
		problem_send_bad_parameter(res, "window", "must be a return window's id");
		return;
	}
	if (org && !code_is_valid(org)) {
		problem_send_bad_parameter(res, "organisation", "must be an organisation's slug such as partner-care");
		return;
	}
	{
		const char *filters[5] = { returns_visible_org(req), window, status, org, late };

		list_run_page(req, res, &return_query, &page, filters, 5, NULL);
	}
}

void return_get(struct request *req, struct response *res)
{
	edit_read(req, res, &return_edit, request_param(req, "id"), returns_visible_org(req));
}

void return_versions(struct request *req, struct response *res)
{
	/* A draft has no versions yet: the return is checked apart. */
	static const struct edit_history history = {
		.exists = "rt_exists", .versions = "rt_versions",
		.number = "submission", .at = "submitted_at", .record = "return",
	};

	edit_versions(req, res, &return_edit, &history, request_param(req, "id"),
		      returns_visible_org(req));
}
