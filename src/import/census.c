/*
 * census.c - the Census bulk CSV importer (see census.h).
 */
#include "import/census.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/listener.h"
#include "domain/csv.h"
#include "import/census_map.h"
#include "util/buf.h"

#define MAX_FILE_BYTES (512u * 1024 * 1024)

/* The catalogue as loaded from the database, owning its strings. */
struct catalogue {
	struct census_catalog *items;
	size_t n;
	size_t max_cats;
	PGresult *chars, *cats;
};

static void catalogue_release(struct catalogue *c)
{
	for (size_t i = 0; i < c->n; i++)
		free((void *)c->items[i].cats);
	free(c->items);
	PQclear(c->chars);
	PQclear(c->cats);
	memset(c, 0, sizeof(*c));
}

/*
 * Run sql, an upsert of one count that changes nothing when the stored
 * count is the same, with count as its last parameter (params[nparams - 1]
 * is set here); the rows it did change are added to *changed.
 */
static int store_count(PGconn *pg, const char *sql, int nparams, const char **params,
		       int64_t count, size_t *changed, char *err, size_t errlen)
{
	char num[32];
	PGresult *res;

	snprintf(num, sizeof(num), "%lld", (long long)count);
	params[nparams - 1] = num;
	if (db_direct_exec(pg, sql, nparams, params, &res, err, errlen))
		return -1;
	*changed += (size_t)atol(PQcmdTuples(res));
	PQclear(res);
	return 0;
}

