/*
 * fuzz_data.c - the CSV files of data/ as PGresults (see fuzz_data.h).
 */
#include "fuzz_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/csv.h"
#include "util/buf.h"

static void fail(const char *file, const char *why)
{
	fprintf(stderr, "fuzz: data/%s: %s\n", file, why);
	abort();
}

PGresult *fuzz_data_result(const char *file, const char *const *columns)
{
	char path[1024];
	FILE *f;
	struct buf text = BUF_INIT;
	char chunk[8192];
	size_t n, ncols = 0, row = 0;
	struct csv_reader r;
	int map[16];
	PGresAttDesc attrs[16];
	PGresult *res;

	snprintf(path, sizeof(path), "%s/data/%s", EQ_FUZZ_ROOT, file);
	f = fopen(path, "rb");
	if (!f)
		fail(file, "cannot open");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&text, chunk, n) != 0)
			fail(file, "out of memory");
	fclose(f);

	while (columns[ncols])
		ncols++;
	if (ncols > 16)
		fail(file, "too many columns");
	res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	memset(attrs, 0, sizeof(attrs));
	for (size_t c = 0; c < ncols; c++) {
		attrs[c].name = (char *)columns[c];
		attrs[c].typid = 25;   /* text */
		attrs[c].typlen = -1;
		attrs[c].atttypmod = -1;
	}
	if (!res || !PQsetResultAttrs(res, (int)ncols, attrs))
		fail(file, "cannot build a result");

	csv_reader_init(&r, text.data, text.len);
	if (csv_reader_next(&r) != CSV_RECORD)
		fail(file, "no header row");
	for (size_t c = 0; c < ncols; c++) {
		map[c] = -1;
		for (size_t k = 0; k < r.nfields; k++)
			if (strcmp(csv_reader_field(&r, k), columns[c]) == 0)
				map[c] = (int)k;
		if (map[c] < 0)
			fail(file, "a column is missing");
	}
	for (;;) {
		enum csv_status st = csv_reader_next(&r);

		if (st == CSV_END)
			break;
		if (st != CSV_RECORD)
			fail(file, "not valid CSV");
		for (size_t c = 0; c < ncols; c++) {
			const char *v = (size_t)map[c] < r.nfields ? csv_reader_field(&r, (size_t)map[c]) : "";

			if (!PQsetvalue(res, (int)row, (int)c, (char *)v, v[0] ? (int)strlen(v) : -1))
				fail(file, "cannot fill a result");
		}
		row++;
	}
	csv_reader_release(&r);
	buf_release(&text);
	return res;
}
