/*
 * write.c - a hate-crime report submitted, corrected or withdrawn.
 *
 * One rule (src/domain/hate_crime_report.h) judges a new report and a
 * PATCH merged onto the current one; the PATCH is a versioned edit (the
 * kit locks, checks If-Match, merges, records the version and answers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "api/hate_crime_reports/reports.h"
#include "domain/hate_crime_report.h"
#include "util/buf.h"

const struct edit_kind report_edit = {
	.name = "report",
	.not_found = "There is no hate-crime report with that id that this key may see.",
	.lock = "hcr_lock",
	.get = "hcr_get",
	.location = "/v1/hate-crime/reports/",
	.scoped = true,
};

/* "{a,b}" of the pairs' characteristics (or categories) into b.  Codes
 * are [a-z0-9_-] only (code_is_valid), so they need no quoting. */
static int pairs_array(struct buf *b, const struct hcr_lookup *lk, bool categories)
{
	if (buf_append_char(b, '{'))
		return -1;
	for (size_t i = 0; i < lk->npairs; i++)
		if (buf_appendf(b, "%s%s", i ? "," : "",
				categories ? lk->pairs[i].category : lk->pairs[i].characteristic))
			return -1;
	return buf_append_char(b, '}');
}

/* Run hcr_lookup for a body.  0, or -1 with the problem in res. */
static int lookup_or_respond(struct request *req, struct response *res, const json_t *obj,
			     struct hcr_lookup *lk)
{
	struct buf chars = BUF_INIT, cats = BUF_INIT;
	PGresult *r = NULL;
	int rc = -1;

	hcr_lookup_collect(obj, lk);
	if (pairs_array(&chars, lk, false) || pairs_array(&cats, lk, true)) {
		problem_send_internal(res);
		goto done;
	}
	{
		const char *p[3] = { hcr_lookup_ward(obj), buf_cstr(&chars), buf_cstr(&cats) };

		if (api_exec_or_respond(req, res, "hcr_lookup", 3, p, &r))
			goto done;
	}
	if (date_parse(PQgetvalue(r, 0, 0), &lk->today) != 0) {
		problem_send_internal(res);
		goto done;
	}
	lk->ward_known = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	hcr_lookup_verdicts(lk, PQgetvalue(r, 0, 2));
	rc = 0;
done:
	PQclear(r);
	buf_release(&chars);
	buf_release(&cats);
	return rc;
}

/* The body judged (after its look-up); 0 with rv complete, or -1 with the
 * problem in res (422 with every problem in v). */
static int validate_or_respond(struct request *req, struct response *res, const json_t *obj,
			       struct validation *v, struct hcr_values *rv)
{
	struct hcr_lookup lk;

	if (lookup_or_respond(req, res, obj, &lk))
		return -1;
	hcr_validate(v, obj, &lk, rv);
	return edit_valid_or_respond(res, v);
}

/* The 13 values of hcr_insert ($2..$14) and hcr_update ($2..$14). */
static void values_params(const struct hcr_values *rv, const char **p)
{
	const char *values[13] = {
		rv->submitter_reference, rv->police_reference, rv->occurred_from,
		rv->occurred_to, rv->reported_on, rv->location, rv->ward, rv->strands,
		rv->other_reason, rv->offence_type, rv->channel, rv->victim, rv->suspect,
	};

	memcpy(p, values, sizeof(values));
}

static const struct api_conflict duplicate_reference = {
	"duplicate-submitter-reference", "Duplicate submitter reference",
	"This organisation already has a report with this submitter_reference.",
	"/submitter_reference", "is already used by another report of this organisation",
};

/* Insert the report; its id into id (40 bytes), or -1 with the problem. */
static int insert_or_respond(struct request *req, struct response *res,
			     const struct hcr_values *rv, char *id)
{
	const char *p[14] = { req->auth.org_id };

	values_params(rv, p + 1);
	return api_insert_unique_or_respond(req, res, "hcr_insert", 14, p, id, 40,
					    &duplicate_reference);
}

void report_create(struct request *req, struct response *res)
{
	struct hcr_values rv = { 0 };
	struct edit e;
	char id[40] = "";

	edit_init(&e, &report_edit, id);
	/* Each step answers its own problem; the last answers 201 with the
	 * report, its ETag and Location, and names it the audit target. */
	if (!edit_body_or_respond(req, res, &e) || validate_or_respond(req, res, e.body, &e.v, &rv) ||
	    insert_or_respond(req, res, &rv, id) ||
	    edit_finish(req, res, &e, "hcr_version_put", 201))
		goto done;
done:
	/* Not edit_release: nothing was locked, and the target is named only
	 * once the report exists. */
	hcr_values_release(&rv);
	edit_clear(&e);
}

/* PATCH {"status": "withdrawn", "withdrawn_reason": ...}. */
static int withdraw_or_respond(struct request *req, struct response *res, const struct edit *e,
			       const json_t *patch, struct validation *v)
{
	const char *reason = NULL;

	hcr_validate_withdrawal(v, patch, &reason);
	if (edit_valid_or_respond(res, v))
		return -1;
	{
		const char *p[3] = { e->id, reason, req->auth.org_id };

		return api_exec_or_respond(req, res, "hcr_withdraw", 3, p, NULL);
	}
}

/* Any other PATCH: merged onto the report and judged whole. */
static int correct_or_respond(struct request *req, struct response *res, const struct edit *e,
			      const json_t *patch, struct validation *v)
{
	struct hcr_values rv = { 0 };
	json_t *merged;
	PGresult *r = NULL;
	const char *p[15] = { e->id };
	int rc = -1;

	if (json_object_get(patch, "withdrawn_reason"))
		validation_add(v, "/withdrawn_reason", "is accepted only with status withdrawn");
	merged = edit_merged_or_respond(res, e, patch, hcr_create_fields, v);
	if (!merged || validate_or_respond(req, res, merged, v, &rv))
		goto done;
	{
		const char *q[3] = { req->auth.org_id, rv.submitter_reference, e->id };

		if (api_exec_or_respond(req, res, "hcr_ref_taken", 3, q, &r))
			goto done;
		if (PQntuples(r) > 0) {
			api_conflict_respond(res, &duplicate_reference);
			goto done;
		}
	}
	values_params(&rv, p + 1);
	p[14] = req->auth.org_id;
	rc = api_exec_or_respond(req, res, "hcr_update", 15, p, NULL);
done:
	PQclear(r);
	hcr_values_release(&rv);
	json_decref(merged);
	return rc;
}

void report_patch(struct request *req, struct response *res)
{
	struct edit e;

	edit_init(&e, &report_edit, request_param(req, "id"));
	if (edit_id_or_respond(res, &e) || !edit_body_or_respond(req, res, &e) ||
	    edit_lock_or_respond(req, res, &e, req->auth.org_id, EDIT_IF_MATCH_REQUIRED))
		goto done;
	if (strcmp(edit_column(&e, 2), "withdrawn") == 0) {
		problem_send(res, 409, "report-withdrawn", "Report withdrawn",
			     "A withdrawn report is kept as it is and cannot be edited.");
		goto done;
	}
	validate_known_fields(&e.v, e.body, "", hcr_patch_fields);
	if (json_object_get(e.body, "status") ? withdraw_or_respond(req, res, &e, e.body, &e.v)
					      : correct_or_respond(req, res, &e, e.body, &e.v))
		goto done;
	if (edit_finish(req, res, &e, "hcr_version_put", 200))
		goto done;
done:
	edit_release(&e, res);
}
