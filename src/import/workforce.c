/*
 * workforce.c - the workforce snapshot importer (see workforce.h).
 */
#include "import/workforce.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "domain/csv.h"
#include "domain/pay_gap.h"
#include "util/buf.h"

const char *const wf_characteristics[WF_NCHARS + 1] = {
	"sex", "ethnicity", "disability", "religion", "sexual_orientation", "age", NULL,
};

/* Workforce age bands: 16-24, then ten-year bands to 64, and 65 and over.
 * They are not compared with residents (see /v1/workforce/representation):
 * the census age bands start a band at 15, not 16. */
const char *const workforce_age_bands[] = {
	"age_16_24", "age_25_34", "age_35_44", "age_45_54", "age_55_64",
	"age_65_plus", "prefer_not_to_say", "not_recorded", NULL,
};

const char *const workforce_unknown_codes[] = { "prefer_not_to_say", "not_recorded", NULL };

const char wf_categories_sql[] =
	"SELECT characteristic_code, code, coalesce(parent_code, code) FROM categories"
	" WHERE characteristic_code IN ('sex', 'ethnicity', 'disability', 'religion', 'sexual_orientation')"
	" ORDER BY characteristic_code, sort_order, code";
const char wf_grades_sql[] = "SELECT code FROM workforce_grade_bands ORDER BY sort_order";
const char wf_store_sql[] =
	"SELECT outcome, out_id FROM workforce_store($1::date, $2, $3::boolean, $4, $5::jsonb)";

/* File columns: the six characteristics' columns are in wf_characteristics
 * order, with age read from age_band. */
enum { COL_DIRECTORATE, COL_GRADE, COL_CHAR0, COL_HOURLY = COL_CHAR0 + WF_NCHARS, COL_BONUS, NCOLS };
static const char *const col_names[NCOLS] = {
	"directorate", "grade_band", "sex", "ethnicity", "disability", "religion",
	"sexual_orientation", "age_band", "hourly_pay", "bonus_paid",
};

#define MAX_ERRORS 100
#define PAY_CHARS 3   /* sex, ethnicity, disability */

static void add_error(json_t *errors, size_t line, const char *column, const char *detail)
{
	if (json_array_size(errors) >= MAX_ERRORS)
		return;
	json_array_append_new(errors, json_pack("{s:I, s:s?, s:s}", "line", (json_int_t)line,
						"column", column, "detail", detail));
}

static bool slug_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* Strict decimal: digits, optional fraction; -1 on anything else. */
static double parse_amount(const char *s)
{
	char *end;
	double v;

	if (!*s || !(isdigit((unsigned char)s[0])))
		return -1;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p) && *p != '.')
			return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return -1;
	return v;
}

/* Top-level category code of (characteristic, code), or NULL. */
static const char *top_of(const struct wf_codes *c, int ch, const char *code)
{
	const PGresult *r = c->categories;

	if (strcmp(wf_characteristics[ch], "age") == 0) {
		for (size_t i = 0; workforce_age_bands[i]; i++)
			if (strcmp(workforce_age_bands[i], code) == 0)
				return workforce_age_bands[i];
		return NULL;
	}
	for (int i = 0; i < PQntuples(r); i++)
		if (strcmp(PQgetvalue(r, i, 0), wf_characteristics[ch]) == 0 &&
		    strcmp(PQgetvalue(r, i, 1), code) == 0)
			return PQgetvalue(r, i, 2);
	for (size_t i = 0; workforce_unknown_codes[i]; i++)
		if (strcmp(workforce_unknown_codes[i], code) == 0)
			return workforce_unknown_codes[i];
	return NULL;
}

/* Top-level categories of a pay characteristic, in published order. */
static size_t top_list(const struct wf_codes *c, const char *ch, const char **out, size_t max)
{
	size_t n = 0;

	for (int i = 0; i < PQntuples(c->categories) && n < max; i++)
		if (strcmp(PQgetvalue(c->categories, i, 0), ch) == 0 &&
		    strcmp(PQgetvalue(c->categories, i, 1), PQgetvalue(c->categories, i, 2)) == 0)
			out[n++] = PQgetvalue(c->categories, i, 1);
	for (size_t i = 0; workforce_unknown_codes[i] && n < max; i++)
		out[n++] = workforce_unknown_codes[i];
	return n;
}

static long index_of(const char *const *list, size_t n, const char *code)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], code) == 0)
			return (long)i;
	return -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The pay gaps published per characteristic: reference and compared groups. */
