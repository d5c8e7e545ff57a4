/*
 * annual.c - GET /v1/reports/annual/{year}: the Annual Equalities Report
 * of a financial year, section by section (routes and SQL in module.c, the
 * sections read from other resources in sections.c).
 */
#include <stdio.h>
#include <string.h>

#include "api/common.h"
#include "api/reports/reports.h"
#include "domain/annual_report.h"
#include "http/request.h"
#include "http/response.h"

/* The JSON text column 0 of stmt's one row (params p), parsed; NULL with
 * the problem in res. */
static json_t *sql_json(struct request *req, struct response *res, const char *stmt, int n,
			const char *const *p, PGresult **keep)
{
	PGresult *r = NULL;
	json_t *j = NULL;

	if (api_exec_or_respond(req, res, stmt, n, p, &r))
		return NULL;
	j = PQntuples(r) == 1 ? json_loads(PQgetvalue(r, 0, 0), 0, NULL) : json_null();
	if (!j)
		problem_send_internal(res);
	if (keep)
		*keep = r;
	else
		PQclear(r);
	return j;
}

static json_t *objective_section(struct request *req, struct response *res)
{
	json_t *data = sql_json(req, res, "ar_objectives", 0, NULL, NULL);

	if (!data)
		return NULL;
	return report_section("The Strategic Equalities Objective", data,
			      json_pack("[s]", "/v1/objectives"),
			      json_array_size(data) ? json_array()
			      : json_pack("[s]", "No objective is recorded."));
}

static json_t *plan_section(struct request *req, struct response *res, const struct period *fy)
{
	char start[11], link[64];
	const char *p[1] = { start };
	PGresult *r = NULL;
	json_t *data, *out;

	(void)date_format(&fy->start, start, sizeof(start));
	if (!(data = sql_json(req, res, "ar_plan", 1, p, &r)))
		return NULL;
	if (PQntuples(r) == 1)
		snprintf(link, sizeof(link), "/v1/action-plans/%s/summary", PQgetvalue(r, 0, 1));
	else
		snprintf(link, sizeof(link), "/v1/action-plans");
	out = report_section("Action-plan progress", data, json_pack("[s]", link),
			     json_is_null(data) ? json_pack("[s]", "No action plan was in force at the year's start.")
			     : json_array());
	PQclear(r);
	return out;
}

static json_t *returns_section(struct request *req, struct response *res, const char *label)
{
	const char *p[1] = { label };
	json_t *data = sql_json(req, res, "ar_returns", 1, p, NULL), *notes = json_array();
	size_t i;
	json_t *w;

	if (!data) {
		json_decref(notes);
		return NULL;
	}
	if (json_array_size(data) == 0)
		json_array_append_new(notes, json_sprintf("No return window was opened for %s.", label));
	json_array_foreach(data, i, w)
		if (json_array_size(json_object_get(w, "open")))
			json_array_append_new(notes, json_sprintf("The %s window is still open.",
				json_string_value(json_object_get(w, "period"))));
	return report_section("Partner returns", data, json_pack("[s, s]", "/v1/organisations",
			      "/v1/returns/summary?window={window}"), notes);
}

static json_t *demographics_section(struct request *req, struct response *res)
{
	json_t *data = sql_json(req, res, "ar_datasets", 0, NULL, NULL);

	if (!data)
		return NULL;
	return report_section("Demographic context", data,
			      json_pack("[s, s]", "/v1/demographics/datasets", "/v1/demographics"),
			      json_array_size(data) ? json_array()
			      : json_pack("[s]", "No demographic data set is loaded."));
}

/* The council's commentary of the year (year as the path names it) onto
 * the sections of s: 0, or -1 with the problem in res. */
static int commentary_attach(struct request *req, struct response *res, const char *year,
			     json_t *s)
{
	const char *p[1] = { year };
	json_t *all = sql_json(req, res, "ar_commentary", 1, p, NULL), *c;
	const char *section;
	int rc = 0;

	if (!all)
		return -1;
	json_object_foreach(all, section, c)
		if (json_object_set(json_object_get(s, section), "commentary", c))
			rc = -1;
	json_decref(all);
	if (rc)
		problem_send_internal(res);
	return rc;
}

/* The CSV bundle: one figure a row (domain/annual_report.c). */
static const struct csv_column bundle_columns[] = {
	{ "section", "/section" }, { "item", "/item" }, { "period", "/period" },
	{ "value", "/value" }, { "target", "/target" }, { "rag", "/rag" },
	{ "suppressed", "/suppressed" }, { "complete", "/complete" }, { "source", "/source" },
};

static void respond(struct request *req, struct response *res, json_t *body)
{
	json_t *rows, *meta;

	if (req->format != FORMAT_CSV) {
		response_json(res, 200, body);
		return;
	}
	rows = annual_report_csv_rows(body);
	/* The year and whether the report is complete: the CSV's meta. */
	meta = json_pack("{s:O?, s:O?}", "year", json_object_get(body, "year"),
			 "complete", json_object_get(body, "complete"));
	json_decref(body);
	if (rows && meta) {
		response_list(req, res, rows, meta, NULL, bundle_columns,
			      sizeof(bundle_columns) / sizeof(bundle_columns[0]));
	} else {
		json_decref(rows);
		json_decref(meta);
		problem_send_internal(res);
	}
}

void report_annual(struct request *req, struct response *res)
{
	struct period fy;
	char label[16];
	json_t *s = json_object(), *body = NULL;

	if (annual_report_year(request_param(req, "year"), &fy) != 0) {
		problem_send(res, 404, "not-found", "Not found",
			     "A report is named by its financial year, such as 2024-25.");
		goto done;
	}
	if (!request_db_or_respond(req, res) || period_format(&fy, label, sizeof(label)) < 0)
		goto done;
	if (!s || json_object_set_new(s, "objective", objective_section(req, res)) ||
	    json_object_set_new(s, "indicators", report_indicators(req, res, &fy)) ||
	    json_object_set_new(s, "action_plan", plan_section(req, res, &fy)) ||
	    json_object_set_new(s, "workforce", report_workforce(req, res, &fy)) ||
	    json_object_set_new(s, "hate_crime", report_hate_crime(req, res, &fy)) ||
	    json_object_set_new(s, "partner_returns", returns_section(req, res, label)) ||
	    json_object_set_new(s, "demographics", demographics_section(req, res)) ||
	    commentary_attach(req, res, request_param(req, "year"), s))
		goto failed;
	body = json_pack("{s:o, s:b, s:O}", "year", api_period_json(&fy),
			 "complete", 1, "sections", s);
	if (!body)
		goto failed;
	{
		const char *k;
		json_t *sec;

		json_object_foreach(s, k, sec)
			if (!json_is_true(json_object_get(sec, "complete")))
				json_object_set_new(body, "complete", json_false());
	}
	respond(req, res, body);
	goto done;
failed:
	/* A section that failed has put its problem in res; memory is a 500. */
	if (res->status < 400)
		problem_send_internal(res);
done:
	json_decref(s);
}
