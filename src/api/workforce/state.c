/*
 * state.c - the workforce snapshots as the reads publish them: loaded by
 * named statements, their tables suppressed once per data generation
 * (domain/workforce_table.h) and shared through the memo kit; and the
 * parameters and meta every read shares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "api/kit/table_memo.h"
#include "api/workforce/workforce.h"
#include "config.h"
#include "domain/period.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"

const struct db_statement wf_state_statements[] = {
	{ "wf_snapshots",
	  "SELECT id, as_of::text, source, official, notes, headcount, pay_basis, pay_gaps::text,"
	  " quartiles::text, to_char(loaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	  " coalesce(pay_publication, 'null')::text"
	  " FROM workforce_snapshots ORDER BY as_of", 0 },
	{ "wf_counts",
	  "SELECT snapshot_id, directorate, grade_band, characteristic_code, category_code, count"
	  " FROM workforce_counts ORDER BY snapshot_id, directorate COLLATE \"C\"", 0 },
	{ "wf_grade_bands",
	  "SELECT code, name, senior FROM workforce_grade_bands ORDER BY sort_order", 0 },
	{ "wf_top_categories",
	  "SELECT characteristic_code, code, name FROM categories WHERE parent_code IS NULL"
	  " AND characteristic_code IN ('sex', 'ethnicity', 'disability', 'religion', 'sexual_orientation')"
	  " ORDER BY characteristic_code, sort_order, code", 0 },
};
const size_t wf_state_nstatements = sizeof(wf_state_statements) / sizeof(wf_state_statements[0]);

enum { S_ID, S_AS_OF, S_SOURCE, S_OFFICIAL, S_NOTES, S_HEADCOUNT, S_PAY_BASIS, S_PAY_GAPS,
       S_QUARTILES, S_LOADED_AT, S_PUBLICATION };

long wf_find(const char *const *list, size_t n, const char *code)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], code) == 0)
			return (long)i;
	return -1;
}

long wf_find_nt(const char *const *list, const char *code)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], code) == 0)
			return (long)i;
	return -1;
}

static void state_free(void *v)
{
	struct wf_state *st = v;

	if (!st)
		return;
	for (size_t i = 0; i < st->ngrades; i++) {
		free(st->grades[i]);
		free(st->grade_names[i]);
	}
	for (size_t i = 0; i < st->nsnaps; i++) {
		struct wf_snap *s = &st->snaps[i];

		free(s->id);
		free(s->as_of);
		free(s->source);
		free(s->notes);
		free(s->pay_basis);
		free(s->loaded_at);
		for (size_t d = 0; d < s->dims.ndirs; d++)
			free(s->dirs[d]);
		for (int ch = 0; ch < WF_NCHARS; ch++)
			wf_table_release(&s->tables[ch]);
		json_decref(s->pay_gaps);
		json_decref(s->publication);
		json_decref(s->pub_quartiles);
	}
	free(st->snaps);
	PQclear(st->cat_rows);
	free(st);
}

static struct memo states = MEMO_INIT(state_free);

const char *wf_category_name(const struct wf_state *st, const char *ch, const char *code)
{
	for (int i = 0; i < PQntuples(st->cat_rows); i++)
		if (strcmp(PQgetvalue(st->cat_rows, i, 0), ch) == 0 &&
		    strcmp(PQgetvalue(st->cat_rows, i, 1), code) == 0)
			return PQgetvalue(st->cat_rows, i, 2);
	if (strcmp(code, "prefer_not_to_say") == 0)
		return "Prefer not to say";
	if (strcmp(code, "not_recorded") == 0)
		return "Not recorded";
	if (strncmp(code, "age_", 4) == 0)
		return code + 4;
	return code;
}

/* ---- loading ------------------------------------------------------------- */

/* Each characteristic's categories: the age bands, or the top-level
 * categories with prefer_not_to_say and not_recorded. */
