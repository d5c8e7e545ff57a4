/*
 * fuzz_csv.c - the CSV reader and writer (src/domain/csv.c) and the two
 * importers' parsing layers: the ONS census layout (src/import/census_map.c,
 * against the real catalogue of data/characteristics.csv and
 * data/categories.csv) and the workforce file (workforce_build, against the
 * real category and grade codes).  The importers' database writes are not
 * reached: these layers are everything between the file and them.
 *
 * The input is a whole file.  Checked, beyond not crashing:
 *  - the reader: fields are NUL-terminated, lines only go forward, and the
 *    records written back out with csv_append_field read back the same
 *    (fields a spreadsheet would run as formulas gain their ' prefix);
 *  - census: a row read is arithmetic (parents are the sums of their
 *    children, the total the sum of the top-level categories);
 *  - workforce: a file is either refused with at least one error, each
 *    with a line and a sentence, or built into a document; never both,
 *    never neither.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "domain/csv.h"
#include "fuzz_data.h"
#include "import/census_map.h"
#include "import/workforce.h"
#include "util/buf.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_csv: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

#define MAX_RECORDS 64
#define MAX_FIELDS 256

/* ---- reference data ---------------------------------------------------------- */

static struct census_catalog *catalogs;
static size_t ncatalogs, max_cats;
static struct wf_codes codes;

static void load_census_catalogs(void)
{
	static const char *const char_cols[] = { "code", "census_prefix", "census_total_heading", NULL };
	static const char *const cat_cols[] = { "characteristic", "code", "census_heading", "parent", NULL };
	PGresult *chars = fuzz_data_result("characteristics.csv", char_cols);
	PGresult *cats = fuzz_data_result("categories.csv", cat_cols);
	int nchars = PQntuples(chars), ncats = PQntuples(cats);

	/* As census.c's catalogue_load builds it from the same tables. */
	catalogs = calloc((size_t)nchars, sizeof(*catalogs));
	CHECK(catalogs != NULL);
	for (int i = 0; i < nchars; i++) {
		const char *code = PQgetvalue(chars, i, 0);
		struct census_category *list;
		size_t n = 0;

		if (PQgetisnull(chars, i, 1))
			continue;
		list = calloc((size_t)ncats + 1, sizeof(*list));
		CHECK(list != NULL);
		for (int k = 0; k < ncats; k++) {
			if (strcmp(PQgetvalue(cats, k, 0), code) != 0)
				continue;
			list[n].code = PQgetvalue(cats, k, 1);
			list[n].heading = PQgetisnull(cats, k, 2) ? NULL : PQgetvalue(cats, k, 2);
			list[n].parent = -1;
			n++;
		}
		for (size_t a = 0, row = 0; row < (size_t)ncats; row++) {
			const char *parent;

			if (strcmp(PQgetvalue(cats, (int)row, 0), code) != 0)
				continue;
			parent = PQgetisnull(cats, (int)row, 3) ? NULL : PQgetvalue(cats, (int)row, 3);
			for (size_t b = 0; parent && b < n; b++)
				if (strcmp(list[b].code, parent) == 0)
					list[a].parent = (int)b;
			a++;
		}
		catalogs[ncatalogs].characteristic = code;
		catalogs[ncatalogs].prefix = PQgetvalue(chars, i, 1);
		catalogs[ncatalogs].total_heading = PQgetisnull(chars, i, 2) ? NULL : PQgetvalue(chars, i, 2);
		catalogs[ncatalogs].cats = list;
		catalogs[ncatalogs].ncats = n;
		if (n > max_cats)
			max_cats = n;
		ncatalogs++;
	}
	CHECK(ncatalogs > 0);
	/* chars and cats stay alive: the catalogue points into them. */
}

/* wf_categories_sql: characteristic, code, coalesce(parent, code) for the
 * characteristics a workforce file carries. */