struct gap_spec {
	const char *characteristic, *reference, *group;   /* group "minoritised": every other top-level */
};
static const struct gap_spec gap_specs[] = {
	{ "sex", "male", "female" },
	{ "ethnicity", "white", "asian" },
	{ "ethnicity", "white", "black" },
	{ "ethnicity", "white", "mixed" },
	{ "ethnicity", "white", "other" },
	{ "ethnicity", "white", "minoritised" },
	{ "disability", "not_disabled", "disabled" },
};

static json_t *num_or_null(bool ok, double v)
{
	return ok ? json_real(v) : json_null();
}

static int add_pay(json_t *doc, const struct wf_codes *codes, const struct pay_row *const *rows,
		   size_t n)
{
	json_t *gaps = json_object_get(doc, "pay_gaps"), *quart = json_object_get(doc, "quartiles");

	for (int pc = 0; pc < PAY_CHARS; pc++) {
		const char *cats[64];
		size_t ncats = top_list(codes, wf_characteristics[pc], cats, 64);
		int64_t counts[4 * 64];

		if (pay_gap_quartiles(rows[pc], n, ncats, counts) != 0)
			return -1;
		for (int q = 0; q < 4; q++)
			for (size_t g = 0; g < ncats; g++)
				json_array_append_new(quart, json_pack("[s, i, s, I]", wf_characteristics[pc], q + 1,
								       cats[g], (json_int_t)counts[q * ncats + g]));
		for (size_t s = 0; s < sizeof(gap_specs) / sizeof(gap_specs[0]); s++) {
			const struct gap_spec *sp = &gap_specs[s];
			uint64_t ref = 0, oth = 0;
			struct pay_gap g;
			long ri;

			if (strcmp(sp->characteristic, wf_characteristics[pc]) != 0)
				continue;
			ri = index_of(cats, ncats, sp->reference);
			if (ri < 0)
				continue;
			ref = UINT64_C(1) << ri;
			if (strcmp(sp->group, "minoritised") == 0) {
				for (size_t k = 0; k < ncats; k++)
					if ((long)k != ri && strcmp(cats[k], "prefer_not_to_say") &&
					    strcmp(cats[k], "not_recorded"))
						oth |= UINT64_C(1) << k;
			} else {
				long gi = index_of(cats, ncats, sp->group);

				if (gi < 0)
					continue;
				oth = UINT64_C(1) << gi;
			}
			if (pay_gap_compute(rows[pc], n, ref, oth, &g) != 0)
				return -1;
			json_array_append_new(gaps, json_pack(
				"{s:s, s:s, s:s, s:I, s:I, s:o, s:o, s:I, s:I, s:f, s:f, s:o, s:o}",
				"characteristic", sp->characteristic, "group", sp->group,
				"reference", sp->reference,
				"n_group", (json_int_t)g.n_other, "n_reference", (json_int_t)g.n_reference,
				"mean_gap", num_or_null(g.has_gap, g.mean_gap),
				"median_gap", num_or_null(g.has_gap, g.median_gap),
				"bonus_n_group", (json_int_t)g.bonus_n_other,
				"bonus_n_reference", (json_int_t)g.bonus_n_reference,
				"bonus_share_group", g.bonus_share_other,
				"bonus_share_reference", g.bonus_share_reference,
				"mean_bonus_gap", num_or_null(g.has_bonus_gap, g.mean_bonus_gap),
				"median_bonus_gap", num_or_null(g.has_bonus_gap, g.median_bonus_gap)));
		}
	}
	return 0;
}

