/*
 * sections.c - the sections of the Annual Equalities Report that read the
 * published tables of other resources: the indicators (with RAG and
 * direction computed as /v1/indicators computes them), hate crime (the
 * memoised, disclosure-controlled cells /v1/hate-crime/statistics serves)
 * and the workforce snapshot at the year's end (its headcount; the profile
 * and pay gaps are linked, so their own disclosure rules apply).
 */
#include <stdio.h>
#include <string.h>

#include "api/common.h"
#include "api/hate_crime_statistics/hcs.h"
#include "api/indicators/indicators.h"
#include "api/reports/reports.h"
#include "api/workforce/workforce.h"
#include "domain/annual_report.h"
#include "http/response.h"

json_t *report_section(const char *title, json_t *data, json_t *sources, json_t *notes)
{
	if (!data || !sources || !notes) {
		json_decref(data);
		json_decref(sources);
		json_decref(notes);
		return NULL;
	}
	return json_pack("{s:s, s:b, s:o, s:o, s:n, s:o}", "title", title,
			 "complete", json_array_size(notes) == 0, "notes", notes,
			 "sources", sources, "commentary", "data", data);
}

/* "2024/25" and the year's label with its slash, for links. */
static void fy_label(const struct period *fy, char *out, size_t size)
{
	if (period_format(fy, out, size) < 0)
		snprintf(out, size, "?");
}

json_t *report_indicators(struct request *req, struct response *res, const struct period *fy)
{
	struct indicator_set s;
	json_t *rows = json_array(), *notes = json_array();
	char label[16];

	if (set_load_or_respond(req, res, NULL, &s)) {
		json_decref(rows);
		json_decref(notes);
		return NULL;
	}
	fy_label(fy, label, sizeof(label));
	for (size_t i = 0; rows && notes && i < s.n; i++) {
		const struct indicator *ind = &s.items[i];
		const struct indicator_point *pt = annual_outturn(ind->points, ind->npoints, fy);
		json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:o}", "code", ind->code,
					"title", PQgetvalue(s.ind, ind->row, IC_TITLE),
					"unit", PQgetvalue(s.ind, ind->row, IC_UNIT),
					"polarity", PQgetvalue(s.ind, ind->row, IC_POLARITY),
					"outturn", pt ? set_value_core_json(ind, pt) : json_null());

		if (!pt || !pt->actual.present)
			json_array_append_new(notes, json_sprintf("%s has no outturn for %s.", ind->code,
								   label));
		if (!row || json_array_append_new(rows, row)) {
			json_decref(rows);
			rows = NULL;
		}
	}
	set_release(&s);
	return report_section("Indicators: outturn, target, RAG and direction", rows,
			      json_pack("[s]", "/v1/indicators/{code}/values"), notes);
}

json_t *report_hate_crime(struct request *req, struct response *res, const struct period *fy)
{
	struct memo_ref ref = { 0 };
	const struct hcs_snapshot *snap;
	struct hcs_cell cell = { false, -1, -1, -1, -1, -1 };
	json_t *strands = json_array(), *data = NULL, *notes = json_array();
	const char *coverage;
	char label[16], link[64];
	int64_t v;
	bool supp;

	if (hcs_snapshot_get_or_respond(req, res, &ref)) {
		json_decref(strands);
		json_decref(notes);
		return NULL;
	}
	snap = ref.value;
	for (int k = 0; strands && hc_strands[k]; k++) {
		struct hcs_cell c = { true, -1, -1, -1, k, -1 };

		hcs_cell_value(snap, fy, &c, &v, &supp);
		if (json_array_append_new(strands, json_pack("{s:s, s:o, s:b}", "strand", hc_strands[k],
				"value", supp ? json_null() : json_integer(v), "suppressed", supp))) {
			json_decref(strands);
			strands = NULL;
		}
	}
	hcs_cell_value(snap, fy, &cell, &v, &supp);
	coverage = hcs_period_coverage(snap, fy);
	fy_label(fy, label, sizeof(label));
	if (strcmp(coverage, "complete") != 0)
		json_array_append_new(notes, json_sprintf(
			"Not every source supplied every month of %s (coverage %s).", label, coverage));
	if (strands)
		data = json_pack("{s:o, s:b, s:s, s:o}", "reports", supp ? json_null() : json_integer(v),
				 "suppressed", supp, "coverage", coverage, "strand_flags", strands);
	snprintf(link, sizeof(link), "/v1/hate-crime/statistics?from=%s", label);
	hcs_snapshot_release(&ref);
	return report_section("Hate crime", data, json_pack("[s]", link), notes);
}

json_t *report_workforce(struct request *req, struct response *res, const struct period *fy)
{
	struct memo_ref ref = { 0 };
	const struct wf_state *st;
	const struct wf_snap *snap = NULL;
	json_t *notes = json_array(), *sources, *data;
	char end[11];

	if (wf_state_get_or_respond(req, res, &ref)) {
		json_decref(notes);
		return NULL;
	}
	st = ref.value;
	(void)date_format(&fy->end, end, sizeof(end));
	for (size_t i = 0; i < st->nsnaps; i++)
		if (strcmp(st->snaps[i].as_of, end) == 0)
			snap = &st->snaps[i];
	if (!snap)
		json_array_append_new(notes, json_sprintf("There is no workforce snapshot on %s.", end));
	/* The profile and pay gaps are the routes' own (their disclosure
	 * control and publication rules): the report links to them. */
	data = json_pack("{s:s, s:o}", "as_of", end,
			 "headcount", snap ? json_integer(snap->headcount) : json_null());
	sources = json_pack("[s+, s+]", "/v1/workforce/profile?as_of=", end,
			    "/v1/workforce/pay-gaps?as_of=", end);
	wf_state_release(&ref);
	return report_section("Workforce at the year's end", data, sources, notes);
}
