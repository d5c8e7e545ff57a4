/*
 * workforce.c - the workforce resource: snapshots of the council's staff.
 *
 *   GET  /v1/workforce/snapshots        the snapshots loaded, newest first
 *   GET  /v1/workforce/profile          headcounts and shares by directorate,
 *                                       grade band and category
 *   GET  /v1/workforce/pay-gaps         mean and median hourly pay gaps, bonus
 *                                       gaps and pay quartiles
 *   GET  /v1/workforce/representation   workforce shares against residents'
 *   POST /v1/workforce/snapshots        load a snapshot (admin)
 *   PUT  /v1/workforce/snapshots/{as_of}/pay-gaps
 *                                       published pay gaps for a snapshot
 *                                       without employee pay (admin)
 *
 * Disclosure control.  Each snapshot and characteristic is one table of
 * category cells by directorate, by grade band, for the senior grades
 * together and for the whole council, with their totals (directorate and
 * grade band are never crossed: such cells would mostly be too small), and
 * the pay characteristics also have a quartile x category table.  Cells
 * shared between tables (the headcount by directorate and grade, which
 * every characteristic publishes, and each category's total, which the
 * quartiles add up to) are withheld in all of them when any withholds
 * them, repeated to a fixed point, so no table gives away what another
 * hides.  Suppression is decided once per data generation over whole
 * tables; filters only choose cells.  A pay gap is withheld when either
 * group has fewer than EQ_SUPPRESS_BELOW people, a bonus gap when either
 * group has fewer bonus recipients, and a bonus share when the recipients
 * or the others of the group number 1 to EQ_SUPPRESS_BELOW - 1.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/common.h"
#include "api/kit/demo_tables.h"
#include "api/kit/memo.h"
#include "config.h"
#include "domain/csv.h"
#include "domain/disclosure.h"
#include "domain/period.h"
#include "domain/validate.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"
#include "import/workforce.h"

#define WF_DEPENDS (DATA_WORKFORCE | DATA_REFERENCE)
#define PAY_CHARS 3
#define MAX_CATS 32
#define MAX_DIRS 64
#define MAX_GRADES 16

static const struct db_statement statements[] = {
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
	{ "wf_dataset",
	  "SELECT id, slug, title, release_date::text, reference_date::text, official, population"
	  " FROM datasets WHERE slug = $1", 1 },
	{ "wf_dataset_latest",
	  "SELECT d.id, d.slug, d.title, d.release_date::text, d.reference_date::text, d.official,"
	  " d.population FROM datasets d"
	  " WHERE EXISTS (SELECT 1 FROM demographic_totals t WHERE t.dataset_id = d.id)"
	  " ORDER BY d.population = 'working_age_16_64' DESC, d.release_date DESC, d.slug LIMIT 1", 0 },
	{ "wf_import_categories", wf_categories_sql, 0 },
	{ "wf_import_grades", wf_grades_sql, 0 },
	{ "wf_store", wf_store_sql, 5 },
	{ "wf_publish",
	  "SELECT outcome FROM workforce_publish_pay_gaps($1::date, $2, $3::jsonb)", 3 },
	{ "wf_publish_categories",
	  "SELECT code FROM categories WHERE parent_code IS NULL AND characteristic_code = $1"
	  " ORDER BY sort_order, code", 1 },
};

/* ---- the memoised, disclosure-controlled tables -------------------------- */

struct wf_table {
	size_t ncats;              /* categories; index ncats is the total */
	const char *cats[MAX_CATS];
	int64_t *values;           /* cell(): (ndirs+1) x (ngrades+2) x (ncats+1) */
	bool *supp;
	bool has_quartiles;
	int64_t quart[5 * (MAX_CATS + 1)];   /* q 0..3, 4 = all; category ncats = all */
	bool qsupp[5 * (MAX_CATS + 1)];
};

struct wf_snap {
	char *id, *as_of, *source, *notes, *pay_basis, *loaded_at;
	bool official;
	long headcount;
	size_t ndirs;
	char *dirs[MAX_DIRS];
	struct wf_table tables[WF_NCHARS];
	json_t *pay_gaps;
	/* pay_basis 'published': {source, reference, published_on}, and the
	 * published quartile shares [{characteristic, quartile, category, share}]. */
	json_t *publication, *pub_quartiles;
};

struct wf_state {
	uint64_t gen;
	unsigned threshold;
	int refs;
	size_t ngrades;
	char *grades[MAX_GRADES], *grade_names[MAX_GRADES];
	bool senior[MAX_GRADES];
	/* Category names by characteristic, for the responses. */
	PGresult *cat_rows;
	size_t nsnaps;
	struct wf_snap *snaps;     /* ascending as_of */
};

static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wf_state *memo;

static size_t ncells_of(const struct wf_state *st, const struct wf_snap *s, const struct wf_table *t)
{
	return (s->ndirs + 1) * (st->ngrades + 2) * (t->ncats + 1);
}

/* d: ndirs = all directorates; g: ngrades = all, ngrades + 1 = senior grades;
 * c: ncats = all categories. */
static size_t cell(const struct wf_state *st, const struct wf_table *t, size_t d, size_t g, size_t c)
{
	return (d * (st->ngrades + 2) + g) * (t->ncats + 1) + c;
}

static void state_free(struct wf_state *st)
{
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
		for (size_t d = 0; d < s->ndirs; d++)
			free(s->dirs[d]);
		for (int ch = 0; ch < WF_NCHARS; ch++) {
			free(s->tables[ch].values);
			free(s->tables[ch].supp);
		}
		json_decref(s->pay_gaps);
		json_decref(s->publication);
		json_decref(s->pub_quartiles);
	}
	free(st->snaps);
	PQclear(st->cat_rows);
	free(st);
}

static void state_put(struct wf_state *st)
{
	bool last;

	if (!st)
		return;
	pthread_mutex_lock(&memo_lock);
	last = --st->refs == 0;
	pthread_mutex_unlock(&memo_lock);
	if (last)
		state_free(st);
}

static long find(char *const *list, size_t n, const char *code)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], code) == 0)
			return (long)i;
	return -1;
}

static long find_c(const char *const *list, size_t n, const char *code)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], code) == 0)
			return (long)i;
	return -1;
}

/* Index of code in a NULL-terminated list, or -1. */
static long find_nt(const char *const *list, const char *code)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], code) == 0)
			return (long)i;
	return -1;
}

static const char *category_name(const struct wf_state *st, const char *ch, const char *code)
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

/* Constraints of a profile table (owned arrays in *cs, *parts). */
static int profile_constraints(const struct wf_state *st, const struct wf_snap *s,
			       const struct wf_table *t, struct disclosure_constraint **cs_out,
			       size_t *ncs, size_t **parts_out)
{
	size_t D = s->ndirs, G = st->ngrades, C = t->ncats;
	size_t maxc = (D + 1) * (G + 2) + 2 * (D + 1) * (C + 1) + (G + 2) * (C + 1);
	size_t maxp = ncells_of(st, s, t) * 4;
	struct disclosure_constraint *cs = calloc(maxc, sizeof(*cs));
	size_t *parts = calloc(maxp, sizeof(*parts)), n = 0, np = 0;

	if (!cs || !parts) {
		free(cs);
		free(parts);
		return -1;
	}
#define BEGIN(totalcell) do { cs[n].total = (totalcell); cs[n].parts = parts + np; cs[n].nparts = 0; } while (0)
#define PART(c) do { parts[np++] = (c); cs[n].nparts++; } while (0)
	/* Published cells: by directorate (d, G, c), by grade band (D, g, c),
	 * the senior grades together (D, G + 1, c) and the whole council
	 * (D, G, c); never directorate and grade band together, whose cells
	 * would be mostly too small to publish. */
	for (size_t d = 0; d <= D; d++) {
		BEGIN(cell(st, t, d, G, C));
		for (size_t c = 0; c < C; c++)
			PART(cell(st, t, d, G, c));
		n++;
	}
	for (size_t g = 0; g < G + 2; g++) {
		if (g == G)
			continue;   /* the whole council: done above (d = D) */
		BEGIN(cell(st, t, D, g, C));
		for (size_t c = 0; c < C; c++)
			PART(cell(st, t, D, g, c));
		n++;
	}
	for (size_t c = 0; c <= C; c++) {
		BEGIN(cell(st, t, D, G, c));
		for (size_t d = 0; d < D; d++)
			PART(cell(st, t, d, G, c));
		n++;
		BEGIN(cell(st, t, D, G, c));
		for (size_t g = 0; g < G; g++)
			PART(cell(st, t, D, g, c));
		n++;
		BEGIN(cell(st, t, D, G + 1, c));
		for (size_t g = 0; g < G; g++)
			if (st->senior[g])
				PART(cell(st, t, D, g, c));
		n++;
	}
#undef BEGIN
#undef PART
	*cs_out = cs;
	*ncs = n;
	*parts_out = parts;
	return 0;
}

