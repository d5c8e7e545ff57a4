/*
 * actions.c - the actions of a plan: the list, one action with its
 * history, a new action and a PATCH of its fixed fields (routes and SQL
 * in module.c, rules in domain/action_plan.c).
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
#include "util/buf.h"

const struct edit_kind ap_action_edit = {
	.name = "action",
	.lock = "ap_action_lock",
	.get = "ap_action_get",
};

static void action_not_found(struct response *res)
{
	edit_not_found(res, &ap_action_edit);
}

/* The action with its whole update history, oldest first. */
static json_t *action_with_history(struct request *req, struct response *res, const char *id)
{
	const char *p[1] = { id };
	PGresult *r = NULL;
	json_t *action, *updates;

	if (api_exec_or_respond(req, res, "ap_action_get", 1, p, &r))
		return NULL;
	if (PQntuples(r) != 1) {
		PQclear(r);
		action_not_found(res);
		return NULL;
	}
	action = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
	PQclear(r);
	r = NULL;
	if (!action)
		goto internal;
	if (api_exec_or_respond(req, res, "ap_action_updates", 1, p, &r))
		goto fail;
	updates = json_array();
	for (int i = 0; updates && i < PQntuples(r); i++)
		if (json_array_append_new(updates, list_row_json_text(r, i))) {
			json_decref(updates);
			updates = NULL;
		}
	PQclear(r);
	/* json_object_set_new takes updates even when it fails. */
	if (!updates || json_object_set_new(action, "updates", updates))
		goto internal;
	return action;
internal:
	problem_send_internal(res);
fail:
	json_decref(action);
	return NULL;
}

/* The action and its whole update history; a write (not a GET) also
 * carries its version's ETag and, for 201, its Location. */
static void respond_action(struct request *req, struct response *res, const char *id, int status)
{
	json_t *a = action_with_history(req, res, id);
	char etag[32];

	if (!a)
		return;
	snprintf(etag, sizeof(etag), "%lld",
		 (long long)json_integer_value(json_object_get(a, "version")));
	response_json(res, status, a);
	if (res->status != status || req->method == HTTP_GET)
		return;
	response_version_etag(res, etag);
	if (status == 201)
		response_location(res, "/v1/actions/%s", id);
}

void ap_respond(struct request *req, struct response *res, const char *id, int status)
{
	respond_action(req, res, id, status);
}

void action_get(struct request *req, struct response *res)
{
	const char *id = request_param(req, "id");

	if (!uuid_is_valid(id)) {
		action_not_found(res);
		return;
	}
	if (!request_db_or_respond(req, res))
		return;
	respond_action(req, res, id, 200);
}

/* The statement parameters of an action's fixed fields, from av; the
 * indicators as a text[] literal in lit.  0, or -1 when memory runs out. */
static int action_params(const struct action_values *av, struct buf *lit, const char *p[8])
{
	if (buf_append_char(lit, '{'))
		return -1;
	for (size_t i = 0; i < av->nindicators; i++)
		if (buf_appendf(lit, "%s%s", i ? "," : "", av->indicators[i]))
			return -1;
	if (buf_append_char(lit, '}'))
		return -1;
	p[0] = av->reference;
	p[1] = av->title;
	p[2] = av->description;
	p[3] = av->outcome;
	p[4] = av->lead;
	p[5] = av->start_date;
	p[6] = av->due_date;
	p[7] = buf_cstr(lit);
	return 0;
}

static void duplicate_reference(struct response *res)
{
	json_t *errors = json_pack("[{s:s, s:s}]", "pointer", "/reference",
				   "detail", "is already used by another action of this plan");

	problem_send_errors(res, 409, "duplicate-action-reference", "Duplicate action reference",
			    "This plan already has an action with this reference.", errors);
}

/* Inserts the action into plan_id: its new id into id (40 bytes), or -1
 * with the problem (409 for a reference the plan has) in res. */
static int action_insert_or_respond(struct request *req, struct response *res,
				    const char *plan_id, const struct action_values *av, char *id)
{
	struct buf lit = BUF_INIT;
	const char *p[9] = { plan_id };
	PGresult *r = NULL;
	int rc = -1;

	if (action_params(av, &lit, p + 1)) {
		problem_send_internal(res);
	} else if (api_exec_or_respond(req, res, "ap_action_insert", 9, p, &r) == 0) {
		if (PQntuples(r) == 1) {
			snprintf(id, 40, "%s", PQgetvalue(r, 0, 0));
			rc = 0;
		} else {
			duplicate_reference(res);
		}
	}
	PQclear(r);
	buf_release(&lit);
	return rc;
}

void action_create(struct request *req, struct response *res)
{
	json_t *body = request_json_or_respond(req, res);
	struct validation v;
	struct action_values av;
	char plan_id[24], id[40];

	validation_init(&v);
	if (!body || ap_plan_id_or_respond(req, res, request_param(req, "id"), plan_id))
		goto done;
	action_validate(&v, body, &av);
	if (edit_valid_or_respond(res, &v) ||
	    action_insert_or_respond(req, res, plan_id, &av, id))
		goto done;
	snprintf(res->audit_target, sizeof(res->audit_target), "%s", id);
	ap_respond(req, res, id, 201);
done:
	validation_release(&v);
	json_decref(body);
}

