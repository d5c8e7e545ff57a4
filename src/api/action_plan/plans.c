/*
 * plans.c - the action plans themselves: the list, one plan, its summary
 * and a new plan (routes and SQL in module.c).
 */
#include <stdio.h>
#include <string.h>

#include "api/action_plan/action_plan.h"
#include "api/api.h"
#include "api/common.h"
#include "api/kit/list.h"
#include "domain/action_plan.h"
#include "http/request.h"
#include "http/response.h"

static void plan_not_found(struct response *res)
{
	problem_send(res, 404, "not-found", "Not found",
		     "There is no action plan with that id; plans are named like 2024-25, or current.");
}

/* JSON text from the database as the response body. */
static void respond_text(struct response *res, int status, const char *text)
{
	json_t *body = json_loads(text, 0, NULL);

	if (!body) {
		problem_send_internal(res);
		return;
	}
	response_json(res, status, body);
}

/* The one row of a plan statement (ap_plan_get, ap_summary) for id. */
static int plan_row_or_respond(struct request *req, struct response *res, const char *stmt,
			       const char *id, PGresult **out)
{
	const char *p[1] = { id };

	*out = NULL;
	if (!action_plan_id_is_valid(id)) {
		plan_not_found(res);
		return -1;
	}
	if (!req->db && !request_db_or_respond(req, res))
		return -1;
	if (api_exec_or_respond(req, res, stmt, 1, p, out))
		return -1;
	if (PQntuples(*out) != 1) {
		PQclear(*out);
		*out = NULL;
		plan_not_found(res);
		return -1;
	}
	return 0;
}

/* The plan named by id: its JSON text (column 0) and database id
 * (column 1) in *out, which the caller clears; or -1 with a 404 or 503. */
static int plan_lookup_or_respond(struct request *req, struct response *res, const char *id,
				  PGresult **out)
{
	return plan_row_or_respond(req, res, "ap_plan_get", id, out);
}

int ap_plan_id_or_respond(struct request *req, struct response *res, const char *id,
			  char out[24])
{
	PGresult *r = NULL;

	if (plan_lookup_or_respond(req, res, id, &r))
		return -1;
	snprintf(out, 24, "%s", PQgetvalue(r, 0, 1));
	PQclear(r);
	return 0;
}

/* ---- the summary ------------------------------------------------------------ */

static const struct csv_column summary_columns[] = {
	{ "outcome", "/outcome" },
	{ "total", "/total" },
	{ "not_started", "/by_status/not_started" },
	{ "in_progress", "/by_status/in_progress" },
	{ "complete", "/by_status/complete" },
	{ "cancelled", "/by_status/cancelled" },
	{ "deferred", "/by_status/deferred" },
	{ "red", "/by_rag/red" },
	{ "amber", "/by_rag/amber" },
	{ "green", "/by_rag/green" },
	{ "not_rated", "/by_rag/not_rated" },
	{ "overdue", "/overdue" },
	{ "complete_share", "/complete_share" },
};

/* CSV: one row for the whole plan (outcome empty), then one per outcome. */
static void summary_csv(struct request *req, struct response *res, const json_t *s)
{
	json_t *rows = json_array(), *o;
	size_t i;

	/* json_array_append_new takes the copy even when it fails. */
	if (!rows || json_array_append_new(rows, json_deep_copy(json_object_get(s, "overall"))))
		goto oom;
	json_array_foreach(json_object_get(s, "outcomes"), i, o)
		if (json_array_append(rows, o))
			goto oom;
	response_list(req, res, rows, json_pack("{s:O}", "plan", json_object_get(s, "plan")), NULL,
		      summary_columns, API_COUNT(summary_columns));
	return;
oom:
	json_decref(rows);
	problem_send_internal(res);
}

void plan_summary(struct request *req, struct response *res)
{
	PGresult *r = NULL;
	json_t *s;

	if (plan_row_or_respond(req, res, "ap_summary", request_param(req, "id"), &r))
		return;
	s = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
	PQclear(r);
	if (!s) {
		problem_send_internal(res);
		return;
	}
	if (req->format != FORMAT_CSV) {
		response_json(res, 200, s);
		return;
	}
	summary_csv(req, res, s);
	json_decref(s);
}

/* ---- plans ------------------------------------------------------------------ */

static const struct csv_column plan_columns[] = {
	{ "id", "/id" },
	{ "title", "/title" },
	{ "period", "/period/label" },
	{ "start", "/period/start" },
	{ "end", "/period/end" },
	{ "status", "/status" },
	{ "action_count", "/action_count" },
};

/* Oldest first: by the day the plan starts, then its id. */
static const struct list_query plan_query = {
	LIST_KEYSET("action-plans", CURSOR_KEY_DATE, CURSOR_KEY_INT), "ap_plan_list",
	LIST_KEY_COLS(1, 2), NULL, LIST_CSV(plan_columns), NULL, "ap_plan_total",
};

void plan_list(struct request *req, struct response *res)
{
	list_run_filtered(req, res, &plan_query, "status", action_plan_statuses);
}

void plan_get(struct request *req, struct response *res)
{
	PGresult *r = NULL;

	if (plan_lookup_or_respond(req, res, request_param(req, "id"), &r))
		return;
	respond_text(res, 200, PQgetvalue(r, 0, 0));
	PQclear(r);
}

/* At most one plan is current. */
static int current_free_or_respond(struct request *req, struct response *res, const char *status)
{
	PGresult *r = NULL;
	bool taken;

	if (strcmp(status, "current") != 0)
		return 0;
	if (api_exec_or_respond(req, res, "ap_current_taken", 0, NULL, &r))
		return -1;
	taken = PQntuples(r) > 0;
	PQclear(r);
	if (taken)
		problem_send(res, 409, "current-plan-exists", "Current plan exists",
			     "Another plan is current; a new plan may be draft or closed.");
	return taken ? -1 : 0;
}

static int plan_insert_or_respond(struct request *req, struct response *res,
				  const struct action_plan_values *pv)
{
	const char *p[6] = { pv->slug, pv->title, pv->description, pv->starts_on, pv->ends_on,
			     pv->status };
	PGresult *r = NULL;
	bool inserted;

	if (api_exec_or_respond(req, res, "ap_plan_insert", 6, p, &r))
		return -1;
	inserted = PQntuples(r) == 1;
	PQclear(r);
	if (!inserted)
		problem_send_errors(res, 409, "duplicate-action-plan", "Duplicate action plan",
				    "There is already a plan starting in that financial year.",
				    json_pack("[{s:s, s:s}]", "pointer", "/period",
					      "detail", "already has a plan"));
	return inserted ? 0 : -1;
}

void plan_create(struct request *req, struct response *res)
{
	json_t *body = request_json_or_respond(req, res);
	struct validation v;
	struct action_plan_values pv;
	PGresult *r = NULL;

	validation_init(&v);
	if (!body)
		goto done;
	action_plan_validate(&v, body, &pv);
	if (edit_valid_or_respond(res, &v) || current_free_or_respond(req, res, pv.status) ||
	    plan_insert_or_respond(req, res, &pv))
		goto done;
	snprintf(res->audit_target, sizeof(res->audit_target), "%s", pv.slug);
	if (plan_lookup_or_respond(req, res, pv.slug, &r))
		goto done;
	respond_text(res, 201, PQgetvalue(r, 0, 0));
	if (res->status == 201)
		response_location(res, "/v1/action-plans/%s", pv.slug);
done:
	PQclear(r);
	validation_release(&v);
	json_decref(body);
}