static int quartile_constraints(size_t C, struct disclosure_constraint *cs, size_t *parts, size_t *ncs)
{
	size_t n = 0, np = 0;

	for (size_t q = 0; q < 5; q++) {
		cs[n] = (struct disclosure_constraint){ q * (C + 1) + C, parts + np, C };
		for (size_t c = 0; c < C; c++)
			parts[np++] = q * (C + 1) + c;
		n++;
	}
	for (size_t c = 0; c <= C; c++) {
		cs[n] = (struct disclosure_constraint){ 4 * (C + 1) + c, parts + np, 4 };
		for (size_t q = 0; q < 4; q++)
			parts[np++] = q * (C + 1) + c;
		n++;
	}
	*ncs = n;
	return 0;
}

/* Decide suppression over every table of a snapshot (see the file banner). */
static int snapshot_suppress(const struct wf_state *st, struct wf_snap *s)
{
	size_t D = s->ndirs, G = st->ngrades;
	bool *force_head = calloc((D + 1) * (G + 2), sizeof(bool));
	bool force_cat[WF_NCHARS][MAX_CATS + 1];
	struct disclosure_constraint *cs[WF_NCHARS] = { NULL };
	size_t ncs[WF_NCHARS] = { 0 }, *parts[WF_NCHARS] = { NULL };
	bool *forced = NULL;
	int rc = -1;

	memset(force_cat, 0, sizeof(force_cat));
	if (!force_head)
		goto done;
	for (int ch = 0; ch < WF_NCHARS; ch++)
		if (profile_constraints(st, s, &s->tables[ch], &cs[ch], &ncs[ch], &parts[ch]) != 0)
			goto done;
	forced = calloc(ncells_of(st, s, &s->tables[0]) + (D + 1) * (G + 2) * (MAX_CATS + 1) + 1, sizeof(bool));
	if (!forced)
		goto done;
	for (int round = 0; round < 20; round++) {
		bool changed = false;

		for (int ch = 0; ch < WF_NCHARS; ch++) {
			struct wf_table *t = &s->tables[ch];
			size_t n = ncells_of(st, s, t), C = t->ncats;

			memset(forced, 0, n * sizeof(bool));
			for (size_t d = 0; d <= D; d++)
				for (size_t g = 0; g < G + 2; g++)
					forced[cell(st, t, d, g, C)] = force_head[d * (G + 2) + g];
			for (size_t c = 0; c <= C; c++)
				forced[cell(st, t, D, G, c)] = forced[cell(st, t, D, G, c)] || force_cat[ch][c];
			if (disclosure_apply_forced(t->values, n, cs[ch], ncs[ch], (int)st->threshold,
						    forced, t->supp) != 0)
				goto done;
			if (t->has_quartiles) {
				struct disclosure_constraint qcs[5 + MAX_CATS + 1];
				size_t qparts[5 * MAX_CATS + 4 * (MAX_CATS + 1)], nq;
				bool qforced[5 * (MAX_CATS + 1)] = { false };

				quartile_constraints(C, qcs, qparts, &nq);
				for (size_t c = 0; c <= C; c++)
					qforced[4 * (C + 1) + c] = force_cat[ch][c] || t->supp[cell(st, t, D, G, c)];
				if (disclosure_apply_forced(t->quart, 5 * (C + 1), qcs, nq, (int)st->threshold,
							    qforced, t->qsupp) != 0)
					goto done;
			}
		}
		/* The union of what any table withholds among the shared cells. */
		for (int ch = 0; ch < WF_NCHARS; ch++) {
			struct wf_table *t = &s->tables[ch];
			size_t C = t->ncats;

			for (size_t d = 0; d <= D; d++)
				for (size_t g = 0; g < G + 2; g++)
					if (t->supp[cell(st, t, d, g, C)] && !force_head[d * (G + 2) + g])
						force_head[d * (G + 2) + g] = changed = true;
			for (size_t c = 0; c <= C; c++) {
				bool w = t->supp[cell(st, t, D, G, c)] ||
					 (t->has_quartiles && t->qsupp[4 * (C + 1) + c]);

				if (w && !force_cat[ch][c])
					force_cat[ch][c] = changed = true;
			}
		}
		if (!changed) {
			rc = 0;
			break;
		}
	}
done:
	for (int ch = 0; ch < WF_NCHARS; ch++) {
		free(cs[ch]);
		free(parts[ch]);
	}
	free(forced);
	free(force_head);
	return rc;
}

static int snap_tables(struct wf_state *st, struct wf_snap *s, const PGresult *counts, int first, int last)
{
	for (int i = first; i < last && s->ndirs < MAX_DIRS; i++)
		if (find(s->dirs, s->ndirs, PQgetvalue(counts, i, 1)) < 0 &&
		    !(s->dirs[s->ndirs++] = strdup(PQgetvalue(counts, i, 1))))
			return -1;
	for (int ch = 0; ch < WF_NCHARS; ch++) {
		struct wf_table *t = &s->tables[ch];
		size_t n;

		if (strcmp(wf_characteristics[ch], "age") == 0) {
			for (size_t k = 0; workforce_age_bands[k] && t->ncats < MAX_CATS; k++)
				t->cats[t->ncats++] = workforce_age_bands[k];
		} else {
			for (int i = 0; i < PQntuples(st->cat_rows) && t->ncats < MAX_CATS; i++)
				if (strcmp(PQgetvalue(st->cat_rows, i, 0), wf_characteristics[ch]) == 0)
					t->cats[t->ncats++] = PQgetvalue(st->cat_rows, i, 1);
			for (size_t k = 0; workforce_unknown_codes[k] && t->ncats < MAX_CATS; k++)
				t->cats[t->ncats++] = workforce_unknown_codes[k];
		}
		n = ncells_of(st, s, t);
		t->values = calloc(n, sizeof(*t->values));
		t->supp = calloc(n, sizeof(*t->supp));
		if (!t->values || !t->supp)
			return -1;
	}
	for (int i = first; i < last; i++) {
		long d = find(s->dirs, s->ndirs, PQgetvalue(counts, i, 1));
		long g = find(st->grades, st->ngrades, PQgetvalue(counts, i, 2));
		long ch = find_c(wf_characteristics, WF_NCHARS, PQgetvalue(counts, i, 3));
		struct wf_table *t;
		long c;
		int64_t v = db_get_ll(counts, i, 5);

		if (d < 0 || g < 0 || ch < 0 || v < 0)
			return -1;
		t = &s->tables[ch];
		c = find_c(t->cats, t->ncats, PQgetvalue(counts, i, 4));
		if (c < 0)
			return -1;
		for (int dd = 0; dd < 2; dd++)
			for (int gg = 0; gg < 3; gg++)
				for (int cc = 0; cc < 2; cc++) {
					size_t D = dd ? s->ndirs : (size_t)d, C = cc ? t->ncats : (size_t)c;
					size_t G = gg == 0 ? (size_t)g : gg == 1 ? st->ngrades : st->ngrades + 1;

					if (gg == 2 && !st->senior[g])
						continue;
					t->values[cell(st, t, D, G, C)] += v;
				}
	}
	return 0;
}

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
		long ch = chname ? find_c(wf_characteristics, WF_NCHARS, chname) : -1;
		json_int_t q = json_integer_value(json_array_get(item, 1));
		const char *cat = json_string_value(json_array_get(item, 2));
		json_int_t v = json_integer_value(json_array_get(item, 3));
		struct wf_table *t;
		long c;

		if (ch < 0 || q < 1 || q > 4 || !cat || v < 0)
			continue;
		t = &s->tables[ch];
		c = find_c(t->cats, t->ncats, cat);
		if (c < 0)
			continue;
		t->has_quartiles = true;
		t->quart[(q - 1) * (long)(t->ncats + 1) + c] += v;
		t->quart[(q - 1) * (long)(t->ncats + 1) + (long)t->ncats] += v;
		t->quart[4 * (long)(t->ncats + 1) + c] += v;
		t->quart[4 * (long)(t->ncats + 1) + (long)t->ncats] += v;
	}
	json_decref(arr);
	return 0;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static struct wf_state *state_build(struct request *req, struct response *res, uint64_t gen)
{
	struct wf_state *st = calloc(1, sizeof(*st));
	PGresult *snaps = NULL, *counts = NULL, *grades = NULL;
	int row = 0;

	if (!st) {
		problem_send_internal(res);
		return NULL;
	}
	st->gen = gen;
	st->threshold = req->cfg->suppress_below;
	st->refs = 1;
	if (api_exec_or_respond(req, res, "wf_snapshots", 0, NULL, &snaps) ||
	    api_exec_or_respond(req, res, "wf_counts", 0, NULL, &counts) ||
	    api_exec_or_respond(req, res, "wf_grade_bands", 0, NULL, &grades) ||
	    api_exec_or_respond(req, res, "wf_top_categories", 0, NULL, &st->cat_rows))
		goto fail;
	for (int i = 0; i < PQntuples(grades) && st->ngrades < MAX_GRADES; i++) {
		st->grades[st->ngrades] = strdup(PQgetvalue(grades, i, 0));
		st->grade_names[st->ngrades] = strdup(PQgetvalue(grades, i, 1));
		st->senior[st->ngrades] = strcmp(PQgetvalue(grades, i, 2), "t") == 0;
		if (!st->grades[st->ngrades] || !st->grade_names[st->ngrades++])
			goto oom;
	}
	st->snaps = calloc((size_t)PQntuples(snaps) + 1, sizeof(*st->snaps));
	if (!st->snaps)
		goto oom;
	for (int i = 0; i < PQntuples(snaps); i++) {
		struct wf_snap *s = &st->snaps[st->nsnaps++];
		int first;
		json_error_t e;

		s->id = dup_or_empty(PQgetvalue(snaps, i, 0));
		s->as_of = dup_or_empty(PQgetvalue(snaps, i, 1));
		s->source = dup_or_empty(PQgetvalue(snaps, i, 2));
		s->official = strcmp(PQgetvalue(snaps, i, 3), "t") == 0;
		s->notes = dup_or_empty(PQgetvalue(snaps, i, 4));
		s->headcount = (long)db_get_ll(snaps, i, 5);
		s->pay_basis = dup_or_empty(PQgetvalue(snaps, i, 6));
		s->pay_gaps = json_loads(PQgetvalue(snaps, i, 7), 0, &e);
		if (strcmp(s->pay_basis, "published") == 0) {
			s->publication = json_loads(PQgetvalue(snaps, i, 10), JSON_DECODE_ANY, &e);
			s->pub_quartiles = json_loads(PQgetvalue(snaps, i, 8), 0, &e);
			if (!s->publication || !s->pub_quartiles)
				goto oom;
		}
		s->loaded_at = dup_or_empty(PQgetvalue(snaps, i, 9));
		if (!s->id || !s->as_of || !s->source || !s->notes || !s->pay_basis || !s->loaded_at ||
		    !s->pay_gaps)
			goto oom;
		while (row < PQntuples(counts) && strcmp(PQgetvalue(counts, row, 0), s->id) != 0)
			row++;
		first = row;
		while (row < PQntuples(counts) && strcmp(PQgetvalue(counts, row, 0), s->id) == 0)
			row++;
		if (snap_tables(st, s, counts, first, row) != 0 ||
		    snap_quartiles(s, PQgetvalue(snaps, i, 8)) != 0 || snapshot_suppress(st, s) != 0)
			goto oom;
		row = 0;
	}
	PQclear(snaps);
	PQclear(counts);
	PQclear(grades);
	return st;
oom:
	problem_send_internal(res);
fail:
	PQclear(snaps);
	PQclear(counts);
	PQclear(grades);
	state_free(st);
	return NULL;
}