/* ---- GET /v1/action-plans/{id}/actions ------------------------------------------ */

static const struct csv_column action_columns[] = {
	{ "id", "/id" },
	{ "plan", "/plan" },
	{ "reference", "/reference" },
	{ "title", "/title" },
	{ "outcome", "/outcome" },
	{ "lead", "/lead" },
	{ "start_date", "/start_date" },
	{ "due_date", "/due_date" },
	{ "status", "/status" },
	{ "rag", "/rag" },
	{ "overdue", "/overdue" },
	{ "indicators", "/indicators" },
	{ "version", "/version" },
};

static const char *const sorts[] = { "due_date", "reference", NULL };
static const char *const booleans[] = { "true", "false", NULL };

/* Both orders page by (due date, reference, id); the reference order
 * ignores the due date (module.c), and a cursor of one order is foreign
 * to the other. */
#define ACTION_KEYS CURSOR_KEY_DATE, CURSOR_KEY_TEXT, CURSOR_KEY_UUID
static const struct cursor_spec by_due_date = CURSOR_SPEC("actions.due_date", ACTION_KEYS);
static const struct cursor_spec by_reference = CURSOR_SPEC("actions.reference", ACTION_KEYS);
/* The spec here is by_due_date; the page read says which order is used. */
static const struct list_query action_query = {
	&by_due_date, "ap_actions", LIST_KEY_COLS(1, 2, 3), NULL, LIST_CSV(action_columns), NULL, NULL,
};

struct action_filters {
	const char *status, *rag, *outcome, *lead, *overdue, *sort;
};

static int filters_or_respond(struct request *req, struct response *res, struct action_filters *f)
{
	if (request_enum_or_respond(req, res, "status", action_statuses, NULL, &f->status) ||
	    request_enum_or_respond(req, res, "rag", action_rags, NULL, &f->rag) ||
	    request_single_or_respond(req, res, "outcome", &f->outcome) ||
	    request_single_or_respond(req, res, "lead", &f->lead) ||
	    request_enum_or_respond(req, res, "overdue", booleans, NULL, &f->overdue) ||
	    request_enum_or_respond(req, res, "sort", sorts, "due_date", &f->sort))
		return -1;
	if (f->outcome && !code_is_valid(f->outcome)) {
		problem_send_bad_parameter(res, "outcome", "must be an outcome code such as equal-access");
		return -1;
	}
	if (f->lead && !code_is_valid(f->lead)) {
		problem_send_bad_parameter(res, "lead", "must be a directorate code such as adults-and-health");
		return -1;
	}
	return 0;
}

void action_list(struct request *req, struct response *res)
{
	struct action_filters f;
	struct list_page page;
	char plan_id[24];

	if (filters_or_respond(req, res, &f) ||
	    list_page_or_respond(req, res, strcmp(f.sort, "due_date") == 0 ? &by_due_date
				 : &by_reference, &page) ||
	    ap_plan_id_or_respond(req, res, request_param(req, "id"), plan_id))
		return;
	{
		const char *filters[7] = { plan_id, f.status, f.rag, f.outcome, f.lead, f.overdue,
					   f.sort };

		list_run_page(req, res, &action_query, &page, filters, 7,
			      json_pack("{s:s}", "sort", f.sort));
	}
}

/* ---- PATCH /v1/actions/{id} ---------------------------------------------------- */

/* The fixed fields of action id (in plan_id) become av's, unless another
 * action of the plan has its reference (409). */
static int action_update_or_respond(struct request *req, struct response *res, const char *id,
				    const char *plan_id, const struct action_values *av)
{
	const char *taken[3] = { plan_id, av->reference, id };
	const char *p[9] = { id };
	struct buf lit = BUF_INIT;
	PGresult *r = NULL;
	int rc = -1;

	if (api_exec_or_respond(req, res, "ap_ref_taken", 3, taken, &r))
		goto done;
	if (PQntuples(r) > 0) {
		duplicate_reference(res);
		goto done;
	}
	if (action_params(av, &lit, p + 1)) {
		problem_send_internal(res);
		goto done;
	}
	rc = api_exec_or_respond(req, res, "ap_action_update", 9, p, NULL);
done:
	PQclear(r);
	buf_release(&lit);
	return rc;
}

void action_patch(struct request *req, struct response *res)
{
	json_t *merged = NULL;
	struct action_values av;
	struct edit e;

	edit_init(&e, &ap_action_edit, request_param(req, "id"));
	if (edit_id_or_respond(res, &e) || !edit_body_or_respond(req, res, &e) ||
	    edit_lock_or_respond(req, res, &e, NULL, EDIT_IF_MATCH_REQUIRED) ||
	    !(merged = edit_merged_or_respond(res, &e, e.body, action_fields, &e.v)))
		goto done;
	action_patch_validate(&e.v, e.body, merged, &av);
	if (edit_valid_or_respond(res, &e.v) == 0 &&
	    action_update_or_respond(req, res, e.id, edit_column(&e, AP_LOCK_PLAN), &av) == 0)
		ap_respond(req, res, e.id, 200);
done:
	edit_release(&e, res);
	json_decref(merged);
}
