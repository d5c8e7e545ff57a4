/*
 * deliveries.c - POST /v1/hate-crime/deliveries: a source declares the
 * months it has delivered, whether or not they had reports.  The
 * statistics' coverage is these declarations, never the counts, so that a
 * covered month says nothing about how many reports it had.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "api/data_protection/dp.h"
#include "domain/validate.h"
#include "util/buf.h"

int dp_council_or_respond(const struct request *req, struct response *res)
{
	if (strcmp(req->auth.org_kind, "council") == 0)
		return 0;
	problem_send(res, 403, "forbidden", "Forbidden",
		     "Only the council's keys erase, redact or read the audit trail.");
	return -1;
}

void dp_audit_reason(struct request *req, struct response *res)
{
	const char *reason = json_string_value(json_object_get(req->json, "reason"));

	res->audit_reason = reason ? request_strdup(req, reason) : NULL;
}

const char *dp_text_array(struct request *req, const json_t *items)
{
	struct buf lit = BUF_INIT;
	const char *out = NULL;
	size_t i;
	json_t *item;

	if (buf_append_char(&lit, '{'))
		goto done;
	json_array_foreach(items, i, item)
		if (buf_appendf(&lit, "%s%s", i ? "," : "", json_string_value(item)))
			goto done;
	if (buf_append_char(&lit, '}') == 0)
		out = request_strdup(req, buf_cstr(&lit));
done:
	buf_release(&lit);
	return out;
}

/* 0 when no month is later than this one, else -1 after a 422 naming each. */
static int months_not_future_or_respond(struct request *req, struct response *res,
					const char *months)
{
	struct validation v;
	PGresult *r = NULL;
	int rc = -1;

	validation_init(&v);
	if (api_exec_or_respond(req, res, "dp_delivery_future", 1, &months, &r))
		goto done;
	for (int i = 0; i < PQntuples(r); i++) {
		char pointer[32];

		snprintf(pointer, sizeof(pointer), "/months/%s", PQgetvalue(r, i, 0));
		validation_add(&v, pointer, "must not be later than this month");
	}
	rc = validation_ok(&v) ? 0 : -1;
	if (rc)
		problem_send_invalid(res, validation_take_errors(&v));
done:
	PQclear(r);
	validation_release(&v);
	return rc;
}

void delivery_create(struct request *req, struct response *res)
{
	json_t *list = json_object_get(req->json, "months");
	const char *months = dp_text_array(req, list);
	const char *p[4] = { req->auth.org_id, req->auth.key_prefix, req->request_id, months };

	if (!months) {
		problem_send_internal(res);
		return;
	}
	if (months_not_future_or_respond(req, res, months) ||
	    api_exec_or_respond(req, res, "dp_delivery_put", 4, p, NULL))
		return;
	snprintf(res->audit_target, sizeof(res->audit_target), "%s", months);
	response_json(res, 201, json_pack("{s:s, s:O}", "organisation", req->auth.org_slug,
					  "months", list));
}
