/*
 * pay_gaps_put.c - PUT /v1/workforce/snapshots/{as_of}/pay-gaps (admin):
 * the pay gaps an employer has published, for a snapshot loaded without
 * employee pay.  The body rules are domain/pay_gap_publication.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "api/workforce/workforce.h"
#include "domain/pay_gap_publication.h"
#include "domain/period.h"
#include "domain/validate.h"
#include "http/request.h"
#include "http/response.h"

const struct db_statement wf_publish_statements[] = {
	{ "wf_publish",
	  "SELECT outcome FROM workforce_publish_pay_gaps($1::date, $2, $3::jsonb)", 3 },
	{ "wf_publish_categories",
	  "SELECT code FROM categories WHERE parent_code IS NULL AND characteristic_code = $1"
	  " ORDER BY sort_order, code", 1 },
};
const size_t wf_publish_nstatements = sizeof(wf_publish_statements) / sizeof(wf_publish_statements[0]);

#define MAX_KNOWN 64

/* The quartile shares of characteristic pc, against its top-level
 * categories and the unknown codes; -1 after a problem in res. */
static int quartiles_or_respond(struct request *req, struct response *res, struct validation *v,
				const json_t *qs, int pc, json_t *quarts)
{
	const char *known[MAX_KNOWN], *ch = pgp_characteristics[pc];
	size_t n = 0;
	PGresult *cats = NULL;
	int rc;

	if (api_exec_or_respond(req, res, "wf_publish_categories", 1, &ch, &cats))
		return -1;
	for (size_t k = 0; workforce_unknown_codes[k] && n < MAX_KNOWN; k++)
		known[n++] = workforce_unknown_codes[k];
	for (int r = 0; r < PQntuples(cats) && n < MAX_KNOWN; r++)
		known[n++] = PQgetvalue(cats, r, 0);
	rc = pgp_quartiles(v, qs, pc, known, n, quarts);
	PQclear(cats);
	if (rc != 0)
		problem_send_internal(res);
	return rc;
}

/* The body: checked, in its stored form in *text; -1 after a problem. */
static int body_or_respond(struct request *req, struct response *res, json_t *gaps, json_t *quarts,
			   char **text)
{
	static const char *const fields[] = {
		"source", "reference", "published_on", "sex", "ethnicity", "disability", NULL,
	};
	json_t *body = request_json_or_respond(req, res), *doc = NULL;
	struct validation v;
	const char *source, *reference;
	struct date pd;
	bool has_pd, any = false;
	int rc = -1;

	validation_init(&v);
	if (!body)
		goto done;
	validate_known_fields(&v, body, "", fields);
	source = validate_string(&v, body, "", "source", true, 500);
	if (source && !*source)
		validation_add(&v, "/source", "must not be empty");
	reference = validate_string(&v, body, "", "reference", false, 500);
	has_pd = validate_date(&v, body, "", "published_on", false, &pd);
	for (int pc = 0; pgp_characteristics[pc]; pc++) {
		const json_t *obj = validate_object(&v, body, "", pgp_characteristics[pc], false), *qs;
		char base[24];

		if (!obj)
			continue;
		any = true;
		if (pgp_gaps(&v, obj, pc, gaps) != 0) {
			problem_send_internal(res);
			goto done;
		}
		snprintf(base, sizeof(base), "/%s", pgp_characteristics[pc]);
		qs = validate_array(&v, obj, base, "quartiles", false, 4, 4);
		if (qs && quartiles_or_respond(req, res, &v, qs, pc, quarts) != 0)
			goto done;
	}
	if (!any && !json_object_get(body, "sex") && !json_object_get(body, "ethnicity") &&
	    !json_object_get(body, "disability"))
		validation_add(&v, "", "give the figures of at least one of sex, ethnicity, disability");
	if (!validation_ok(&v)) {
		problem_send_invalid(res, validation_take_errors(&v));
		goto done;
	}
	doc = json_pack("{s:{s:s, s:s?, s:s?}, s:O, s:O}",
		"publication", "source", source, "reference", reference,
		"published_on", has_pd ? json_string_value(json_object_get(body, "published_on")) : NULL,
		"pay_gaps", gaps, "quartiles", quarts);
	if (!doc || !(*text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS)))
		problem_send_internal(res);
	else
		rc = 0;
done:
	json_decref(doc);
	json_decref(body);
	validation_release(&v);
	return rc;
}

void wf_paygaps_put(struct request *req, struct response *res)
{
	const char *as_of = request_param(req, "as_of"), *outcome;
	json_t *gaps = json_array(), *quarts = json_array();
	PGresult *r = NULL;
	char *text = NULL, src[96];
	struct date d;

	if (!as_of || date_parse(as_of, &d) != 0) {
		problem_send_bad_parameter(res, "as_of", "must be a date such as 2024-03-31");
		goto done;
	}
	if (!gaps || !quarts) {
		problem_send_internal(res);
		goto done;
	}
	if (body_or_respond(req, res, gaps, quarts, &text))
		goto done;
	snprintf(src, sizeof(src), "api:%s", req->auth.org_slug);
	{
		const char *p[3] = { as_of, src, text };

		if (api_exec_or_respond(req, res, "wf_publish", 3, p, &r))
			goto done;
	}
	snprintf(res->audit_target, sizeof(res->audit_target), "workforce_snapshot:%s", as_of);
	outcome = PQgetvalue(r, 0, 0);
	if (strcmp(outcome, "computed") == 0) {
		problem_sendf(res, 409, "pay-gaps-computed", "Pay gaps computed from employee rows",
			      "The workforce snapshot as of %s was loaded with hourly pay per employee and its pay gaps were computed from it; computed figures are not overwritten by published ones.",
			      as_of);
		goto done;
	}
	response_json(res, strcmp(outcome, "created") == 0 ? 201 : 200,
		      json_pack("{s:s, s:s, s:s, s:I, s:I}", "as_of", as_of, "outcome", outcome,
				"pay_basis", "published", "gaps", (json_int_t)json_array_size(gaps),
				"quartile_shares", (json_int_t)json_array_size(quarts)));
	response_location(res, "/v1/workforce/pay-gaps?as_of=%s", as_of);
done:
	PQclear(r);
	free(text);
	json_decref(gaps);
	json_decref(quarts);
}
