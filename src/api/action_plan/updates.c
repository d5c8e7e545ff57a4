/*
 * updates.c - POST /v1/actions/{id}/updates: a progress update, which
 * sets the action's status and RAG (routes and SQL in module.c, rules in
 * domain/action_plan.c).
 */
#include <stdio.h>

#include "api/action_plan/action_plan.h"
#include "api/common.h"
#include "domain/action_plan.h"
#include "http/request.h"
#include "http/response.h"

/* Today in London, for dates that may not be in the future. */
static int today_or_respond(struct request *req, struct response *res, struct date *today)
{
	PGresult *r = NULL;
	int rc;

	if (api_exec_or_respond(req, res, "ap_today", 0, NULL, &r))
		return -1;
	rc = date_parse(PQgetvalue(r, 0, 0), today);
	PQclear(r);
	if (rc != 0)
		problem_send_internal(res);
	return rc ? -1 : 0;
}

static int update_insert_or_respond(struct request *req, struct response *res, const char *id,
				    const struct action_update_values *uv)
{
	char date[11];
	const char *p[9] = {
		id, date, uv->status, uv->rag, uv->note, uv->reason, req->auth.org_id,
		req->auth.key_prefix, req->request_id,
	};

	if (date_format(&uv->date, date, sizeof(date)) < 0) {
		problem_send_internal(res);
		return -1;
	}
	return api_exec_or_respond(req, res, "ap_update_insert", 9, p, NULL);
}

void update_create(struct request *req, struct response *res)
{
	struct action_update_values uv;
	struct date today, last;
	bool have_last;
	struct edit e;

	edit_init(&e, &ap_action_edit, request_param(req, "id"));
	/* Updates are only added, never edited: If-Match is not looked at. */
	if (edit_id_or_respond(res, &e) || !edit_body_or_respond(req, res, &e) ||
	    today_or_respond(req, res, &today) ||
	    edit_lock_or_respond(req, res, &e, NULL, EDIT_IF_MATCH_UNUSED))
		goto done;
	have_last = date_parse(edit_column(&e, AP_LOCK_LAST_UPDATE), &last) == 0;
	action_update_validate(&e.v, e.body, edit_column(&e, AP_LOCK_STATUS),
			       have_last ? &last : NULL, &today, &uv);
	if (edit_valid_or_respond(res, &e.v) == 0 &&
	    update_insert_or_respond(req, res, e.id, &uv) == 0)
		ap_respond(req, res, e.id, 201);
done:
	edit_release(&e, res);
}