static struct wf_state *state_get(struct request *req, struct response *res)
{
	uint64_t gen = cache_generation_for(WF_DEPENDS);
	unsigned threshold = req->cfg->suppress_below;
	struct wf_state *st = NULL, *old = NULL;

	if (gen != 0) {
		pthread_mutex_lock(&memo_lock);
		if (memo && memo->gen == gen && memo->threshold == threshold) {
			memo->refs++;
			st = memo;
		}
		pthread_mutex_unlock(&memo_lock);
		if (st)
			return st;
	}
	if (!request_db_or_respond(req, res))
		return NULL;
	st = state_build(req, res, gen);
	if (!st || gen == 0)
		return st;
	pthread_mutex_lock(&memo_lock);
	if (!memo || memo->gen <= gen) {
		old = memo;
		memo = st;
		st->refs++;
	}
	pthread_mutex_unlock(&memo_lock);
	state_put(old);
	return st;
}

/* ---- shared parameter handling ------------------------------------------ */

enum snap_need { NEED_COUNTS, NEED_PAY };

/* Does snapshot s hold what the endpoint publishes?  A snapshot made only to
 * carry published pay-gap figures has no headcounts, and one loaded without
 * pay has no gaps: neither may become the default for the other. */
static bool snapshot_has(const struct wf_snap *s, enum snap_need need)
{
	return need == NEED_COUNTS ? s->headcount > 0 : strcmp(s->pay_basis, "none") != 0;
}

/* The snapshot asked for (as_of; default the latest that has what the
 * endpoint publishes) or NULL after a 400/404. */
static struct wf_snap *snapshot_param(struct request *req, struct response *res, struct wf_state *st,
				      enum snap_need need, long *index)
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
		problem_send(res, 404, "not-found", "Not found",
			     "No workforce snapshot has been loaded yet.");
		return NULL;
	}
	if (!as_of) {
		for (size_t i = st->nsnaps; i-- > 0;)
			if (snapshot_has(&st->snaps[i], need)) {
				*index = (long)i;
				return &st->snaps[i];
			}
		problem_send(res, 404, "not-found", "Not found",
			     "No workforce snapshot holds these figures yet.");
		return NULL;
	}
	for (size_t i = 0; i < st->nsnaps; i++)
		if (strcmp(st->snaps[i].as_of, as_of) == 0) {
			*index = (long)i;
			return &st->snaps[i];
		}
	problem_sendf(res, 404, "not-found", "Not found",
		      "There is no workforce snapshot as of %s; see /v1/workforce/snapshots.", as_of);
	return NULL;
}

static const char *const compare_choices[] = { "previous", NULL };

static json_t *disclosure_meta(const struct wf_state *st)
{
	char rule[512];

	snprintf(rule, sizeof(rule),
		 "Counts from 1 to %u are withheld (value null, suppressed true), and further cells where needed so that no withheld count can be recovered from published cells and totals, in any table of the snapshot. Zero is published as zero. Shares are computed from unrounded counts and withheld with their counts.",
		 st->threshold - 1);
	return json_pack("{s:s, s:i, s:s}", "method", "primary and secondary cell suppression",
			 "threshold", (int)st->threshold, "rule", rule);
}

static json_t *snapshot_ref(const struct wf_snap *s)
{
	return json_pack("{s:s, s:s, s:b}", "as_of", s->as_of, "source", s->source, "official", s->official);
}

/* ---- GET /v1/workforce/snapshots ----------------------------------------- */

static const struct csv_column snapshot_csv[] = {
	{ "as_of", "/as_of" }, { "headcount", "/headcount" }, { "source", "/source" },
	{ "official", "/official" }, { "pay_basis", "/pay_basis" }, { "loaded_at", "/loaded_at" },
	{ "notes", "/notes" },
};

static json_t *grade_bands_json(const struct wf_state *st)
{
	json_t *a = json_array();

	for (size_t g = 0; g < st->ngrades; g++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "code", st->grades[g],
						   "name", st->grade_names[g], "senior", st->senior[g]));
	return a;
}

static void snapshots_get(struct request *req, struct response *res)
{
	struct wf_state *st = state_get(req, res);
	json_t *data;

	if (!st)
		return;
	data = json_array();
	for (size_t i = st->nsnaps; i-- > 0;) {
		const struct wf_snap *s = &st->snaps[i];
		const struct wf_table *t = &s->tables[0];
		size_t total = cell(st, t, s->ndirs, st->ngrades, t->ncats);
		json_t *dirs = json_array();

		for (size_t d = 0; d < s->ndirs; d++)
			json_array_append_new(dirs, json_string(s->dirs[d]));
		json_array_append_new(data, json_pack("{s:s, s:o, s:b, s:s, s:s, s:b, s:s, s:s, s:o}",
			"as_of", s->as_of,
			"headcount", t->supp[total] ? json_null() : json_integer(t->values[total]),
			"headcount_suppressed", t->supp[total],
			"source", s->source, "notes", s->notes, "official", s->official,
			"pay_basis", s->pay_basis, "loaded_at", s->loaded_at, "directorates", dirs));
	}
	{
		json_t *chars = json_array();

		for (int ch = 0; ch < WF_NCHARS; ch++)
			json_array_append_new(chars, json_string(wf_characteristics[ch]));
		response_list(req, res, data, json_pack("{s:i, s:o, s:o, s:s}",
			"count", (int)json_array_size(data), "grade_bands", grade_bands_json(st),
			"characteristics", chars,
			"categories", "Each characteristic is counted by its top-level categories (ethnicity by the five ONS high-level groups), with prefer_not_to_say and not_recorded, which count in every total. Age is counted in workforce age bands (age_16_19 ... age_65_plus)."),
			NULL, snapshot_csv, API_COUNT(snapshot_csv));
	}
	state_put(st);
}

