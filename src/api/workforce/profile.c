/*
 * profile.c - GET /v1/workforce/profile: headcounts and shares by
 * directorate, grade band and category, with the previous snapshot's on
 * request.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/workforce/workforce.h"
#include "domain/disclosure.h"
#include "http/query.h"
#include "http/request.h"
#include "http/response.h"

static const struct csv_column profile_csv[] = {
	{ "as_of", "/as_of" }, { "characteristic", "/characteristic" },
	{ "directorate", "/directorate" }, { "grade_band", "/grade_band" },
	{ "category", "/category/code" }, { "category_name", "/category/name" },
	{ "value", "/value" }, { "share", "/share" }, { "suppressed", "/suppressed" },
	{ "previous_as_of", "/previous/as_of" }, { "previous_value", "/previous/value" },
	{ "previous_share", "/previous/share" }, { "previous_suppressed", "/previous/suppressed" },
	{ "change_value", "/previous/change_value" }, { "change_share", "/previous/change_share" },
};

static const char *const all_characteristics[] = {
	"sex", "ethnicity", "disability", "religion", "sexual_orientation", "age", NULL,
};

/* One published cell, as a response shows it. */
struct cell_out {
	int64_t v;
	double share;
	bool supp, has_share;
};

static struct cell_out cell_of(const struct wf_snap *s, int ch, size_t d, size_t g, size_t c)
{
	const struct wf_table *t = &s->tables[ch];
	size_t k = wf_cell(&s->dims, t, d, g, c), tot = wf_cell(&s->dims, t, d, g, t->ncats);
	struct cell_out o = { .v = t->values[k], .supp = t->supp[k] };

	o.has_share = disclosure_share(t->values[k], t->supp[k], t->values[tot], t->supp[tot], &o.share);
	return o;
}

static json_t *value_json(const struct cell_out *o)
{
	return o->supp ? json_null() : json_integer(o->v);
}

static json_t *share_json(const struct cell_out *o)
{
	return o->has_share ? json_real(response_round(o->share, 4)) : json_null();
}

/* The query: what to show, and which rows of which snapshots. */
struct profile_query {
	int chars[WF_NCHARS];
	size_t nchars;
	size_t dsel[WF_MAX_DIRS + 1], gsel[WF_MAX_GRADES + 1], nd, ng;
	bool by_dir, by_grade, compare;
};

/* The directorates or grade bands asked for (in published order, each
 * once), every one when grouped by it, or only the margin (all); -1 after
 * a 400. */
static int pick_list(struct request *req, struct response *res, const char *name,
		     char *const *known, size_t nknown, bool grouped, size_t *out, size_t *n)
{
	const char **items = NULL;
	size_t nitems = 0;
	bool chosen[WF_MAX_DIRS + WF_MAX_GRADES] = { false };

	if (request_list_or_respond(req, res, name, 64, &items, &nitems))
		return -1;
	for (size_t i = 0; i < nitems; i++) {
		long k = wf_find((const char *const *)known, nknown, items[i]);
		char detail[200];

		if (k < 0) {
			snprintf(detail, sizeof(detail), "'%.40s' is not a %s of this snapshot", items[i],
				 name[0] == 'd' ? "directorate" : "grade band");
			problem_send_bad_parameter(res, name, detail);
			return -1;
		}
		chosen[k] = true;
	}
	*n = 0;
	for (size_t i = 0; i < nknown; i++)
		if (chosen[i] || (!nitems && grouped))
			out[(*n)++] = i;
	if (!nitems && !grouped)
		out[(*n)++] = nknown;   /* the margin */
	return 0;
}

static int query_or_respond(struct request *req, struct response *res, struct profile_query *q)
{
	static const char *const group_choices[] = { "directorate", "grade_band", NULL };
	const char **groups = NULL, *compare = NULL;
	size_t ngroups = 0;

	if (request_list_or_respond(req, res, "group_by", 2, &groups, &ngroups) ||
	    request_enum_or_respond(req, res, "compare", wf_compare_choices, NULL, &compare) ||
	    wf_characteristics_param(req, res, all_characteristics, q->chars, &q->nchars))
		return -1;
	q->compare = compare != NULL;
	for (size_t i = 0; i < ngroups; i++) {
		if (wf_find_nt(group_choices, groups[i]) < 0) {
			problem_send_bad_parameter(res, "group_by", "must be directorate or grade_band");
			return -1;
		}
		q->by_dir = q->by_dir || strcmp(groups[i], "directorate") == 0;
		q->by_grade = q->by_grade || strcmp(groups[i], "grade_band") == 0;
	}
	return 0;
}