static void table_categories(const struct wf_state *st, struct wf_table *t, const char *ch)
{
	if (strcmp(ch, "age") == 0) {
		for (size_t k = 0; workforce_age_bands[k] && t->ncats < WF_MAX_CATS; k++)
			t->cats[t->ncats++] = workforce_age_bands[k];
		return;
	}
	for (int i = 0; i < PQntuples(st->cat_rows) && t->ncats < WF_MAX_CATS; i++)
		if (strcmp(PQgetvalue(st->cat_rows, i, 0), ch) == 0)
			t->cats[t->ncats++] = PQgetvalue(st->cat_rows, i, 1);
	for (size_t k = 0; workforce_unknown_codes[k] && t->ncats < WF_MAX_CATS; k++)
		t->cats[t->ncats++] = workforce_unknown_codes[k];
}

/* Rows first..last-1 of counts (one snapshot's) into its tables. */
static int snap_tables(struct wf_state *st, struct wf_snap *s, const PGresult *counts, int first, int last)
{
	s->dims = (struct wf_dims){ 0, st->ngrades, st->senior };
	for (int i = first; i < last && s->dims.ndirs < WF_MAX_DIRS; i++)
		if (wf_find((const char *const *)s->dirs, s->dims.ndirs, PQgetvalue(counts, i, 1)) < 0 &&
		    !(s->dirs[s->dims.ndirs++] = strdup(PQgetvalue(counts, i, 1))))
			return -1;
	for (int ch = 0; ch < WF_NCHARS; ch++) {
		table_categories(st, &s->tables[ch], wf_characteristics[ch]);
		if (wf_table_alloc(&s->dims, &s->tables[ch]) != 0)
			return -1;
	}
	for (int i = first; i < last; i++) {
		long d = wf_find((const char *const *)s->dirs, s->dims.ndirs, PQgetvalue(counts, i, 1));
		long g = wf_find((const char *const *)st->grades, st->ngrades, PQgetvalue(counts, i, 2));
		long ch = wf_find(wf_characteristics, WF_NCHARS, PQgetvalue(counts, i, 3));
		int64_t v = db_get_ll(counts, i, 5);
		long c = ch < 0 ? -1 : wf_find(s->tables[ch].cats, s->tables[ch].ncats, PQgetvalue(counts, i, 4));

		if (d < 0 || g < 0 || c < 0 || v < 0)
			return -1;
		wf_table_add(&s->dims, &s->tables[ch], (size_t)d, (size_t)g, (size_t)c, v);
	}
	return 0;
}

