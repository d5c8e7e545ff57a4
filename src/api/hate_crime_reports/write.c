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
#include <time.h>

#include "api/common.h"
#include "api/hate_crime_reports/reports.h"
#include "api/kit/table_memo.h"
#include "domain/hate_crime_report.h"
#include "http/cache.h"

const struct edit_kind report_edit = {
	.name = "report",
	.not_found = "There is no hate-crime report with that id that this key may see.",
	.lock = "hcr_lock",
	.get = "hcr_get",
	.location = "/v1/hate-crime/reports/",
	.scoped = true,
};

/* The codes a report is judged against, memoised per change of the
 * reference data (areas, characteristics, categories), so that judging a
 * report costs no round trip of its own. */
struct reference {
	PGresult *wards, *characteristics, *categories;
};

static void reference_free(void *v)
{
	struct reference *t = v;

	if (!t)
		return;
	PQclear(t->wards);
	PQclear(t->characteristics);
	PQclear(t->categories);
	free(t);
}

static int reference_load(void *table, PGresult **r, unsigned threshold)
{
	struct reference *t = table;

	(void)threshold;
	t->wards = r[0];
	t->characteristics = r[1];
	t->categories = r[2];
	r[0] = r[1] = r[2] = NULL;
	return 0;
}

static const char *const reference_stmts[] = { "hcr_wards", "hcr_characteristics",
					       "hcr_categories" };
static const struct table_loader reference_loader = {
	sizeof(struct reference), reference_stmts, 3, reference_load, reference_free,
};
static struct memo references = MEMO_INIT(reference_free);

static void *reference_build(struct request *req, struct response *res, void *arg)
{
	(void)arg;
	return table_load_or_respond(req, res, &reference_loader);
}

/* Whether a row of r has a in column 0 (and b in column 1 unless NULL). */
static bool has_row(const PGresult *r, const char *a, const char *b)
{
	for (int i = 0; i < PQntuples(r); i++)
		if (strcmp(PQgetvalue(r, i, 0), a) == 0 && (!b || strcmp(PQgetvalue(r, i, 1), b) == 0))
			return true;
	return false;
}

/* What validation needs to know beyond the body: today in London (the
 * service runs in the council's time zone, main.c), whether the ward is
 * the borough's, and each (characteristic, category) pair's verdict.
 * 0, or -1 with the problem in res. */
static int lookup_or_respond(struct request *req, struct response *res, const json_t *obj,
			     struct hcr_lookup *lk)
{
	struct memo_ref ref = { 0 };
	const struct reference *t;
	const char *ward = hcr_lookup_ward(obj);
	time_t now = time(NULL);
	struct tm tm;

	hcr_lookup_collect(obj, lk);
	if (!localtime_r(&now, &tm)) {
		problem_send_internal(res);
		return -1;
	}
	if (table_memo_get_or_respond(&references, req, res, DATA_REFERENCE, "hcr_reference",
				      reference_build, NULL, &ref))
		return -1;
	t = ref.value;
	lk->today = (struct date){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
	lk->ward_known = !ward || has_row(t->wards, ward, NULL);
	memset(lk->verdict, 0, sizeof(lk->verdict));
	for (size_t i = 0; i < lk->npairs; i++)
		if (!has_row(t->categories, lk->pairs[i].characteristic, lk->pairs[i].category))
			lk->verdict[i] = has_row(t->characteristics, lk->pairs[i].characteristic, NULL)
					 ? 'c' : 'x';
	memo_release(&references, &ref);
	return 0;
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

/* The 13 values of hcr_create ($2..$14) and hcr_update ($2..$14). */
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

/* Insert the report under a new id, record its first version and answer
 * 201 with it, in one statement (edit_create); -1 with the problem. */
static int insert_or_respond(struct request *req, struct response *res, const struct edit *e,
			     const struct hcr_values *rv, char *id, size_t idlen)
{
	const char *p[15] = { req->auth.org_id };

	if (edit_new_id(id, idlen) != 0) {
		problem_send_internal(res);
		return -1;
	}
	values_params(rv, p + 1);
	p[14] = id;
	return edit_create(req, res, e, "hcr_create", 15, p, &duplicate_reference);
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
	    insert_or_respond(req, res, &e, &rv, id, sizeof(id)))
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
