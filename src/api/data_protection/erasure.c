/*
 * erasure.c - the council's erasure of a hate-crime report and redaction
 * of free text (a report's reasons, an action update's note or reason).
 * Each takes a reason, which the audit event of the request keeps; the
 * work is the SQL functions of migrations/0015.
 */
#include <stdio.h>
#include <stdlib.h>

#include "api/common.h"
#include "api/data_protection/dp.h"

#define REPORT_MISSING "No hate-crime report has this id."

/* ---- POST /v1/hate-crime/reports/{id}/erasure -------------------------------- */

void report_erase(struct request *req, struct response *res)
{
	const char *id = request_param(req, "id");
	PGresult *r = NULL;

	dp_audit_reason(req, res);
	snprintf(res->audit_target, sizeof(res->audit_target), "%s", id);
	if (dp_council_or_respond(req, res) ||
	    api_found_or_respond(req, res, "dp_erase", id, uuid_is_valid(id), REPORT_MISSING,
				 REPORT_MISSING, &r))
		return;
	response_json(res, 200, json_pack("{s:s, s:b, s:s}", "id", id, "erased", 1,
					  "erased_at", PQgetvalue(r, 0, 0)));
	PQclear(r);
}

/* ---- redactions ------------------------------------------------------------------ */

/* Run stmt with params (the last one the body's fields as text[]) and answer
 * with the one row's JSON, or 404 missing. */
static void redact(struct request *req, struct response *res, const char *stmt, int nparams,
		   const char **p, const char *missing)
{
	PGresult *r = NULL;

	dp_audit_reason(req, res);
	if (dp_council_or_respond(req, res))
		return;
	p[nparams - 1] = dp_text_array(req, json_object_get(req->json, "fields"));
	if (!p[nparams - 1]) {
		problem_send_internal(res);
		return;
	}
	if (api_exec_or_respond(req, res, stmt, nparams, p, &r))
		return;
	if (PQntuples(r) == 0)
		problem_send(res, 404, "not-found", "Not found", missing);
	else
		response_json(res, 200, json_loads(PQgetvalue(r, 0, 0), 0, NULL));
	PQclear(r);
}

void report_redact(struct request *req, struct response *res)
{
	const char *id = request_param(req, "id");
	const char *p[2] = { id, NULL };

	snprintf(res->audit_target, sizeof(res->audit_target), "%s", id);
	if (!uuid_is_valid(id)) {
		problem_send(res, 404, "not-found", "Not found", REPORT_MISSING);
		return;
	}
	redact(req, res, "dp_report_redact", 2, p, REPORT_MISSING);
}

void action_update_redact(struct request *req, struct response *res)
{
	static const char missing[] = "This action has no update with this sequence number.";
	const char *id = request_param(req, "id");
	const char *seq = request_param(req, "sequence");
	const char *p[3] = { id, seq, NULL };
	char *end;
	long n = strtol(seq, &end, 10);

	snprintf(res->audit_target, sizeof(res->audit_target), "%s/%s", id, seq);
	if (!uuid_is_valid(id) || *end || n < 1 || n > 1000000) {
		problem_send(res, 404, "not-found", "Not found", missing);
		return;
	}
	redact(req, res, "dp_update_redact", 3, p, missing);
}
