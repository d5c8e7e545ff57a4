/*
 * annual_report.c - the rules of the Annual Equalities Report (see
 * annual_report.h).
 */
#include "domain/annual_report.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int annual_report_year(const char *text, struct period *out)
{
	char label[8];

	if (!text || strlen(text) != 7 || text[4] != '-')
		return -1;
	memcpy(label, text, 7);
	label[4] = '/';
	label[7] = '\0';
	return period_parse_kinds(label, 1u << PERIOD_FINANCIAL_YEAR, out);
}

static int inside(const struct period *p, const struct period *fy)
{
	return date_compare(&p->start, &fy->start) >= 0 && date_compare(&p->end, &fy->end) <= 0;
}

const struct indicator_point *annual_outturn(const struct indicator_point *pts, size_t n,
					     const struct period *fy)
{
	const struct indicator_point *best = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct period *p = &pts[i].period;

		if (!inside(p, fy))
			continue;
		if (p->kind == PERIOD_FINANCIAL_YEAR)
			return &pts[i];
		if (!best || date_compare(&p->end, &best->period.end) > 0)
			best = &pts[i];
	}
	return best;
}

/* ---- the CSV bundle ------------------------------------------------------------- */

struct rows {
	json_t *out;
	const char *section, *source, *period;
	bool complete;
};

static void add(struct rows *r, const char *item, json_t *value, json_t *target, const char *rag,
		bool suppressed)
{
	json_t *row = json_pack("{s:s, s:s, s:s?, s:o, s:o, s:s?, s:b, s:b, s:s?}",
				"section", r->section, "item", item, "period", r->period,
				"value", value ? value : json_null(),
				"target", target ? target : json_null(), "rag", rag,
				"suppressed", suppressed, "complete", r->complete, "source", r->source);

	if (!row || json_array_append_new(r->out, row)) {
		json_decref(r->out);
		r->out = NULL;
	}
}

static json_t *copy(const json_t *v)
{
	return v ? json_deep_copy(v) : NULL;
}

static void indicator_rows(struct rows *r, const json_t *data)
{
	size_t i;
	json_t *row;

	const char *section_source = r->source;
	char source[128];

	json_array_foreach(data, i, row) {
		const json_t *o = json_object_get(row, "outturn");

		if (!r->out)
			break;
		/* Each indicator's own values. */
		snprintf(source, sizeof(source), "/v1/indicators/%s/values",
			 json_string_value(json_object_get(row, "code")));
		r->source = source;
		r->period = json_string_value(json_object_get(json_object_get(o, "period"), "label"));
		add(r, json_string_value(json_object_get(row, "code")), copy(json_object_get(o, "actual")),
		    copy(json_object_get(o, "target")), json_string_value(json_object_get(o, "rag")),
		    json_is_true(json_object_get(json_object_get(o, "actual_source"), "withheld")));
	}
	r->period = NULL;
	r->source = section_source;
}

static void plan_rows(struct rows *r, const json_t *data)
{
	static const char *const statuses[] = {
		"not_started", "in_progress", "complete", "cancelled", "deferred", NULL,
	};
	const json_t *overall = json_object_get(data, "overall");
	char item[48];

	if (!overall)
		return;
	add(r, "actions", copy(json_object_get(overall, "total")), NULL, NULL, false);
	for (size_t k = 0; statuses[k] && r->out; k++) {
		snprintf(item, sizeof(item), "status:%s", statuses[k]);
		add(r, item, copy(json_object_get(json_object_get(overall, "by_status"), statuses[k])),
		    NULL, NULL, false);
	}
	if (r->out)
		add(r, "overdue", copy(json_object_get(overall, "overdue")), NULL, NULL, false);
}

static void hate_crime_rows(struct rows *r, const json_t *data)
{
	size_t i;
	json_t *s;
	char item[48];

	add(r, "reports", copy(json_object_get(data, "reports")), NULL, NULL,
	    json_is_true(json_object_get(data, "suppressed")));
	json_array_foreach(json_object_get(data, "strand_flags"), i, s) {
		if (!r->out)
			return;
		snprintf(item, sizeof(item), "strand:%s", json_string_value(json_object_get(s, "strand")));
		add(r, item, copy(json_object_get(s, "value")), NULL, NULL,
		    json_is_true(json_object_get(s, "suppressed")));
	}
}

static void returns_rows(struct rows *r, const json_t *data)
{
	static const char *const outcomes[] = { "on_time", "late", "returned", "overdue", "open", NULL };
	size_t i;
	json_t *w;
	char item[48];

	json_array_foreach(data, i, w) {
		r->period = json_string_value(json_object_get(w, "period"));
		for (size_t k = 0; outcomes[k] && r->out; k++) {
			snprintf(item, sizeof(item), "%s:%s", json_string_value(json_object_get(w, "kind")),
				 outcomes[k]);
			add(r, item, json_integer((json_int_t)json_array_size(json_object_get(w, outcomes[k]))),
			    NULL, NULL, false);
		}
	}
	r->period = NULL;
}

json_t *annual_report_csv_rows(const json_t *report)
{
	const json_t *sections = json_object_get(report, "sections");
	struct rows r = { json_array(), NULL, NULL, NULL, false };
	const char *name;
	json_t *sec;

	json_object_foreach((json_t *)sections, name, sec) {
		const json_t *data = json_object_get(sec, "data");

		if (!r.out)
			break;
		r.section = name;
		r.source = json_string_value(json_array_get(json_object_get(sec, "sources"), 0));
		r.complete = json_is_true(json_object_get(sec, "complete"));
		if (strcmp(name, "indicators") == 0)
			indicator_rows(&r, data);
		else if (strcmp(name, "action_plan") == 0)
			plan_rows(&r, data);
		else if (strcmp(name, "hate_crime") == 0)
			hate_crime_rows(&r, data);
		else if (strcmp(name, "partner_returns") == 0)
			returns_rows(&r, data);
		else if (strcmp(name, "workforce") == 0)
			add(&r, "headcount", copy(json_object_get(data, "headcount")), NULL, NULL, false);
	}
	return r.out;
}