/* ---- GET /v1/workforce/profile ------------------------------------------- */

static const struct csv_column profile_csv[] = {
	{ "as_of", "/as_of" }, { "characteristic", "/characteristic" },
	{ "directorate", "/directorate" }, { "grade_band", "/grade_band" },
	{ "category", "/category/code" }, { "category_name", "/category/name" },
	{ "value", "/value" }, { "share", "/share" }, { "suppressed", "/suppressed" },
	{ "previous_as_of", "/previous/as_of" }, { "previous_value", "/previous/value" },
	{ "previous_share", "/previous/share" }, { "previous_suppressed", "/previous/suppressed" },
	{ "change_value", "/previous/change_value" }, { "change_share", "/previous/change_share" },
};

static void cell_out(const struct wf_state *st, const struct wf_snap *s, int ch, size_t d, size_t g,
		     size_t c, json_t **value, json_t **share, bool *supp, int64_t *v, double *sh,
		     bool *has_share)
{
	const struct wf_table *t = &s->tables[ch];
	size_t k = cell(st, t, d, g, c), tot = cell(st, t, d, g, t->ncats);

	*v = t->values[k];
	*supp = t->supp[k];
	*has_share = disclosure_share(t->values[k], t->supp[k], t->values[tot], t->supp[tot], sh);
	*value = *supp ? json_null() : json_integer(*v);
	*share = *has_share ? json_real(response_round(*sh, 4)) : json_null();
}

/* Index of a code in s, or -1; "all" selections use the margin index. */
static int pick_list(struct request *req, struct response *res, const char *name,
		     char *const *known, size_t nknown, bool grouped, size_t all, size_t *out, size_t *n)
{
	const char **items = NULL;
	size_t nitems = 0;

	if (request_list_or_respond(req, res, name, 64, &items, &nitems))
		return -1;
	*n = 0;
	if (nitems) {
		for (size_t i = 0; i < nitems; i++) {
			long k = find(known, nknown, items[i]);

			if (k < 0) {
				char detail[200];

				snprintf(detail, sizeof(detail), "'%.40s' is not a %s of this snapshot", items[i],
					 name[0] == 'd' ? "directorate" : "grade band");
				problem_send_bad_parameter(res, name, detail);
				return -1;
			}
			out[(*n)++] = (size_t)k;
		}
		/* Published order, each once. */
		for (size_t i = 1; i < *n; i++)
			for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
				size_t x = out[j];

				out[j] = out[j - 1];
				out[j - 1] = x;
			}
		{
			size_t m = 0;

			for (size_t i = 0; i < *n; i++)
				if (m == 0 || out[m - 1] != out[i])
					out[m++] = out[i];
			*n = m;
		}
		return 0;
	}
	if (grouped)
		for (size_t i = 0; i < nknown; i++)
			out[(*n)++] = i;
	else
		out[(*n)++] = all;
	return 0;
}