static PGresult *workforce_categories(void)
{
	static const char *const cols[] = { "characteristic", "code", "parent", NULL };
	static const char *const wanted[] = {
		"sex", "ethnicity", "disability", "religion", "sexual_orientation", NULL,
	};
	PGresult *all = fuzz_data_result("categories.csv", cols);
	PGresult *out = PQcopyResult(all, PG_COPYRES_ATTRS);
	int row = 0;

	CHECK(out != NULL);
	for (int i = 0; i < PQntuples(all); i++) {
		const char *ch = PQgetvalue(all, i, 0);
		const char *parent = PQgetisnull(all, i, 2) ? PQgetvalue(all, i, 1) : PQgetvalue(all, i, 2);
		bool keep = false;

		for (size_t k = 0; wanted[k]; k++)
			keep = keep || strcmp(ch, wanted[k]) == 0;
		if (!keep)
			continue;
		CHECK(PQsetvalue(out, row, 0, (char *)ch, (int)strlen(ch)));
		CHECK(PQsetvalue(out, row, 1, PQgetvalue(all, i, 1), (int)strlen(PQgetvalue(all, i, 1))));
		CHECK(PQsetvalue(out, row, 2, (char *)parent, (int)strlen(parent)));
		row++;
	}
	PQclear(all);
	return out;
}

/* workforce_grade_bands, as migration 0005 fills it. */
static PGresult *workforce_grades(void)
{
	static const char *const grades[] = {
		"scale_1_3", "scale_4_6", "so1_so2", "po1_po4", "po5_po8", "chief_officer", NULL,
	};
	PGresAttDesc attr = { .name = (char *)"code", .typid = 25, .typlen = -1, .atttypmod = -1 };
	PGresult *out = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);

	CHECK(out != NULL && PQsetResultAttrs(out, 1, &attr));
	for (int i = 0; grades[i]; i++)
		CHECK(PQsetvalue(out, i, 0, (char *)grades[i], (int)strlen(grades[i])));
	return out;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	load_census_catalogs();
	codes.categories = workforce_categories();
	codes.grades = workforce_grades();
	return 0;
}

/* ---- the reader and the writer ---------------------------------------------- */

struct record {
	char **fields;
	size_t n;
};

static void records_free(struct record *recs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < recs[i].n; k++)
			free(recs[i].fields[k]);
		free(recs[i].fields);
	}
}

