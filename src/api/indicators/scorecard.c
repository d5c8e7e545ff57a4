/*
 * scorecard.c - GET /v1/scorecard: every indicator's value for a quarter,
 * the RAG counts, and the current action plan's summary (which periods it
 * shows: domain/indicator_value.h).
 */
#include "api/api.h"
#include "api/common.h"
#include "api/indicators/indicators.h"
#include "http/request.h"
#include "http/response.h"

/* What a row shows for a period without a value. */
static json_t *no_value_json(const struct period *p)
{
	return json_pack("{s:o, s:n, s:n, s:n, s:n, s:{s:s, s:s}, s:n, s:n, s:b}",
			 "period", api_period_json(p), "target", "actual", "actual_source", "rag",
			 "direction", "previous_period", "not_comparable",
			 "year_earlier", "not_comparable",
			 "compared_with", "commentary", "revised", 0);
}

static json_t *value_fields_json(const struct indicator_set *s, const struct indicator *ind,
				 const struct indicator_point *pt)
{
	int row = set_point_row(s, pt);
	json_t *o = set_value_core_json(ind, pt);

	if (o && (json_object_set_new(o, "commentary", set_text_json(s->val, row, VC_COMMENTARY)) ||
		  json_object_set_new(o, "revised",
				      json_boolean(db_get_ll(s->val, row, VC_REVISION) > 1)))) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* One indicator's row for quarter; its RAG into *rag. */
static json_t *row_json(const struct indicator_set *s, const struct indicator *ind,
			const struct period *quarter, enum indicator_rag *rag)
{
	const PGresult *r = s->ind;
	const char *freq = PQgetvalue(r, ind->row, IC_FREQUENCY);
	const struct indicator_point *pt;
	struct period p;
	json_t *row, *fields;

	indicator_scorecard_period(freq, quarter, &p);
	pt = indicator_point_find(ind->points, ind->npoints, &p);
	*rag = pt ? set_point_rag(ind, pt) : RAG_NONE;
	row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
			"code", ind->code,
			"title", PQgetvalue(r, ind->row, IC_TITLE),
			"unit", PQgetvalue(r, ind->row, IC_UNIT),
			"polarity", PQgetvalue(r, ind->row, IC_POLARITY),
			"frequency", freq,
			"outcome", PQgetvalue(r, ind->row, IC_OUTCOME));
	fields = pt ? value_fields_json(s, ind, pt) : no_value_json(&p);
	if (!row || !fields || json_object_update(row, fields)) {
		json_decref(row);
		row = NULL;
	}
	json_decref(fields);
	return row;
}

/* The current plan's summary, JSON null when no plan is current, or NULL
 * with a problem in res. */
static json_t *plan_json(struct request *req, struct response *res)
{
	PGresult *r = NULL;
	json_t *plan;

	if (api_exec_or_respond(req, res, "ind_plan_summary", 0, NULL, &r))
		return NULL;
	plan = PQntuples(r) == 1 ? json_loads(PQgetvalue(r, 0, 0), 0, NULL) : json_null();
	PQclear(r);
	if (!plan)
		problem_send_internal(res);
	return plan;
}

/* CSV: one row per indicator (the RAG counts and the plan are JSON only). */
static const struct csv_column scorecard_csv[] = {
	{ "code", "/code" }, { "title", "/title" }, { "unit", "/unit" },
	{ "polarity", "/polarity" }, { "frequency", "/frequency" }, { "outcome", "/outcome" },
	{ "period", "/period/label" }, { "target", "/target" }, { "actual", "/actual" },
	{ "rag", "/rag" }, { "direction_previous_period", "/direction/previous_period" },
	{ "direction_year_earlier", "/direction/year_earlier" },
	{ "commentary", "/commentary" }, { "revised", "/revised" },
};

/* The quarter asked for, or the newest one with an actual: 0, or -1 with
 * the problem in res. */
static int quarter_or_respond(struct response *res, const char *text,
			      const struct indicator_set *s, struct period *quarter)
{
	if (text)
		return 0;
	if (indicator_newest_quarter(s->points, s->npoints, quarter))
		return 0;
	problem_send(res, 404, "not-found", "Not found",
		     "No indicator has a quarterly value yet; name a period.");
	return -1;
}

/* What the JSON says beside the rows: the quarter and how many are of
 * each RAG (a new object, or NULL when memory runs out).  CSV carries it
 * in its meta (format=csv-meta). */
static json_t *scorecard_about(const struct period *quarter, const long *counts)
{
	return json_pack("{s:o, s:{s:i, s:i, s:i, s:i}}", "period", api_period_json(quarter),
			 "rag_counts", "green", (int)counts[RAG_GREEN], "amber", (int)counts[RAG_AMBER],
			 "red", (int)counts[RAG_RED], "none", (int)counts[RAG_NONE]);
}

void scorecard(struct request *req, struct response *res)
{
	const char *text;
	struct period quarter;
	struct indicator_set s;
	json_t *rows = NULL, *plan = NULL, *body, *about;
	long counts[4] = { 0 };

	if (request_single_or_respond(req, res, "period", &text))
		return;
	if (text && period_parse_kinds(text, 1u << PERIOD_QUARTER, &quarter) != 0) {
		problem_send_bad_parameter(res, "period",
			"must be a financial quarter such as 2024/25 Q2 (or 2024/25-Q2)");
		return;
	}
	if (!request_db_or_respond(req, res) || set_load_or_respond(req, res, NULL, &s))
		return;
	if (quarter_or_respond(res, text, &s, &quarter) == 0) {
		rows = json_array();
		for (size_t i = 0; rows && i < s.n; i++) {
			enum indicator_rag rag;

			if (json_array_append_new(rows, row_json(&s, &s.items[i], &quarter, &rag))) {
				json_decref(rows);
				rows = NULL;
			}
			counts[rag]++;
		}
		if (!rows)
			problem_send_internal(res);
	}
	set_release(&s);
	if (rows && req->format == FORMAT_CSV) {
		response_list(req, res, rows, scorecard_about(&quarter, counts), NULL, scorecard_csv,
			      API_COUNT(scorecard_csv));
		return;
	}
	if (!rows || !(plan = plan_json(req, res))) {
		json_decref(rows);
		return;
	}
	about = scorecard_about(&quarter, counts);
	/* Members in the order the scorecard has always had. */
	body = json_pack("{s:O?, s:o, s:O?, s:o}", "period", json_object_get(about, "period"),
			 "indicators", rows, "rag_counts", json_object_get(about, "rag_counts"),
			 "action_plan", plan);
	json_decref(about);
	if (!about || !body) {
		json_decref(body);
		problem_send_internal(res);
		return;
	}
	response_json(res, 200, body);
}