int workforce_build(const char *data, size_t len, const struct wf_codes *codes,
		    json_t **doc_out, json_t *errors)
{
	struct csv_reader r;
	long idx[NCOLS];
	char **keys = NULL;
	size_t nkeys = 0, cap = 0, nrows = 0, paycap = 0;
	struct pay_row *pay[PAY_CHARS] = { NULL };
	const char *paycats[PAY_CHARS][64];
	size_t npaycats[PAY_CHARS];
	json_t *doc = NULL, *counts;
	bool any_bonus_column;
	int rc = -1;

	*doc_out = NULL;
	for (int pc = 0; pc < PAY_CHARS; pc++)
		npaycats[pc] = top_list(codes, wf_characteristics[pc], paycats[pc], 64);
	csv_reader_init(&r, data, len);
	if (csv_reader_next(&r) != CSV_RECORD) {
		add_error(errors, 1, NULL, r.error ? r.error : "the file is empty: a header row is needed");
		rc = 1;
		goto done;
	}
	for (int c = 0; c < NCOLS; c++)
		idx[c] = -1;
	for (size_t f = 0; f < r.nfields; f++) {
		const char *name = csv_reader_field(&r, f);
		bool known = false;

		for (int c = 0; c < NCOLS; c++)
			if (strcmp(name, col_names[c]) == 0) {
				if (idx[c] >= 0)
					add_error(errors, 1, name, "the column is given twice");
				idx[c] = (long)f;
				known = true;
			}
		if (!known)
			add_error(errors, 1, name, "is not a column of a workforce file (a typo?)");
	}
	for (int c = 0; c < COL_BONUS; c++)
		if (idx[c] < 0)
			add_error(errors, 1, col_names[c], "the required column is missing");
	if (json_array_size(errors)) {
		rc = 1;
		goto done;
	}
	any_bonus_column = idx[COL_BONUS] >= 0;
	for (;;) {
		enum csv_status st = csv_reader_next(&r);
		const char *v[NCOLS], *tops[WF_NCHARS];
		bool ok = true;
		double hourly, bonus = 0;
		char detail[200];

		if (st == CSV_END)
			break;
		if (st == CSV_ERROR) {
			add_error(errors, r.line, NULL, r.error);
			break;
		}
		if (r.nfields != 0 && r.nfields < (size_t)NCOLS - !any_bonus_column) {
			add_error(errors, r.line, NULL, "the row has fewer fields than the header");
			continue;
		}
		for (int c = 0; c < NCOLS; c++) {
			const char *f = idx[c] >= 0 ? csv_reader_field(&r, (size_t)idx[c]) : "";

			v[c] = f ? f : "";
		}
		if (!slug_ok(v[COL_DIRECTORATE])) {
			add_error(errors, r.line, "directorate", "must be a code of lower-case letters, digits, '_' or '-'");
			ok = false;
		}
		{
			bool found = false;

			for (int i = 0; i < PQntuples(codes->grades); i++)
				found = found || strcmp(PQgetvalue(codes->grades, i, 0), v[COL_GRADE]) == 0;
			if (!found) {
				snprintf(detail, sizeof(detail), "'%.40s' is not a grade band (see /v1/workforce/snapshots meta)", v[COL_GRADE]);
				add_error(errors, r.line, "grade_band", detail);
				ok = false;
			}
		}
		for (int ch = 0; ch < WF_NCHARS; ch++) {
			tops[ch] = top_of(codes, ch, v[COL_CHAR0 + ch]);
			if (!tops[ch]) {
				snprintf(detail, sizeof(detail),
					 *v[COL_CHAR0 + ch] ? "'%.40s' is not a category of this characteristic; use not_recorded when it is not known"
							    : "%sis empty: use not_recorded when it is not known, prefer_not_to_say when declined", "");
				add_error(errors, r.line, col_names[COL_CHAR0 + ch], detail);
				ok = false;
			}
		}
		hourly = parse_amount(v[COL_HOURLY]);
		if (!(hourly > 0) || hourly > 10000) {
			add_error(errors, r.line, "hourly_pay", "must be a number of pounds above 0 and at most 10000, such as 17.85");
			ok = false;
		}
		if (*v[COL_BONUS]) {
			bonus = parse_amount(v[COL_BONUS]);
			if (bonus < 0 || bonus > 10000000) {
				add_error(errors, r.line, "bonus_paid", "must be empty or a number of pounds of 0 or more");
				ok = false;
			}
		}
		if (!ok)
			continue;
		if (nkeys + WF_NCHARS > cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			char **nk = realloc(keys, ncap * sizeof(*keys));

			if (!nk)
				goto done;
			keys = nk;
			cap = ncap;
		}
		if (nrows + 1 > paycap) {
			size_t ncap = paycap ? paycap * 2 : 512;

			for (int pc = 0; pc < PAY_CHARS; pc++) {
				struct pay_row *np = realloc(pay[pc], ncap * sizeof(*np));

				if (!np)
					goto done;
				pay[pc] = np;
			}
			paycap = ncap;
		}
		for (int ch = 0; ch < WF_NCHARS; ch++) {
			struct buf k = BUF_INIT;

			if (buf_appendf(&k, "%s\t%s\t%s\t%s", v[COL_DIRECTORATE], v[COL_GRADE],
					wf_characteristics[ch], tops[ch])) {
				buf_release(&k);
				goto done;
			}
			keys[nkeys++] = buf_detach(&k, NULL);
		}
		for (int pc = 0; pc < PAY_CHARS; pc++)
			pay[pc][nrows] = (struct pay_row){ hourly, bonus,
				(unsigned)index_of(paycats[pc], npaycats[pc], tops[pc]) };
		nrows++;
	}
	if (json_array_size(errors)) {
		rc = 1;
		goto done;
	}
	if (nrows == 0) {
		add_error(errors, 2, NULL, "the file has no employee rows");
		rc = 1;
		goto done;
	}
	qsort(keys, nkeys, sizeof(*keys), cmp_str);
	doc = json_pack("{s:I, s:s, s:[], s:[], s:[]}", "headcount", (json_int_t)nrows,
			"pay_basis", "employee_rows", "counts", "pay_gaps", "quartiles");
	if (!doc)
		goto done;
	counts = json_object_get(doc, "counts");
	for (size_t s = 0; s < nkeys;) {
		size_t e = s;
		char *f[4], *save = NULL, *copy = strdup(keys[s]);

		while (e < nkeys && strcmp(keys[e], keys[s]) == 0)
			e++;
		if (!copy)
			goto done;
		f[0] = strtok_r(copy, "\t", &save);
		for (int i = 1; i < 4; i++)
			f[i] = strtok_r(NULL, "\t", &save);
		json_array_append_new(counts, json_pack("[s, s, s, s, I]", f[0], f[1], f[2], f[3],
							(json_int_t)(e - s)));
		free(copy);
		s = e;
	}
	if (add_pay(doc, codes, (const struct pay_row *const *)pay, nrows) != 0)
		goto done;
	*doc_out = doc;
	doc = NULL;
	rc = 0;
done:
	csv_reader_release(&r);
	for (size_t i = 0; i < nkeys; i++)
		free(keys[i]);
	free(keys);
	for (int pc = 0; pc < PAY_CHARS; pc++)
		free(pay[pc]);
	json_decref(doc);
	return rc;
}