static int characteristics_param(struct request *req, struct response *res, const char *const *allowed,
				 int *out, size_t *n)
{
	const char **items = NULL;
	size_t nitems = 0;

	if (request_list_or_respond(req, res, "characteristic", WF_NCHARS, &items, &nitems))
		return -1;
	*n = 0;
	for (size_t i = 0; i < nitems; i++) {
		long k = find_c(wf_characteristics, WF_NCHARS, items[i]);

		if (k < 0 || find_nt(allowed, items[i]) < 0) {
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
			out[(*n)++] = (int)find_c(wf_characteristics, WF_NCHARS, allowed[ch]);
	return 0;
}

static const char *const all_characteristics[] = {
	"sex", "ethnicity", "disability", "religion", "sexual_orientation", "age", NULL,
};

static void profile_get(struct request *req, struct response *res)
{
	static const char *const group_choices[] = { "directorate", "grade_band", NULL };
	struct wf_state *st = NULL;
	struct wf_snap *s, *prev = NULL;
	long si = -1;
	int chars[WF_NCHARS];
	size_t nchars, dsel[MAX_DIRS + 1], gsel[MAX_GRADES + 1], nd, ng;
	const char **groups = NULL, *compare = NULL;
	size_t ngroups = 0;
	bool by_dir = false, by_grade = false;
	json_t *data = NULL;

	if (request_list_or_respond(req, res, "group_by", 2, &groups, &ngroups) ||
	    request_enum_or_respond(req, res, "compare", compare_choices, NULL, &compare) ||
	    characteristics_param(req, res, all_characteristics, chars, &nchars))
		return;
	for (size_t i = 0; i < ngroups; i++) {
		if (find_nt(group_choices, groups[i]) < 0) {
			problem_send_bad_parameter(res, "group_by", "must be directorate or grade_band");
			return;
		}
		by_dir = by_dir || strcmp(groups[i], "directorate") == 0;
		by_grade = by_grade || strcmp(groups[i], "grade_band") == 0;
	}
	if (!(st = state_get(req, res)) || !(s = snapshot_param(req, res, st, NEED_COUNTS, &si)))
		goto done;
	if (pick_list(req, res, "directorate", s->dirs, s->ndirs, by_dir, s->ndirs, dsel, &nd) ||
	    pick_list(req, res, "grade_band", st->grades, st->ngrades, by_grade, st->ngrades, gsel, &ng))
		goto done;
	if (dsel[0] < s->ndirs && gsel[0] < st->ngrades) {
		problem_send_bad_parameter(res, query_get(&req->query, "grade_band") ? "grade_band" : "group_by",
			"the workforce is published by directorate or by grade band, not by both together (most such cells would be too small to publish)");
		goto done;
	}
	if (compare && si > 0)
		prev = &st->snaps[si - 1];
	data = json_array();
	for (size_t ci = 0; ci < nchars; ci++) {
		int ch = chars[ci];
		const struct wf_table *t = &s->tables[ch];

		for (size_t a = 0; a < nd; a++)
			for (size_t b = 0; b < ng; b++)
				for (size_t c = 0; c <= t->ncats; c++) {
					const char *code = c < t->ncats ? t->cats[c] : "total";
					json_t *value, *share, *row;
					bool supp, has_share;
					int64_t v;
					double sh;

					cell_out(st, s, ch, dsel[a], gsel[b], c, &value, &share, &supp, &v, &sh, &has_share);
					row = json_pack("{s:s, s:s, s:o, s:o, s:{s:s, s:s}, s:o, s:o, s:b}",
						"as_of", s->as_of, "characteristic", wf_characteristics[ch],
						"directorate", dsel[a] < s->ndirs ? json_string(s->dirs[dsel[a]]) : json_null(),
						"grade_band", gsel[b] < st->ngrades ? json_string(st->grades[gsel[b]]) : json_null(),
						"category", "code", code,
						"name", c < t->ncats ? category_name(st, wf_characteristics[ch], code) : "Total",
						"value", value, "share", share, "suppressed", supp);
					if (row && compare) {
						json_t *p = json_null();

						if (prev) {
							long pd = dsel[a] < s->ndirs ? find(prev->dirs, prev->ndirs, s->dirs[dsel[a]])
										 : (long)prev->ndirs;
							json_t *pv, *ps;
							bool psupp, phas;
							int64_t pvv;
							double psh;

							if (pd >= 0) {
								cell_out(st, prev, ch, (size_t)pd, gsel[b], c, &pv, &ps, &psupp,
									 &pvv, &psh, &phas);
								p = json_pack("{s:s, s:o, s:o, s:b, s:o, s:o}",
									"as_of", prev->as_of, "value", pv, "share", ps,
									"suppressed", psupp,
									"change_value", supp || psupp ? json_null() : json_integer(v - pvv),
									"change_share", has_share && phas
										? json_real(response_round(sh - psh, 4)) : json_null());
							}
						}
						json_object_set_new(row, "previous", p);
					}
					if (!row || json_array_append_new(data, row)) {
						problem_send_internal(res);
						goto done;
					}
				}
	}
	response_list(req, res, data, json_pack("{s:o, s:o, s:o, s:s, s:i}",
		"snapshot", snapshot_ref(s), "disclosure", disclosure_meta(st),
		"grade_bands", grade_bands_json(st),
		"shares", "share is the category's count divided by the row's total (the same directorate and grade band), prefer not to say and not recorded included.",
		"count", (int)json_array_size(data)),
		NULL, profile_csv, API_COUNT(profile_csv));
	data = NULL;
done:
	json_decref(data);
	state_put(st);
}

/* ---- GET /v1/workforce/pay-gaps ------------------------------------------ */

static const struct csv_column paygap_csv[] = {
	{ "as_of", "/as_of" }, { "characteristic", "/characteristic" }, { "measure", "/measure" },
	{ "group", "/group" }, { "reference", "/reference" }, { "quartile", "/quartile" },
	{ "value", "/value" }, { "suppressed", "/suppressed" },
	{ "previous_as_of", "/previous/as_of" }, { "previous_value", "/previous/value" },
	{ "change", "/previous/change" }, { "basis", "/basis" },
};

static bool small(const struct wf_state *st, json_int_t n)
{
	return n > 0 && n < (json_int_t)st->threshold;
}

/* The published value of one pay-gap measure of a stored result. */
static json_t *gap_measure(const struct wf_state *st, const json_t *g, const char *measure, bool *supp)
{
	json_int_t ng = json_integer_value(json_object_get(g, "n_group"));
	json_int_t nr = json_integer_value(json_object_get(g, "n_reference"));
	json_int_t bg = json_integer_value(json_object_get(g, "bonus_n_group"));
	json_int_t br = json_integer_value(json_object_get(g, "bonus_n_reference"));
	bool enough = ng >= (json_int_t)st->threshold && nr >= (json_int_t)st->threshold;
	json_t *v = json_object_get(g, measure);

	*supp = false;
	/* Figures the employer has published already are served as they are. */
	if (json_is_true(json_object_get(g, "published")))
		return json_is_number(v) ? json_real(response_round(json_number_value(v), 1)) : json_null();
	if (strcmp(measure, "mean_gap") == 0 || strcmp(measure, "median_gap") == 0)
		*supp = !enough;
	else if (strcmp(measure, "mean_bonus_gap") == 0 || strcmp(measure, "median_bonus_gap") == 0)
		*supp = !enough || bg < (json_int_t)st->threshold || br < (json_int_t)st->threshold;
	else if (strcmp(measure, "bonus_share_group") == 0)
		*supp = !enough || small(st, bg) || small(st, ng - bg);
	else if (strcmp(measure, "bonus_share_reference") == 0)
		*supp = !enough || small(st, br) || small(st, nr - br);
	if (*supp || !json_is_number(v))
		return json_null();
	return json_real(response_round(json_number_value(v), 1));
}

static const char *const gap_measures[] = {
	"mean_gap", "median_gap", "mean_bonus_gap", "median_bonus_gap",
	"bonus_share_group", "bonus_share_reference", NULL,
};

static const json_t *find_gap(const struct wf_snap *s, const char *ch, const char *group)
{
	size_t i;
	json_t *g;

	json_array_foreach(s->pay_gaps, i, g)
		if (strcmp(json_string_value(json_object_get(g, "characteristic")), ch) == 0 &&
		    strcmp(json_string_value(json_object_get(g, "group")), group) == 0)
			return g;
	return NULL;
}

static bool json_str_is(const json_t *obj, const char *name, const char *want)
{
	const char *v = json_string_value(json_object_get(obj, name));

	return v && strcmp(v, want) == 0;
}

/* A snapshot's share (percent, unrounded) of category cat in quartile q
 * (1..4) of characteristic chi; false when there is none or it is withheld. */
static bool quartile_value(const struct wf_snap *s, int chi, int q, const char *cat, double *pct)
{
	const struct wf_table *t = &s->tables[chi];
	size_t k, tot;
	double sh;
	long c;

	if (s->pub_quartiles) {
		size_t i;
		json_t *e;

		json_array_foreach(s->pub_quartiles, i, e)
			if (json_str_is(e, "characteristic", wf_characteristics[chi]) &&
			    json_integer_value(json_object_get(e, "quartile")) == q &&
			    json_str_is(e, "category", cat) && json_is_number(json_object_get(e, "share"))) {
				*pct = json_number_value(json_object_get(e, "share"));
				return true;
			}
		return false;
	}
	c = find_c(t->cats, t->ncats, cat);
	if (!t->has_quartiles || c < 0 || q < 1 || q > 4)
		return false;
	k = (size_t)(q - 1) * (t->ncats + 1) + (size_t)c;
	tot = (size_t)(q - 1) * (t->ncats + 1) + t->ncats;
	if (!disclosure_share(t->quart[k], t->qsupp[k], t->quart[tot], t->qsupp[tot], &sh))
		return false;
	*pct = sh * 100.0;
	return true;
}

static const char *basis_of(const struct wf_snap *s)
{
	return strcmp(s->pay_basis, "published") == 0 ? "published" : "computed";
}

/* One quartile_share row (with the previous snapshot's when compare). */
static int quartile_row(json_t *data, const struct wf_snap *s, const struct wf_snap *prev, bool compare,
			int chi, int q, const char *cat)
{
	double pct = 0, ppct = 0;
	bool ok = quartile_value(s, chi, q, cat, &pct);
	json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:n, s:i, s:o, s:b, s:s}",
		"as_of", s->as_of, "characteristic", wf_characteristics[chi], "measure", "quartile_share",
		"group", cat, "reference", "quartile", q,
		"value", ok ? json_real(response_round(pct, 1)) : json_null(),
		"suppressed", !ok && !s->pub_quartiles, "basis", basis_of(s));

	if (row && compare) {
		bool pok = prev && quartile_value(prev, chi, q, cat, &ppct);

		json_object_set_new(row, "previous", prev ? json_pack("{s:s, s:o, s:b, s:o}",
			"as_of", prev->as_of,
			"value", pok ? json_real(response_round(ppct, 1)) : json_null(),
			"suppressed", !pok && !prev->pub_quartiles,
			"change", ok && pok ? json_real(response_round(pct - ppct, 1)) : json_null())
			: json_null());
	}
	return !row || json_array_append_new(data, row) ? -1 : 0;
}

