/*
 * writes.c - the council's create and PATCH of an equality impact
 * assessment: the contract checks each member, domain/impact_assessment.c
 * the rules across them, the database that linked actions exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "api/impact_assessments/impact_assessments.h"
#include "domain/apikey.h"
#include "domain/impact_assessment.h"
#include "http/request.h"
#include "http/response.h"
#include "util/buf.h"

/* An assessment as statement parameters $2..$10 of ia_insert / ia_update
 * (after the reference or id): impacts as compact JSON, actions as a
 * uuid[] literal, both owned. */
struct ia_params {
	const char *p[9];
	char *impacts;
	struct buf actions;
};

static const char *member(const json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}

/* 0, or -1 after a 500 (memory).  Release with params_release either way. */
static int params_or_respond(struct response *res, const json_t *body, struct ia_params *out)
{
	const json_t *impacts = json_object_get(body, "impacts");
	json_t *empty = json_array();
	size_t i;
	json_t *id;
	int bad = 0;

	memset(out, 0, sizeof(*out));
	buf_init(&out->actions);
	out->impacts = json_dumps(impacts ? impacts : empty, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(empty);
	bad |= !out->impacts || buf_append_char(&out->actions, '{');
	/* A body names actions by id; the current representation (under a
	 * PATCH) shows each as {id, plan, reference}. */
	json_array_foreach(json_object_get(body, "actions"), i, id)
		bad |= buf_appendf(&out->actions, "%s%s", i ? "," : "",
				   json_is_object(id) ? member(id, "id") : json_string_value(id));
	bad |= buf_append_char(&out->actions, '}');
	if (bad) {
		problem_send_internal(res);
		return -1;
	}
	out->p[0] = member(body, "title");
	out->p[1] = member(body, "service_area");
	out->p[2] = member(body, "decision");
	out->p[3] = member(body, "decision_date");
	out->p[4] = member(body, "status");
	out->p[5] = out->impacts;
	out->p[6] = buf_cstr(&out->actions);
	out->p[7] = member(body, "document_url");
	out->p[8] = member(body, "review_date");
	return 0;
}

static void params_release(struct ia_params *ip)
{
	free(ip->impacts);
	buf_release(&ip->actions);
}

/* The rules, then every linked action must exist: 0, or -1 with the 422
 * (every problem) or a 5xx in res. */
static int valid_or_respond(struct request *req, struct response *res, const json_t *body,
			    const char *was, const struct ia_params *ip, struct validation *v)
{
	PGresult *r = NULL;

	impact_assessment_validate(v, body, was);
	if (api_exec_or_respond(req, res, "ia_unknown_actions", 1, &ip->p[6], &r))
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		char at[48];

		snprintf(at, sizeof(at), "/actions/%s", PQgetvalue(r, i, 0));
		validation_add(v, at, "is not an action of any plan");
	}
	PQclear(r);
	return edit_valid_or_respond(res, v);
}

/* Only the council assesses its decisions: the scope on a key of any
 * other organisation is refused. */
static int council_or_respond(const struct request *req, struct response *res)
{
	if ((req->auth.scopes & SCOPE_MANAGE_IMPACT_ASSESSMENTS) &&
	    strcmp(req->auth.org_kind, "council") == 0)
		return 0;
	problem_send(res, 403, "forbidden", "Forbidden",
		     "Only the council manages equality impact assessments.");
	return -1;
}

static int insert_or_respond(struct request *req, struct response *res, const json_t *body,
			     const struct ia_params *ip, char id[40])
{
	static const struct api_conflict duplicate = {
		"duplicate-impact-assessment", "Duplicate impact assessment",
		"There is already an impact assessment with this reference.",
		"/reference", "is already used by another impact assessment",
	};
	const char *p[10] = { member(body, "reference") };

	memcpy(p + 1, ip->p, sizeof(ip->p));
	return api_insert_unique_or_respond(req, res, "ia_insert", 10, p, id, 40, &duplicate);
}

void ia_create(struct request *req, struct response *res)
{
	struct ia_params ip = { 0 };
	struct edit e;
	char id[40] = "";

	buf_init(&ip.actions);
	edit_init(&e, &ia_edit, id);
	/* Each step answers its own problem; the last answers 201 with the
	 * assessment, its ETag and Location, and names it the audit target. */
	if (!edit_body_or_respond(req, res, &e) || council_or_respond(req, res) ||
	    params_or_respond(res, e.body, &ip) || valid_or_respond(req, res, e.body, NULL, &ip, &e.v) ||
	    insert_or_respond(req, res, e.body, &ip, id) ||
	    edit_finish(req, res, &e, "ia_version_put", 201))
		goto done;
done:
	params_release(&ip);
	edit_clear(&e);
}

void ia_patch(struct request *req, struct response *res)
{
	json_t *merged = NULL;
	struct ia_params ip = { 0 };
	struct edit e;
	const char *p[10];

	buf_init(&ip.actions);
	edit_init(&e, &ia_edit, request_param(req, "id"));
	if (council_or_respond(req, res) || edit_id_or_respond(res, &e) ||
	    !edit_body_or_respond(req, res, &e) ||
	    edit_lock_or_respond(req, res, &e, NULL, EDIT_IF_MATCH_REQUIRED) ||
	    !(merged = edit_merged_or_respond(res, &e, e.body, impact_assessment_fields, &e.v)) ||
	    params_or_respond(res, merged, &ip) ||
	    valid_or_respond(req, res, merged, edit_column(&e, IA_LOCK_STATUS), &ip, &e.v))
		goto done;
	p[0] = e.id;
	memcpy(p + 1, ip.p, sizeof(ip.p));
	if (api_exec_or_respond(req, res, "ia_update", 10, p, NULL) ||
	    edit_finish(req, res, &e, "ia_version_put", 200))
		goto done;
done:
	edit_release(&e, res);
	params_release(&ip);
	json_decref(merged);
}