/* The stored quartile counts [[characteristic, quartile, category, n]]. */
static int snap_quartiles(struct wf_snap *s, const char *text)
{
	json_error_t e;
	json_t *arr = json_loads(text, 0, &e), *item;
	size_t i;

	if (!json_is_array(arr)) {
		json_decref(arr);
		return -1;
	}
	json_array_foreach(arr, i, item) {
		const char *chname = json_string_value(json_array_get(item, 0));
		long ch = chname ? wf_find(wf_characteristics, WF_NCHARS, chname) : -1;
		json_int_t q = json_integer_value(json_array_get(item, 1));
		const char *cat = json_string_value(json_array_get(item, 2));
		json_int_t v = json_integer_value(json_array_get(item, 3));
		long c = ch < 0 || !cat ? -1 : wf_find(s->tables[ch].cats, s->tables[ch].ncats, cat);

		if (c >= 0 && q >= 1 && q <= 4 && v >= 0)
			wf_table_add_quartile(&s->tables[ch], (int)q, (size_t)c, v);
	}
	json_decref(arr);
	return 0;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* Row i of the snapshots into s (not its tables). */
static int snap_row(struct wf_snap *s, const PGresult *r, int i)
{
	json_error_t e;

	s->id = dup_or_empty(PQgetvalue(r, i, S_ID));
	s->as_of = dup_or_empty(PQgetvalue(r, i, S_AS_OF));
	s->source = dup_or_empty(PQgetvalue(r, i, S_SOURCE));
	s->official = strcmp(PQgetvalue(r, i, S_OFFICIAL), "t") == 0;
	s->notes = dup_or_empty(PQgetvalue(r, i, S_NOTES));
	s->headcount = (long)db_get_ll(r, i, S_HEADCOUNT);
	s->pay_basis = dup_or_empty(PQgetvalue(r, i, S_PAY_BASIS));
	s->pay_gaps = json_loads(PQgetvalue(r, i, S_PAY_GAPS), 0, &e);
	if (strcmp(s->pay_basis, "published") == 0) {
		s->publication = json_loads(PQgetvalue(r, i, S_PUBLICATION), JSON_DECODE_ANY, &e);
		s->pub_quartiles = json_loads(PQgetvalue(r, i, S_QUARTILES), 0, &e);
		if (!s->publication || !s->pub_quartiles)
			return -1;
	}
	s->loaded_at = dup_or_empty(PQgetvalue(r, i, S_LOADED_AT));
	return s->id && s->as_of && s->source && s->notes && s->pay_basis && s->loaded_at &&
	       s->pay_gaps ? 0 : -1;
}

static int load_grades(struct wf_state *st, const PGresult *grades)
{
	for (int i = 0; i < PQntuples(grades) && st->ngrades < WF_MAX_GRADES; i++) {
		st->grades[st->ngrades] = strdup(PQgetvalue(grades, i, 0));
		st->grade_names[st->ngrades] = strdup(PQgetvalue(grades, i, 1));
		st->senior[st->ngrades] = strcmp(PQgetvalue(grades, i, 2), "t") == 0;
		if (!st->grades[st->ngrades] || !st->grade_names[st->ngrades++])
			return -1;
	}
	return 0;
}

/* Every snapshot with its tables, suppressed. */
static int load_snaps(struct wf_state *st, const PGresult *snaps, const PGresult *counts)
{
	int row = 0;

	st->snaps = calloc((size_t)PQntuples(snaps) + 1, sizeof(*st->snaps));
	if (!st->snaps)
		return -1;
	for (int i = 0; i < PQntuples(snaps); i++) {
		struct wf_snap *s = &st->snaps[st->nsnaps++];
		int first;

		if (snap_row(s, snaps, i) != 0)
			return -1;
		/* The counts are ordered by snapshot: this one's are a run. */
		for (row = 0; row < PQntuples(counts) && strcmp(PQgetvalue(counts, row, 0), s->id) != 0; row++)
			;
		first = row;
		while (row < PQntuples(counts) && strcmp(PQgetvalue(counts, row, 0), s->id) == 0)
			row++;
		if (snap_tables(st, s, counts, first, row) != 0 ||
		    snap_quartiles(s, PQgetvalue(snaps, i, S_QUARTILES)) != 0 ||
		    wf_tables_suppress(&s->dims, s->tables, WF_NCHARS, st->threshold) != 0)
			return -1;
	}
	return 0;
}

/* results: wf_snapshots, wf_counts, wf_grade_bands and wf_top_categories,
 * which the state keeps (its strings are the category names).  -1 when
 * memory ran out. */
static int state_load(void *table, PGresult **r, unsigned threshold)
{
	struct wf_state *st = table;

	st->threshold = threshold;
	st->cat_rows = r[3];
	r[3] = NULL;
	return load_grades(st, r[2]) != 0 || load_snaps(st, r[0], r[1]) != 0 ? -1 : 0;
}

static void *state_build(struct request *req, struct response *res, void *arg)
{
	static const char *const stmts[] = {
		"wf_snapshots", "wf_counts", "wf_grade_bands", "wf_top_categories",
	};
	static const struct table_loader loader = {
		sizeof(struct wf_state), stmts, 4, state_load, state_free,
	};

	(void)arg;
	return table_load_or_respond(req, res, &loader);
}

int wf_state_get_or_respond(struct request *req, struct response *res, struct memo_ref *ref)
{
	return table_memo_get_or_respond(&states, req, res, WF_DEPENDS, "workforce", state_build, NULL, ref);
}

void wf_state_release(struct memo_ref *ref)
{
	memo_release(&states, ref);
}

/* ---- shared parameters and meta ------------------------------------------ */

const char *const wf_compare_choices[] = { "previous", NULL };

/* Does snapshot s hold what the endpoint publishes?  A snapshot made only to
 * carry published pay-gap figures has no headcounts, and one loaded without
 * pay has no gaps: neither may become the default for the other. */
static bool snapshot_has(const struct wf_snap *s, enum wf_need need)
{
	return need == WF_NEED_COUNTS ? s->headcount > 0 : strcmp(s->pay_basis, "none") != 0;
}

static struct wf_snap *latest_with(struct response *res, struct wf_state *st, enum wf_need need,
				   long *index)
{
	for (size_t i = st->nsnaps; i-- > 0;)
		if (snapshot_has(&st->snaps[i], need)) {
			*index = (long)i;
			return &st->snaps[i];
		}
	problem_send(res, 404, "not-found", "Not found", "No workforce snapshot holds these figures yet.");
	return NULL;
}

struct wf_snap *wf_snapshot_param(struct request *req, struct response *res, struct wf_state *st,
				  enum wf_need need, long *index)
{
	const char *as_of = NULL;
	struct date d;

	if (request_single_or_respond(req, res, "as_of", &as_of))
		return NULL;
	if (as_of && date_parse(as_of, &d) != 0) {
		problem_send_bad_parameter(res, "as_of", "must be a date such as 2024-03-31");
		return NULL;
	}
	if (st->nsnaps == 0) {
		problem_send(res, 404, "not-found", "Not found", "No workforce snapshot has been loaded yet.");
		return NULL;
	}
	if (!as_of)
		return latest_with(res, st, need, index);
	for (size_t i = 0; i < st->nsnaps; i++)
		if (strcmp(st->snaps[i].as_of, as_of) == 0) {
			*index = (long)i;
			return &st->snaps[i];
		}
	problem_sendf(res, 404, "not-found", "Not found",
		      "There is no workforce snapshot as of %s; see /v1/workforce/snapshots.", as_of);
	return NULL;
}

int wf_characteristics_param(struct request *req, struct response *res, const char *const *allowed,
			     int *out, size_t *n)
{
	const char **items = NULL;
	size_t nitems = 0;

	if (request_list_or_respond(req, res, "characteristic", WF_NCHARS, &items, &nitems))
		return -1;
	*n = 0;
	for (size_t i = 0; i < nitems; i++) {
		long k = wf_find(wf_characteristics, WF_NCHARS, items[i]);

		if (k < 0 || wf_find_nt(allowed, items[i]) < 0) {
			char detail[300];
			int len = snprintf(detail, sizeof(detail), "'%.40s' is not one of", items[i]);

			for (size_t a = 0; allowed[a] && len > 0 && (size_t)len < sizeof(detail); a++)
				len += snprintf(detail + len, sizeof(detail) - (size_t)len, "%s %s", a ? "," : "",
						allowed[a]);
			problem_send_bad_parameter(res, "characteristic", detail);
			return -1;
		}
		out[(*n)++] = (int)k;
	}
	if (nitems == 0)
		for (int ch = 0; allowed[ch]; ch++)
			out[(*n)++] = (int)wf_find(wf_characteristics, WF_NCHARS, allowed[ch]);
	return 0;
}

json_t *wf_disclosure_meta(const struct wf_state *st)
{
	char rule[512];

	snprintf(rule, sizeof(rule),
		 "Counts from 1 to %u are withheld (value null, suppressed true), and further cells where needed so that no withheld count can be recovered from published cells and totals, in any table of the snapshot. Zero is published as zero. Shares are computed from unrounded counts and withheld with their counts.",
		 st->threshold - 1);
	return json_pack("{s:s, s:i, s:s}", "method", "primary and secondary cell suppression",
			 "threshold", (int)st->threshold, "rule", rule);
}

json_t *wf_snapshot_ref(const struct wf_snap *s)
{
	return json_pack("{s:s, s:s, s:b}", "as_of", s->as_of, "source", s->source, "official", s->official);
}

json_t *wf_grade_bands_json(const struct wf_state *st)
{
	json_t *a = json_array();

	for (size_t g = 0; g < st->ngrades; g++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "code", st->grades[g],
						   "name", st->grade_names[g], "senior", st->senior[g]));
	return a;
}