static void paygaps_get(struct request *req, struct response *res)
{
	static const char *const pay_chars[] = { "sex", "ethnicity", "disability", NULL };
	struct wf_state *st = NULL;
	struct wf_snap *s, *prev = NULL;
	long si = -1;
	int chars[WF_NCHARS];
	size_t nchars, i;
	const char *compare = NULL;
	json_t *data = NULL, *g;
	bool published;

	if (request_enum_or_respond(req, res, "compare", compare_choices, NULL, &compare) ||
	    characteristics_param(req, res, pay_chars, chars, &nchars))
		return;
	if (!(st = state_get(req, res)) || !(s = snapshot_param(req, res, st, NEED_PAY, &si)))
		goto done;
	if (compare && si > 0)
		prev = &st->snaps[si - 1];
	data = json_array();
	for (size_t ci = 0; ci < nchars; ci++) {
		const char *ch = wf_characteristics[chars[ci]];
		const struct wf_table *t = &s->tables[chars[ci]];

		json_array_foreach(s->pay_gaps, i, g) {
			const char *group = json_string_value(json_object_get(g, "group"));

			if (strcmp(json_string_value(json_object_get(g, "characteristic")), ch) != 0)
				continue;
			for (size_t m = 0; gap_measures[m]; m++) {
				bool supp;
				json_t *v = gap_measure(st, g, gap_measures[m], &supp), *row;

				row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:n, s:o, s:b, s:s}",
					"as_of", s->as_of, "characteristic", ch, "measure", gap_measures[m],
					"group", group,
					"reference", json_string_value(json_object_get(g, "reference")),
					"quartile", "value", v, "suppressed", supp, "basis", basis_of(s));
				if (row && compare) {
					const json_t *pg = prev ? find_gap(prev, ch, group) : NULL;
					bool psupp = true;
					json_t *pv = pg ? gap_measure(st, pg, gap_measures[m], &psupp) : json_null();

					json_object_set_new(row, "previous", prev ? json_pack("{s:s, s:O, s:b, s:o}",
						"as_of", prev->as_of, "value", pv, "suppressed", psupp,
						"change", json_is_number(v) && json_is_number(pv)
							? json_real(response_round(json_number_value(v) - json_number_value(pv), 1))
							: json_null()) : json_null());
					json_decref(pv);
				}
				if (!row || json_array_append_new(data, row)) {
					problem_send_internal(res);
					goto done;
				}
			}
		}
		/* Quartiles: each category's share of each quarter of the pay ranking. */
		if (s->pub_quartiles) {
			json_t *e;

			json_array_foreach(s->pub_quartiles, i, e) {
				const char *cat = json_string_value(json_object_get(e, "category"));

				if (!cat || !json_str_is(e, "characteristic", ch))
					continue;
				if (quartile_row(data, s, prev, compare, chars[ci],
						 (int)json_integer_value(json_object_get(e, "quartile")), cat) != 0) {
					problem_send_internal(res);
					goto done;
				}
			}
		} else if (t->has_quartiles) {
			for (int q = 1; q <= 4; q++)
				for (size_t c = 0; c < t->ncats; c++)
					if (quartile_row(data, s, prev, compare, chars[ci], q, t->cats[c]) != 0) {
						problem_send_internal(res);
						goto done;
					}
		}
	}
	published = strcmp(s->pay_basis, "published") == 0;
	response_list(req, res, data, json_pack("{s:o, s:o, s:s, s:s, s:O, s:s, s:s, s:s, s:s, s:i}",
		"snapshot", snapshot_ref(s), "disclosure", disclosure_meta(st),
		"pay_basis", s->pay_basis, "basis", basis_of(s),
		"publication", s->publication ? s->publication : json_null(),
		"method", "As the Equality Act 2010 (Gender Pay Gap Information) Regulations 2017 define them, for each group against the reference group (male; white; not disabled): mean and median gaps are (reference - group) / reference x 100 of hourly pay; bonus gaps the same over the employees paid a bonus in the 12 months to as_of; bonus shares the percentage of each group paid one. Employees whose answer is prefer_not_to_say or not_recorded are left out of the gaps. minoritised compares every other ethnic group together with white. Values are percentages to one decimal place.",
		"quartiles", "Every employee is ranked by hourly pay and cut into four sections of (so far as possible) equal size, section j holding ranks floor((j-1)N/4)+1 to floor(jN/4); within a run of equal pay the groups are interleaved in proportion to their size, so employees on the same pay who straddle a boundary are spread as evenly as possible across the sections. quartile_share is the percentage of the section in the category (1 = lower, 4 = upper).",
		"withheld", "A gap is withheld when either group has fewer than the disclosure threshold of people; a bonus gap when either has fewer bonus recipients; a bonus share when the recipients or the others in the group are 1 to threshold-1; a quartile share when its count is withheld by cell suppression.",
		"source", published
			? "Published figures, loaded as the employer published them (meta.publication names the publication): not computed here, and not disclosure-controlled here, since they are public already. method, quartiles and withheld describe the figures computed from employee rows."
			: "Computed at import from hourly pay in the employee rows, which are never stored or published.",
		"count", (int)json_array_size(data)),
		NULL, paygap_csv, API_COUNT(paygap_csv));
	data = NULL;
done:
	json_decref(data);
	state_put(st);
}

/* ---- GET /v1/workforce/representation ------------------------------------ */

static const struct csv_column repr_csv[] = {
	{ "as_of", "/as_of" }, { "characteristic", "/characteristic" },
	{ "category", "/category/code" }, { "category_name", "/category/name" },
	{ "grades", "/grades" },
	{ "workforce_share", "/workforce_share" }, { "workforce_suppressed", "/workforce_suppressed" },
	{ "resident_share", "/resident_share" }, { "resident_suppressed", "/resident_suppressed" },
	{ "ratio", "/ratio" }, { "suppressed", "/suppressed" },
};

static void representation_get(struct request *req, struct response *res)
{
	static const char *const repr_chars[] = {
		"sex", "ethnicity", "disability", "religion", "sexual_orientation", NULL,
	};
	struct wf_state *st = NULL;
	struct wf_snap *s;
	struct memo_ref dt_ref = { 0 };
	const struct demo_table *dt = NULL;
	long si = -1, area = -1;
	const char *ch_text = NULL, *dataset = NULL;
	int ch;
	PGresult *ds = NULL;
	json_t *data = NULL;

	if (request_single_or_respond(req, res, "characteristic", &ch_text) ||
	    request_single_or_respond(req, res, "dataset", &dataset))
		return;
	if (!ch_text) {
		problem_send_bad_parameter(res, "characteristic",
			"is required: one of sex, ethnicity, disability, religion, sexual_orientation");
		return;
	}
	if (find_nt(repr_chars, ch_text) < 0) {
		problem_send_bad_parameter(res, "characteristic",
			strcmp(ch_text, "age") == 0
			? "age is not compared: the workforce age bands cannot be matched to a resident population of working age from the data sets held; use sex, ethnicity, disability, religion or sexual_orientation"
			: "must be one of sex, ethnicity, disability, religion, sexual_orientation");
		return;
	}
	if (dataset && !code_is_valid(dataset)) {
		problem_send_bad_parameter(res, "dataset", "must be a data set slug such as census-2021-demo");
		return;
	}
	ch = (int)find_c(wf_characteristics, WF_NCHARS, ch_text);
	if (!(st = state_get(req, res)) || !(s = snapshot_param(req, res, st, NEED_COUNTS, &si)))
		goto done;
	if (!request_db_or_respond(req, res) ||
	    (dataset ? api_exec_or_respond(req, res, "wf_dataset", 1, &dataset, &ds)
		     : api_exec_or_respond(req, res, "wf_dataset_latest", 0, NULL, &ds)))
		goto done;
	if (PQntuples(ds) == 0) {
		problem_send_bad_parameter(res, "dataset", dataset
			? "there is no such data set; see /v1/demographics/datasets"
			: "no demographics data set has been loaded");
		goto done;
	}
	if (demo_tables_get_or_respond(req, res, PQgetvalue(ds, 0, 0), ch_text, &dt_ref) != 0)
		goto done;
	dt = dt_ref.value;
	area = demo_table_borough(dt);
	data = json_array();
	{
		const struct wf_table *t = &s->tables[ch];

		for (size_t c = 0; c < t->ncats; c++)
			for (int senior = 0; senior < 2; senior++) {
				size_t g = senior ? st->ngrades + 1 : st->ngrades;
				size_t k = cell(st, t, s->ndirs, g, c), tot = cell(st, t, s->ndirs, g, t->ncats);
				double ws = 0, rs = 0;
				bool wok = disclosure_share(t->values[k], t->supp[k], t->values[tot], t->supp[tot], &ws);
				long dc = demo_table_category(dt, t->cats[c]);
				bool rok = false, rsupp = false;
				json_t *row;

				if (area >= 0 && dc >= 0) {
					rsupp = dt->suppressed[(size_t)area * dt->ncats + (size_t)dc];
					rok = demo_table_share(dt, (size_t)area, (size_t)dc, &rs);
				}
				row = json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:o, s:b, s:o, s:b, s:o, s:b}",
					"as_of", s->as_of, "characteristic", ch_text,
					"category", "code", t->cats[c], "name", category_name(st, ch_text, t->cats[c]),
					"grades", senior ? "senior" : "all",
					"workforce_share", wok ? json_real(response_round(ws, 4)) : json_null(),
					"workforce_suppressed", !wok && t->supp[k],
					"resident_share", rok ? json_real(response_round(rs, 4)) : json_null(),
					"resident_suppressed", rsupp,
					"ratio", wok && rok && rs > 0 ? json_real(response_round(ws / rs, 2)) : json_null(),
					"suppressed", t->supp[k] || rsupp);
				if (!row || json_array_append_new(data, row)) {
					problem_send_internal(res);
					goto done;
				}
			}
	}
	{
		json_t *senior = json_array();
		bool working_age = strcmp(PQgetvalue(ds, 0, 6), "working_age_16_64") == 0;

		for (size_t g = 0; g < st->ngrades; g++)
			if (st->senior[g])
				json_array_append_new(senior, json_string(st->grades[g]));
		response_list(req, res, data, json_pack(
			"{s:{s:s, s:s, s:b}, s:{s:s, s:s, s:s, s:s, s:b, s:s, s:s}, s:o, s:o, s:s, s:i}",
			"workforce", "as_of", s->as_of, "source", s->source, "official", s->official,
			"residents", "dataset", PQgetvalue(ds, 0, 1), "title", PQgetvalue(ds, 0, 2),
			"release_date", PQgetvalue(ds, 0, 3), "reference_date", PQgetvalue(ds, 0, 4),
			"official", strcmp(PQgetvalue(ds, 0, 5), "t") == 0,
			"population", PQgetvalue(ds, 0, 6),
			"population_description", working_age
				? "Usual residents aged 16 to 64 (working age)"
				: "All usual residents in the universe of each Census table (residents aged 16 and over for sexual orientation), of every age",
			"senior_grades", senior, "disclosure", disclosure_meta(st),
			"method", "ratio = workforce share / resident share: above 1 the category is better represented in the workforce than among residents. The workforce share is of all employees (or of those at senior grades), prefer_not_to_say and not_recorded included; the resident share is of the borough's residents in the data set's population (meta.residents.population): by default the working-age data set, residents aged 16 to 64; with dataset= another data set, such as all usual residents. Categories with no resident counterpart (prefer_not_to_say, not_recorded) have no ratio. A row is suppressed when either count is.",
			"count", (int)json_array_size(data)),
			NULL, repr_csv, API_COUNT(repr_csv));
		data = NULL;
	}