int workforce_import_file(PGconn *pg, const char *path, const char *as_of, const char *source,
			  const char *notes, char *outcome, size_t outcome_len, char *err, size_t errlen)
{
	struct buf file = BUF_INIT;
	PGresult *cats = NULL, *grades = NULL, *res = NULL;
	json_t *errors = json_array(), *doc = NULL;
	char *text = NULL;
	int rc = -1, b;

	if (!errors)
		goto done;
	if (buf_read_file(&file, path, 256 * 1024 * 1024) != 0) {
		snprintf(err, errlen, "cannot read %s", path);
		goto done;
	}
	if (db_direct_exec(pg, "BEGIN", 0, NULL, NULL, err, errlen))
		goto done;
	if (db_direct_exec(pg, wf_categories_sql, 0, NULL, &cats, err, errlen) ||
	    db_direct_exec(pg, wf_grades_sql, 0, NULL, &grades, err, errlen))
		goto rollback;
	{
		struct wf_codes codes = { cats, grades };

		b = workforce_build(file.data ? file.data : "", file.len, &codes, &doc, errors);
	}
	if (b == 1) {
		size_t i;
		json_t *e;
		int len = snprintf(err, errlen, "%s: %zu problem%s, nothing imported:", path,
				   json_array_size(errors), json_array_size(errors) == 1 ? "" : "s");

		json_array_foreach(errors, i, e) {
			const char *col = json_string_value(json_object_get(e, "column"));

			if (len < 0 || (size_t)len >= errlen || i >= 10)
				break;
			len += snprintf(err + len, errlen - (size_t)len, "\n  line %lld%s%s%s: %s",
					(long long)json_integer_value(json_object_get(e, "line")),
					col ? ", column '" : "", col ? col : "", col ? "'" : "",
					json_string_value(json_object_get(e, "detail")));
		}
		goto rollback;
	}
	if (b != 0 || !(text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS))) {
		snprintf(err, errlen, "out of memory");
		goto rollback;
	}
	{
		const char *values[5] = { as_of, source, "false", notes ? notes : "", text };

		if (db_direct_exec(pg, wf_store_sql, 5, values, &res, err, errlen))
			goto rollback;
	}
	if (db_direct_exec(pg, "COMMIT", 0, NULL, NULL, err, errlen))
		goto done;
	snprintf(outcome, outcome_len, "%s", PQgetvalue(res, 0, 0));
	rc = 0;
	goto done;
rollback:
	db_direct_rollback(pg);
done:
	PQclear(cats);
	PQclear(grades);
	PQclear(res);
	free(text);
	json_decref(doc);
	json_decref(errors);
	buf_release(&file);
	return rc;
}