static bool is_formula_start(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

static void check_round_trip(const struct record *recs, size_t n)
{
	struct buf out = BUF_INIT;
	struct csv_reader r;

	if (n == 0)
		return;
	/* A UTF-8 byte order mark the reader would strip a second time. */
	if (recs[0].n && strncmp(recs[0].fields[0], "\xef\xbb\xbf", 3) == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (recs[i].n == 1 && recs[i].fields[0][0] == '\0') {
			/* One empty field: quoted, or it would be a blank line. */
			CHECK(buf_append_str(&out, "\"\"") == 0);
		} else {
			for (size_t k = 0; k < recs[i].n; k++) {
				if (k)
					CHECK(buf_append_char(&out, ',') == 0);
				CHECK(csv_append_field(&out, recs[i].fields[k], strlen(recs[i].fields[k])) == 0);
			}
		}
		CHECK(buf_append_str(&out, "\r\n") == 0);
	}
	csv_reader_init(&r, out.data, out.len);
	for (size_t i = 0; i < n; i++) {
		CHECK(csv_reader_next(&r) == CSV_RECORD);
		CHECK(r.nfields == recs[i].n);
		for (size_t k = 0; k < recs[i].n; k++) {
			const char *want = recs[i].fields[k];
			const char *got = csv_reader_field(&r, k);

			if (is_formula_start(want[0])) {
				CHECK(got[0] == '\'');
				got++;
			}
			CHECK(strcmp(got, want) == 0);
		}
	}
	CHECK(csv_reader_next(&r) == CSV_END);
	csv_reader_release(&r);
	buf_release(&out);
}

/* ---- census ---------------------------------------------------------------------- */

static void check_census(struct record *recs, size_t n)
{
	struct census_mapping map;
	int64_t *counts, total;
	char err[256];
	const struct census_catalog *cc;

	if (n == 0)
		return;
	map.cat_col = calloc(max_cats + 1, sizeof(*map.cat_col));
	counts = calloc(max_cats + 1, sizeof(*counts));
	CHECK(map.cat_col && counts);
	if (census_map_headings(catalogs, ncatalogs, (const char *const *)recs[0].fields, recs[0].n,
				&map, err, sizeof(err)) != 0) {
		CHECK(err[0] != '\0');
		goto done;
	}
	CHECK(map.catalog < ncatalogs);
	CHECK(map.total_col >= CENSUS_FIXED_COLUMNS && map.total_col < recs[0].n);
	cc = &catalogs[map.catalog];
	for (size_t c = 0; c < cc->ncats; c++)
		CHECK(map.cat_col[c] == -1 ||
		      (map.cat_col[c] >= CENSUS_FIXED_COLUMNS && (size_t)map.cat_col[c] < recs[0].n));
	for (size_t i = 1; i < n; i++) {
		int64_t top = 0;

		if (recs[i].n != recs[0].n)
			continue;
		if (census_read_row(cc, &map, (const char *const *)recs[i].fields, recs[i].n,
				    counts, &total, err, sizeof(err)) != 0) {
			CHECK(err[0] != '\0');
			continue;
		}
		CHECK(total >= 0);
		for (size_t c = 0; c < cc->ncats; c++) {
			int64_t children = 0;
			bool any = false;

			if (cc->cats[c].heading == NULL && map.cat_col[c] == -1)
				continue;   /* not a census category */
			CHECK(counts[c] >= 0);
			if (cc->cats[c].parent == -1)
				top += counts[c];
			for (size_t d = 0; d < cc->ncats; d++)
				if (cc->cats[d].parent == (int)c && (cc->cats[d].heading || map.cat_col[d] != -1)) {
					children += counts[d];
					any = true;
				}
			CHECK(!any || children == counts[c]);
		}
		CHECK(top == total);
	}
done:
	free(map.cat_col);
	free(counts);
}

/* ---- workforce -------------------------------------------------------------------- */

static void check_workforce(const uint8_t *data, size_t size)
{
	json_t *errors = json_array(), *doc = NULL;
	int rc;

	CHECK(errors != NULL);
	rc = workforce_build((const char *)data, size, &codes, &doc, errors);
	CHECK(rc == 0 || rc == 1);
	if (rc == 0) {
		char *text;

		CHECK(doc != NULL && json_array_size(errors) == 0);
		text = json_dumps(doc, JSON_COMPACT);
		CHECK(text != NULL);
		free(text);
	} else {
		size_t i;
		json_t *e;

		CHECK(doc == NULL);
		CHECK(json_array_size(errors) > 0);
		json_array_foreach(errors, i, e) {
			CHECK(json_integer_value(json_object_get(e, "line")) >= 1);
			CHECK(json_string_value(json_object_get(e, "detail")) != NULL);
		}
	}
	json_decref(doc);
	json_decref(errors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_reader r;
	struct record recs[MAX_RECORDS];
	size_t n = 0, last_line = 0;
	enum csv_status st = CSV_END;

	csv_reader_init(&r, (const char *)data, size);
	while (n < MAX_RECORDS && (st = csv_reader_next(&r)) == CSV_RECORD) {
		CHECK(r.nfields >= 1);
		CHECK(r.line > last_line);
		last_line = r.line;
		if (r.nfields > MAX_FIELDS)
			break;
		recs[n].n = r.nfields;
		recs[n].fields = calloc(r.nfields + 1, sizeof(char *));
		CHECK(recs[n].fields != NULL);
		for (size_t k = 0; k < r.nfields; k++) {
			recs[n].fields[k] = strdup(csv_reader_field(&r, k));
			CHECK(recs[n].fields[k] != NULL);
		}
		n++;
	}
	if (n < MAX_RECORDS && st == CSV_ERROR)
		CHECK(r.error != NULL);
	csv_reader_release(&r);

	check_round_trip(recs, n);
	check_census(recs, n);
	check_workforce(data, size);
	records_free(recs, n);
	return 0;
}