done:
	demo_tables_release(&dt_ref);
	PQclear(ds);
	json_decref(data);
	state_put(st);
}

/* ---- POST /v1/workforce/snapshots ---------------------------------------- */

static const char *const employee_fields[] = {
	"directorate", "grade_band", "sex", "ethnicity", "disability", "religion",
	"sexual_orientation", "age_band", "hourly_pay", "bonus_paid", NULL,
};

/* A JSON body's employees as CSV text for the one parser.  Problems go to v. */
static int employees_csv(const json_t *list, struct buf *out, struct validation *v)
{
	size_t i;
	json_t *e;

	for (size_t f = 0; employee_fields[f]; f++)
		if ((f && buf_append_char(out, ',')) || buf_append_str(out, employee_fields[f]))
			return -1;
	if (buf_append_char(out, '\n'))
		return -1;
	json_array_foreach(list, i, e) {
		char base[32];

		snprintf(base, sizeof(base), "/employees/%zu", i);
		if (!json_is_object(e)) {
			validation_add(v, base, "must be an object");
			continue;
		}
		validate_known_fields(v, e, base, employee_fields);
		for (size_t f = 0; employee_fields[f]; f++) {
			const json_t *x = json_object_get(e, employee_fields[f]);
			char num[64];
			const char *text = "";

			if (json_is_string(x)) {
				text = json_string_value(x);
			} else if (json_is_number(x)) {
				snprintf(num, sizeof(num), "%.4f", json_number_value(x));
				text = num;
			} else if (x && !json_is_null(x)) {
				validation_add(v, base, "%s must be a string or a number", employee_fields[f]);
			}
			if ((f && buf_append_char(out, ',')) || csv_append_field(out, text, strlen(text)))
				return -1;
		}
		if (buf_append_char(out, '\n'))
			return -1;
	}
	return 0;
}

static void snapshot_create(struct request *req, struct response *res)
{
	const char *ctype = request_header(req, "Content-Type");
	bool is_csv = ctype && strncasecmp(ctype, "text/csv", 8) == 0;
	const char *as_of = NULL, *notes = "";
	struct buf csvbuf = BUF_INIT;
	const char *data;
	size_t len;
	json_t *body = NULL, *errors = NULL, *doc = NULL;
	struct validation v;
	PGresult *cats = NULL, *grades = NULL, *r = NULL;
	char *text = NULL, location[96];
	struct date d;

	validation_init(&v);
	if (request_single_or_respond(req, res, "as_of", &as_of))
		goto done;
	if (is_csv) {
		if (!as_of) {
			problem_send_bad_parameter(res, "as_of", "is required with a text/csv body: the date of the snapshot, such as 2024-03-31");
			goto done;
		}
		data = req->body ? req->body : "";
		len = req->body_len;
	} else {
		static const char *const fields[] = { "as_of", "notes", "employees", NULL };
		const json_t *list;
		const char *body_as_of;

		if (!(body = request_json_or_respond(req, res)))
			goto done;
		validate_known_fields(&v, body, "", fields);
		body_as_of = validate_string(&v, body, "", "as_of", !as_of, 10);
		if (body_as_of)
			as_of = body_as_of;
		if (validate_string(&v, body, "", "notes", false, 2000))
			notes = json_string_value(json_object_get(body, "notes"));
		list = validate_array(&v, body, "", "employees", true, 1, 100000);
		if (list && employees_csv(list, &csvbuf, &v) != 0) {
			problem_send_internal(res);
			goto done;
		}
		data = buf_cstr(&csvbuf);
		len = csvbuf.len;
	}
	if (as_of && date_parse(as_of, &d) != 0)
		validation_add(&v, "/as_of", "must be a date such as 2024-03-31");
	if (api_exec_or_respond(req, res, "wf_import_categories", 0, NULL, &cats) ||
	    api_exec_or_respond(req, res, "wf_import_grades", 0, NULL, &grades))
		goto done;
	errors = json_array();
	{
		struct wf_codes codes = { cats, grades };
		int b = errors ? workforce_build(data, len, &codes, &doc, errors) : -1;

		if (b == 1) {
			json_t *e;
			size_t i;

			/* Every problem at once, the body's own and the rows'. */
			json_array_foreach(errors, i, e) {
				const char *col = json_string_value(json_object_get(e, "column"));
				const char *detail = json_string_value(json_object_get(e, "detail"));
				json_int_t line = json_integer_value(json_object_get(e, "line"));
				char ptr[160];

				if (is_csv)
					snprintf(ptr, sizeof(ptr), "/lines/%lld%s%s", (long long)line, col ? "/" : "", col ? col : "");
				else if (line >= 2)
					snprintf(ptr, sizeof(ptr), "/employees/%lld%s%s", (long long)line - 2, col ? "/" : "", col ? col : "");
				else
					snprintf(ptr, sizeof(ptr), "/employees");
				/* A field the JSON body does not know is reported once, above. */
				if (!is_csv && line < 2)
					continue;
				validation_add(&v, ptr, "%s", detail ? detail : "is not valid");
			}
		}
		if (!validation_ok(&v)) {
			problem_send_invalid(res, validation_take_errors(&v));
			goto done;
		}
		if (b != 0 || !(text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS))) {
			problem_send_internal(res);
			goto done;
		}
	}
	{
		char source[96];
		const char *p[5] = { as_of, source, "false", notes, text };

		snprintf(source, sizeof(source), "api:%s", req->auth.org_slug);
		if (api_exec_or_respond(req, res, "wf_store", 5, p, &r))
			goto done;
	}
	snprintf(res->audit_target, sizeof(res->audit_target), "workforce_snapshot:%s", as_of);
	response_json(res, strcmp(PQgetvalue(r, 0, 0), "created") == 0 ? 201 : 200,
		      json_pack("{s:s, s:s, s:I}", "as_of", as_of, "outcome", PQgetvalue(r, 0, 0),
				"headcount", json_integer_value(json_object_get(doc, "headcount"))));
	snprintf(location, sizeof(location), "/v1/workforce/profile?as_of=%s", as_of);
	(void)response_header_add(res, "Location", location);
done:
	PQclear(cats);
	PQclear(grades);
	PQclear(r);
	free(text);
	json_decref(doc);
	json_decref(errors);
	json_decref(body);
	buf_release(&csvbuf);
	validation_release(&v);
}

/* ---- PUT /v1/workforce/snapshots/{as_of}/pay-gaps ------------------------ */

/* The groups whose gaps can be published, against the reference group of
 * each characteristic (those the importer computes). */
static const char *const pub_chars[] = { "sex", "ethnicity", "disability", NULL };
static const char *const pub_refs[] = { "male", "white", "not_disabled" };
static const char *const pub_groups_sex[] = { "female", NULL };
static const char *const pub_groups_eth[] = { "asian", "black", "mixed", "other", "minoritised", NULL };
static const char *const pub_groups_dis[] = { "disabled", NULL };
static const char *const *const pub_groups[] = { pub_groups_sex, pub_groups_eth, pub_groups_dis };