static int catalogue_load(PGconn *pg, struct catalogue *c, char *err, size_t errlen)
{
	int nchars, ncats;

	memset(c, 0, sizeof(*c));
	if (db_direct_exec(pg,
		"SELECT code, census_prefix, census_total_heading FROM characteristics"
		" WHERE census_prefix IS NOT NULL AND census_prefix <> '' ORDER BY code",
		0, NULL, &c->chars, err, errlen) ||
	    db_direct_exec(pg,
		"SELECT characteristic_code, code, census_heading, parent_code FROM categories"
		" ORDER BY characteristic_code, sort_order, code",
		0, NULL, &c->cats, err, errlen))
		return -1;
	nchars = PQntuples(c->chars);
	ncats = PQntuples(c->cats);
	if (nchars == 0) {
		snprintf(err, errlen, "no characteristics are defined: run `equalities-api seed` first");
		return -1;
	}
	c->items = calloc((size_t)nchars, sizeof(*c->items));
	if (!c->items)
		goto oom;
	for (int i = 0; i < nchars; i++) {
		const char *code = PQgetvalue(c->chars, i, 0);
		struct census_category *list = calloc((size_t)ncats + 1, sizeof(*list));
		size_t n = 0;

		if (!list)
			goto oom;
		for (int k = 0; k < ncats; k++) {
			if (strcmp(PQgetvalue(c->cats, k, 0), code) != 0)
				continue;
			list[n].code = PQgetvalue(c->cats, k, 1);
			list[n].heading = PQgetisnull(c->cats, k, 2) || !*PQgetvalue(c->cats, k, 2)
					  ? NULL : PQgetvalue(c->cats, k, 2);
			list[n].parent = -1;
			n++;
		}
		/* Resolve parent codes to indices within this characteristic. */
		for (size_t a = 0, row = 0; row < (size_t)ncats; row++) {
			const char *parent;

			if (strcmp(PQgetvalue(c->cats, (int)row, 0), code) != 0)
				continue;
			parent = PQgetisnull(c->cats, (int)row, 3) ? NULL : PQgetvalue(c->cats, (int)row, 3);
			for (size_t b = 0; parent && b < n; b++)
				if (strcmp(list[b].code, parent) == 0)
					list[a].parent = (int)b;
			a++;
		}
		c->items[i].characteristic = code;
		c->items[i].prefix = PQgetvalue(c->chars, i, 1);
		c->items[i].total_heading = PQgetisnull(c->chars, i, 2) ? NULL : PQgetvalue(c->chars, i, 2);
		c->items[i].cats = list;
		c->items[i].ncats = n;
		c->n++;
		if (n > c->max_cats)
			c->max_cats = n;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Collect the fields of the current record as a pointer array. */
static const char **record_fields(const struct csv_reader *r, const char **scratch)
{
	for (size_t i = 0; i < r->nfields; i++)
		scratch[i] = csv_reader_field(r, i);
	return scratch;
}

int census_import_file(PGconn *pg, const char *path, const char *dataset_slug,
		       struct census_import_result *result, char *err, size_t errlen)
{
	struct buf file = BUF_INIT;
	struct catalogue cat = { 0 };
	struct csv_reader reader;
	struct census_mapping map = { 0 };
	const struct census_catalog *cc;
	PGresult *res = NULL, *areas = NULL;
	const char **fields = NULL;
	int64_t *counts = NULL;
	char *seen = NULL;
	char dataset_id[32];
	char msg[512];
	bool in_tx = false;
	size_t ncolumns, changed = 0;
	int rc = -1;
	enum csv_status st;

	memset(result, 0, sizeof(*result));
	csv_reader_init(&reader, "", 0);
	if (buf_read_file(&file, path, MAX_FILE_BYTES) != 0) {
		snprintf(err, errlen, "cannot read %s: %s", path,
			 errno == EFBIG ? "larger than 512 MiB" : strerror(errno));
		goto done;
	}
	if (catalogue_load(pg, &cat, err, errlen))
		goto done;

	{
		const char *params[1] = { dataset_slug };

		if (db_direct_exec(pg, "SELECT id FROM datasets WHERE slug = $1", 1, params, &res, err, errlen))
			goto done;
		if (PQntuples(res) != 1) {
			snprintf(err, errlen, "unknown data set '%s': add it to data/datasets.csv and run seed", dataset_slug);
			goto done;
		}
		snprintf(dataset_id, sizeof(dataset_id), "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
		res = NULL;
	}
	if (db_direct_exec(pg, "SELECT code FROM areas ORDER BY code", 0, NULL, &areas, err, errlen))
		goto done;
	seen = calloc((size_t)PQntuples(areas) + 1, 1);

	csv_reader_release(&reader);
	csv_reader_init(&reader, file.data ? file.data : "", file.len);
	st = csv_reader_next(&reader);
	if (st != CSV_RECORD) {
		snprintf(err, errlen, "%s: %s", path, st == CSV_END ? "the file is empty" : reader.error);
		goto done;
	}
	fields = calloc(reader.nfields + 1, sizeof(*fields));
	map.cat_col = calloc(cat.max_cats + 1, sizeof(*map.cat_col));
	counts = calloc(cat.max_cats + 1, sizeof(*counts));
	if (!fields || !map.cat_col || !counts || !seen) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if (census_map_headings(cat.items, cat.n, record_fields(&reader, fields), reader.nfields,
				&map, msg, sizeof(msg)) != 0) {
		snprintf(err, errlen, "%s: %s", path, msg);
		goto done;
	}
	cc = &cat.items[map.catalog];
	snprintf(result->characteristic, sizeof(result->characteristic), "%s", cc->characteristic);

	if (db_direct_exec(pg, "BEGIN", 0, NULL, NULL, err, errlen))
		goto done;
	in_tx = true;
	ncolumns = reader.nfields;
	for (;;) {
		const char *code;
		int area_row = -1;
		int64_t total;

		st = csv_reader_next(&reader);
		if (st == CSV_END)
			break;
		if (st == CSV_ERROR) {
			snprintf(err, errlen, "%s line %zu: %s", path, reader.line, reader.error);
			goto done;
		}
		if (reader.nfields != ncolumns) {
			snprintf(err, errlen, "%s line %zu: %zu fields where the header has %zu",
				 path, reader.line, reader.nfields, ncolumns);
			goto done;
		}
		record_fields(&reader, fields);
		code = fields[2];
		for (int a = 0; a < PQntuples(areas); a++)
			if (strcmp(PQgetvalue(areas, a, 0), code) == 0)
				area_row = a;
		if (area_row < 0) {
			result->rows_skipped++;
			continue;
		}
		if (seen[area_row]) {
			snprintf(err, errlen, "%s line %zu: area %s appears twice", path, reader.line, code);
			goto done;
		}
		seen[area_row] = 1;
		if (census_read_row(cc, &map, fields, reader.nfields, counts, &total, msg, sizeof(msg))) {
			snprintf(err, errlen, "%s line %zu (%s): %s", path, reader.line, code, msg);
			goto done;
		}
		{
			const char *p[4] = { dataset_id, code, cc->characteristic, NULL };

			if (store_count(pg,
				"INSERT INTO demographic_totals (dataset_id, area_code, characteristic_code, count)"
				" VALUES ($1, $2, $3, $4)"
				" ON CONFLICT (dataset_id, characteristic_code, area_code)"
				" DO UPDATE SET count = EXCLUDED.count"
				" WHERE demographic_totals.count IS DISTINCT FROM EXCLUDED.count",
				4, p, total, &changed, err, errlen))
				goto done;
		}
		for (size_t c = 0; c < cc->ncats; c++) {
			const char *p[5] = { dataset_id, code, cc->characteristic, cc->cats[c].code, NULL };

			if (counts[c] < 0)
				continue;
			if (store_count(pg,
				"INSERT INTO demographic_counts (dataset_id, area_code, characteristic_code, category_code, count)"
				" VALUES ($1, $2, $3, $4, $5)"
				" ON CONFLICT (dataset_id, characteristic_code, area_code, category_code)"
				" DO UPDATE SET count = EXCLUDED.count"
				" WHERE demographic_counts.count IS DISTINCT FROM EXCLUDED.count",
				5, p, counts[c], &changed, err, errlen))
				goto done;
		}
		result->rows_loaded++;
	}
	if (result->rows_loaded == 0) {
		snprintf(err, errlen, "%s: no row is for an area this service knows (the borough or its wards)", path);
		goto done;
	}
	result->cells_changed = changed;
	/* Only a real change moves the data set's timestamp and wakes the
	 * caches: loading the same file twice changes nothing. */
	if (changed) {
		const char *p[1] = { dataset_id };

		if (db_direct_exec(pg, "UPDATE datasets SET updated_at = now() WHERE id = $1", 1, p, NULL, err, errlen) ||
		    db_direct_exec(pg, "SELECT pg_notify('" LISTENER_CHANNEL "', 'demographics')", 0, NULL, NULL, err, errlen))
			goto done;
	}
	if (db_direct_exec(pg, "COMMIT", 0, NULL, NULL, err, errlen))
		goto done;
	in_tx = false;
	rc = 0;
done:
	if (in_tx)
		db_direct_rollback(pg);
	csv_reader_release(&reader);
	PQclear(res);
	PQclear(areas);
	catalogue_release(&cat);
	free(fields);
	free(map.cat_col);
	free(counts);
	free(seen);
	buf_release(&file);
	return rc;
}