/* The rows of the snapshot: directorates and grade bands, never both. */
static int selection_or_respond(struct request *req, struct response *res, struct profile_query *q,
				const struct wf_state *st, const struct wf_snap *s)
{
	if (pick_list(req, res, "directorate", s->dirs, s->dims.ndirs, q->by_dir, q->dsel, &q->nd) ||
	    pick_list(req, res, "grade_band", st->grades, st->ngrades, q->by_grade, q->gsel, &q->ng))
		return -1;
	if (q->dsel[0] < s->dims.ndirs && q->gsel[0] < st->ngrades) {
		problem_send_bad_parameter(res, query_get(&req->query, "grade_band") ? "grade_band" : "group_by",
			"the workforce is published by directorate or by grade band, not by both together (most such cells would be too small to publish)");
		return -1;
	}
	return 0;
}

/* The same cell in the previous snapshot (matched by directorate name). */
static json_t *previous_json(const struct wf_snap *s, const struct wf_snap *prev, int ch,
			     size_t d, size_t g, size_t c, const struct cell_out *now)
{
	long pd;
	struct cell_out p;

	if (!prev)
		return json_null();
	pd = d < s->dims.ndirs ? wf_find((const char *const *)prev->dirs, prev->dims.ndirs, s->dirs[d])
			       : (long)prev->dims.ndirs;
	if (pd < 0)
		return json_null();
	p = cell_of(prev, ch, (size_t)pd, g, c);
	return json_pack("{s:s, s:o, s:o, s:b, s:o, s:o}",
		"as_of", prev->as_of, "value", value_json(&p), "share", share_json(&p), "suppressed", p.supp,
		"change_value", now->supp || p.supp ? json_null() : json_integer(now->v - p.v),
		"change_share", now->has_share && p.has_share
			? json_real(response_round(now->share - p.share, 4)) : json_null());
}

static json_t *row_json(const struct wf_state *st, const struct wf_snap *s, const struct wf_snap *prev,
			const struct profile_query *q, int ch, size_t d, size_t g, size_t c)
{
	const struct wf_table *t = &s->tables[ch];
	const char *code = c < t->ncats ? t->cats[c] : "total";
	struct cell_out o = cell_of(s, ch, d, g, c);
	json_t *row = json_pack("{s:s, s:s, s:o, s:o, s:{s:s, s:s}, s:o, s:o, s:b}",
		"as_of", s->as_of, "characteristic", wf_characteristics[ch],
		"directorate", d < s->dims.ndirs ? json_string(s->dirs[d]) : json_null(),
		"grade_band", g < st->ngrades ? json_string(st->grades[g]) : json_null(),
		"category", "code", code,
		"name", c < t->ncats ? wf_category_name(st, wf_characteristics[ch], code) : "Total",
		"value", value_json(&o), "share", share_json(&o), "suppressed", o.supp);

	if (row && q->compare)
		json_object_set_new(row, "previous", previous_json(s, prev, ch, d, g, c, &o));
	return row;
}

static int append_rows(json_t *data, const struct wf_state *st, const struct wf_snap *s,
		       const struct wf_snap *prev, const struct profile_query *q)
{
	for (size_t ci = 0; ci < q->nchars; ci++)
		for (size_t a = 0; a < q->nd; a++)
			for (size_t b = 0; b < q->ng; b++)
				for (size_t c = 0; c <= s->tables[q->chars[ci]].ncats; c++) {
					json_t *row = row_json(st, s, prev, q, q->chars[ci], q->dsel[a], q->gsel[b], c);

					if (!row || json_array_append_new(data, row))
						return -1;
				}
	return 0;
}

void wf_profile_get(struct request *req, struct response *res)
{
	struct profile_query q = { 0 };
	struct memo_ref ref = { 0 };
	struct wf_state *st;
	struct wf_snap *s;
	long si = -1;
	json_t *data = NULL;

	if (query_or_respond(req, res, &q) || wf_state_get_or_respond(req, res, &ref) != 0)
		goto done;
	st = ref.value;
	if (!(s = wf_snapshot_param(req, res, st, WF_NEED_COUNTS, &si)) ||
	    selection_or_respond(req, res, &q, st, s))
		goto done;
	data = json_array();
	if (!data || append_rows(data, st, s, q.compare && si > 0 ? &st->snaps[si - 1] : NULL, &q) != 0) {
		problem_send_internal(res);
		goto done;
	}
	response_list(req, res, data, json_pack("{s:o, s:o, s:o, s:s, s:s, s:i}",
		"snapshot", wf_snapshot_ref(s), "disclosure", wf_disclosure_meta(st),
		"grade_bands", wf_grade_bands_json(st),
		"shares", "share is the category's count divided by the row's total (the same directorate and grade band), prefer not to say and not recorded included.",
		"counts", "staff headcount: each value is a number of employees (people, not posts or full-time equivalents) on the snapshot date (meta.snapshot.as_of), each employee once per characteristic, in the row's directorate and grade band (null: all of them).",
		"count", (int)json_array_size(data)),
		NULL, profile_csv, API_COUNT(profile_csv));
	data = NULL;
done:
	json_decref(data);
	wf_state_release(&ref);
}