/* A number in [min, max] or (optional) absent or null: the member, or NULL. */
static json_t *pub_number(struct validation *v, const json_t *obj, const char *base, const char *name,
			  bool required, double min, double max)
{
	json_t *x = json_object_get(obj, name);
	char ptr[160];

	snprintf(ptr, sizeof(ptr), "%s/%s", base, name);
	if (!x || json_is_null(x)) {
		if (required)
			validation_add(v, ptr, "is required: a percentage");
		return NULL;
	}
	if (!json_is_number(x)) {
		validation_add(v, ptr, "must be a number (a percentage)");
		return NULL;
	}
	if (json_number_value(x) < min || json_number_value(x) > max) {
		validation_add(v, ptr, "must be from %g to %g", min, max);
		return NULL;
	}
	return x;
}

/* One characteristic's figures into gaps and quartiles (the stored form). */
static int pub_characteristic(struct request *req, struct response *res, struct validation *v,
			      const json_t *obj, int pc, json_t *gaps, json_t *quarts)
{
	static const char *const fields[] = { "gaps", "quartiles", NULL };
	static const char *const gap_fields[] = {
		"group", "mean_gap", "median_gap", "mean_bonus_gap", "median_bonus_gap",
		"bonus_share_group", "bonus_share_reference", NULL,
	};
	const char *ch = pub_chars[pc];
	char base[24], ptr[96];
	const json_t *list, *qs;
	PGresult *cats = NULL;
	size_t i;
	json_t *e;

	snprintf(base, sizeof(base), "/%s", ch);
	validate_known_fields(v, obj, base, fields);
	list = validate_array(v, obj, base, "gaps", true, 1, 8);
	if (list)
		json_array_foreach(list, i, e) {
			const char *group;
			json_t *stored;

			snprintf(ptr, sizeof(ptr), "%s/gaps/%zu", base, i);
			if (!json_is_object(e)) {
				validation_add(v, ptr, "must be an object");
				continue;
			}
			validate_known_fields(v, e, ptr, gap_fields);
			group = validate_enum(v, e, ptr, "group", true, pub_groups[pc]);
			for (size_t k = 0; group && k < i; k++)
				if (json_str_is(json_array_get(list, k), "group", group)) {
					char gp[112];

					snprintf(gp, sizeof(gp), "%s/group", ptr);
					validation_add(v, gp, "%s is given twice", group);
					break;
				}
			stored = json_pack("{s:s, s:s?, s:s, s:b}", "characteristic", ch, "group", group,
					   "reference", pub_refs[pc], "published", 1);
			if (!stored || json_array_append_new(gaps, stored))
				return -1;
			for (size_t f = 1; gap_fields[f]; f++) {
				bool share = strncmp(gap_fields[f], "bonus_share", 11) == 0;
				json_t *x = pub_number(v, e, ptr, gap_fields[f], f <= 2, share ? 0 : -1000, 100);

				if (json_object_set_new(stored, gap_fields[f], x ? json_real(json_number_value(x)) : json_null()))
					return -1;
			}
		}
	qs = validate_array(v, obj, base, "quartiles", false, 4, 4);
	if (!qs)
		return 0;
	{
		const char *p[1] = { ch };

		if (api_exec_or_respond(req, res, "wf_publish_categories", 1, p, &cats))
			return 1;
	}
	json_array_foreach(qs, i, e) {
		const char *cat;
		json_t *share;
		double sum = 0;

		snprintf(ptr, sizeof(ptr), "%s/quartiles/%zu", base, i);
		if (!json_is_object(e)) {
			validation_add(v, ptr, "must be an object of category codes and shares");
			continue;
		}
		json_object_foreach(e, cat, share) {
			bool known = find_nt(workforce_unknown_codes, cat) >= 0;
			char cp[160];

			for (int r = 0; !known && r < PQntuples(cats); r++)
				known = strcmp(PQgetvalue(cats, r, 0), cat) == 0;
			snprintf(cp, sizeof(cp), "%s/%.60s", ptr, cat);
			if (!known) {
				validation_add(v, cp, "is not a top-level category of %s (nor prefer_not_to_say or not_recorded)", ch);
				continue;
			}
			if (!json_is_number(share) || json_number_value(share) < 0 || json_number_value(share) > 100) {
				validation_add(v, cp, "must be a percentage from 0 to 100");
				continue;
			}
			sum += json_number_value(share);
			if (json_array_append_new(quarts, json_pack("{s:s, s:i, s:s, s:f}", "characteristic", ch,
								     "quartile", (int)i + 1, "category", cat,
								     "share", json_number_value(share)))) {
				PQclear(cats);
				return -1;
			}
		}
		if (fabs(sum - 100.0) > 0.1)
			validation_add(v, ptr, "the shares of quartile %zu sum to %.2f, not 100 (within 0.1)", i + 1, sum);
	}
	PQclear(cats);
	return 0;
}

static void paygaps_put(struct request *req, struct response *res)
{
	static const char *const fields[] = {
		"source", "reference", "published_on", "sex", "ethnicity", "disability", NULL,
	};
	const char *as_of = request_param(req, "as_of");
	json_t *body = NULL, *gaps = json_array(), *quarts = json_array(), *doc = NULL;
	struct validation v;
	PGresult *r = NULL;
	char *text = NULL, src[96], location[96];
	const char *source, *reference;
	struct date d, pd;
	bool any = false, has_pd;
	const char *outcome;

	validation_init(&v);
	if (!as_of || date_parse(as_of, &d) != 0) {
		problem_send_bad_parameter(res, "as_of", "must be a date such as 2024-03-31");
		goto done;
	}
	if (!gaps || !quarts) {
		problem_send_internal(res);
		goto done;
	}
	if (!(body = request_json_or_respond(req, res)))
		goto done;
	validate_known_fields(&v, body, "", fields);
	source = validate_string(&v, body, "", "source", true, 500);
	if (source && !*source)
		validation_add(&v, "/source", "must not be empty");
	reference = validate_string(&v, body, "", "reference", false, 500);
	has_pd = validate_date(&v, body, "", "published_on", false, &pd);
	for (int pc = 0; pub_chars[pc]; pc++) {
		const json_t *obj = validate_object(&v, body, "", pub_chars[pc], false);
		int rc;

		if (!obj)
			continue;
		any = true;
		rc = pub_characteristic(req, res, &v, obj, pc, gaps, quarts);
		if (rc > 0)
			goto done;
		if (rc < 0) {
			problem_send_internal(res);
			goto done;
		}
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
	if (!doc || !(text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS))) {
		problem_send_internal(res);
		goto done;
	}
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
	snprintf(location, sizeof(location), "/v1/workforce/pay-gaps?as_of=%s", as_of);
	(void)response_header_add(res, "Location", location);
done:
	PQclear(r);
	free(text);
	json_decref(doc);
	json_decref(gaps);
	json_decref(quarts);
	json_decref(body);
	validation_release(&v);
}

/* ---- routes --------------------------------------------------------------- */

static const char *const snapshots_params[] = { NULL };
static const char *const create_params[] = { "as_of", NULL };
static const char *const profile_params[] = {
	"as_of", "characteristic", "directorate", "grade_band", "group_by", "compare", NULL,
};
static const char *const paygap_params[] = { "as_of", "characteristic", "compare", NULL };
static const char *const repr_params[] = { "as_of", "characteristic", "dataset", NULL };

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/v1/workforce/snapshots", .handler = snapshots_get,
	  .query_params = snapshots_params, .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = WF_DEPENDS },
	{ .method = HTTP_POST, .template = "/v1/workforce/snapshots", .handler = snapshot_create,
	  .query_params = create_params, .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY,
	  .scope = "admin", .action = "workforce_snapshot.load", .depends = DATA_WORKFORCE },
	{ .method = HTTP_PUT, .template = "/v1/workforce/snapshots/{as_of}/pay-gaps", .handler = paygaps_put,
	  .query_params = snapshots_params, .flags = ROUTE_WRITE | ROUTE_BODY,
	  .scope = "admin", .action = "workforce_pay_gaps.publish", .depends = DATA_WORKFORCE },
	{ .method = HTTP_GET, .template = "/v1/workforce/profile", .handler = profile_get,
	  .query_params = profile_params, .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = WF_DEPENDS },
	{ .method = HTTP_GET, .template = "/v1/workforce/pay-gaps", .handler = paygaps_get,
	  .query_params = paygap_params, .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = WF_DEPENDS },
	{ .method = HTTP_GET, .template = "/v1/workforce/representation", .handler = representation_get,
	  .query_params = repr_params, .flags = ROUTE_PUBLIC | ROUTE_CSV,
	  .depends = WF_DEPENDS | DATA_DEMOGRAPHICS },
};

const struct api_module workforce_module = {
	.name = "workforce",
	.routes = routes,
	.nroutes = API_COUNT(routes),
	.statements = statements,
	.nstatements = API_COUNT(statements),
};
