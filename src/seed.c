/*
 * seed.c - the demo data set loader (see seed.h).
 */
#include "seed.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/listener.h"
#include "domain/csv.h"
#include "import/census.h"
#include "import/workforce.h"
#include "seed_hate_crime.h"
#include "seed_indicators.h"
#include "seed_action_plan.h"
#include "seed_returns.h"
#include "util/buf.h"
#include "util/log.h"

#define MAX_COLUMNS 12

struct table_load {
	PGconn *pg;
	const char *sql;          /* upsert; $n are the columns in order */
	const char *const *columns;
	size_t ncolumns;
	/* Load only rows where column `pass_column` is empty (pass 0) or not
	 * (pass 1): parents before the rows that refer to them. */
	long pass_column;
	size_t changed;
};

static int load_csv(struct table_load *t, const char *path, char *err, size_t errlen)
{
	struct buf file = BUF_INIT;
	struct csv_reader r;
	long index[MAX_COLUMNS];
	int rc = -1;

	csv_reader_init(&r, "", 0);
	if (buf_read_file(&file, path, 64 * 1024 * 1024) != 0) {
		snprintf(err, errlen, "cannot read %s", path);
		goto done;
	}
	for (int pass = 0; pass < (t->pass_column >= 0 ? 2 : 1); pass++) {
		csv_reader_release(&r);
		csv_reader_init(&r, file.data ? file.data : "", file.len);
		if (csv_reader_next(&r) != CSV_RECORD) {
			snprintf(err, errlen, "%s: no header row", path);
			goto done;
		}
		for (size_t c = 0; c < t->ncolumns; c++) {
			index[c] = -1;
			for (size_t f = 0; f < r.nfields; f++)
				if (strcmp(csv_reader_field(&r, f), t->columns[c]) == 0)
					index[c] = (long)f;
			if (index[c] < 0) {
				snprintf(err, errlen, "%s: missing column '%s'", path, t->columns[c]);
				goto done;
			}
		}
		for (;;) {
			enum csv_status st = csv_reader_next(&r);
			const char *values[MAX_COLUMNS];
			PGresult *res;
			char msg[256];

			if (st == CSV_END)
				break;
			if (st == CSV_ERROR) {
				snprintf(err, errlen, "%s line %zu: %s", path, r.line, r.error);
				goto done;
			}
			for (size_t c = 0; c < t->ncolumns; c++) {
				const char *v = csv_reader_field(&r, (size_t)index[c]);

				values[c] = v && *v ? v : NULL;
			}
			if (t->pass_column >= 0 && (pass == 0) != (values[t->pass_column] == NULL))
				continue;
			if (db_direct_exec(t->pg, t->sql, (int)t->ncolumns, values, &res, msg, sizeof(msg))) {
				snprintf(err, errlen, "%s line %zu: %s", path, r.line, msg);
				goto done;
			}
			t->changed += (size_t)atol(PQcmdTuples(res));
			PQclear(res);
		}
	}
	rc = 0;
done:
	csv_reader_release(&r);
	buf_release(&file);
	return rc;
}

static const char *const area_columns[] = { "code", "name", "kind", "parent_code" };
static const char area_sql[] =
	"INSERT INTO areas (code, name, kind, parent_code) VALUES ($1, $2, $3, $4)"
	" ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind,"
	" parent_code = EXCLUDED.parent_code"
	" WHERE (areas.name, areas.kind, areas.parent_code) IS DISTINCT FROM"
	" (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.parent_code)";

static const char *const characteristic_columns[] = {
	"code", "name", "protected_characteristic", "census_prefix",
	"census_total_heading", "universe", "sort_order",
};
static const char characteristic_sql[] =
	"INSERT INTO characteristics (code, name, protected_characteristic, census_prefix,"
	" census_total_heading, universe, sort_order) VALUES ($1, $2, $3, $4, $5, $6, $7)"
	" ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name,"
	" protected_characteristic = EXCLUDED.protected_characteristic,"
	" census_prefix = EXCLUDED.census_prefix, census_total_heading = EXCLUDED.census_total_heading,"
	" universe = EXCLUDED.universe, sort_order = EXCLUDED.sort_order"
	" WHERE (characteristics.name, characteristics.protected_characteristic,"
	" characteristics.census_prefix, characteristics.census_total_heading,"
	" characteristics.universe, characteristics.sort_order) IS DISTINCT FROM"
	" (EXCLUDED.name, EXCLUDED.protected_characteristic, EXCLUDED.census_prefix,"
	" EXCLUDED.census_total_heading, EXCLUDED.universe, EXCLUDED.sort_order)";

static const char *const category_columns[] = {
	"characteristic", "code", "name", "parent", "sort_order", "census_heading",
};
static const char category_sql[] =
	"INSERT INTO categories (characteristic_code, code, name, parent_code, sort_order,"
	" census_heading) VALUES ($1, $2, $3, $4, $5, $6)"
	" ON CONFLICT (characteristic_code, code) DO UPDATE SET name = EXCLUDED.name,"
	" parent_code = EXCLUDED.parent_code, sort_order = EXCLUDED.sort_order,"
	" census_heading = EXCLUDED.census_heading"
	" WHERE (categories.name, categories.parent_code, categories.sort_order,"
	" categories.census_heading) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.parent_code,"
	" EXCLUDED.sort_order, EXCLUDED.census_heading)";

static const char *const dataset_columns[] = {
	"slug", "title", "publisher", "source_url", "release_date", "reference_date",
	"official", "licence", "notes", "population",
};
static const char dataset_sql[] =
	"INSERT INTO datasets (slug, title, publisher, source, release_date, reference_date,"
	" official, licence, notes, population) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
	" coalesce($9, ''), coalesce($10, 'all_usual_residents'))"
	" ON CONFLICT (slug) DO UPDATE SET title = EXCLUDED.title, publisher = EXCLUDED.publisher,"
	" source = EXCLUDED.source, release_date = EXCLUDED.release_date,"
	" reference_date = EXCLUDED.reference_date, official = EXCLUDED.official,"
	" licence = EXCLUDED.licence, notes = EXCLUDED.notes, population = EXCLUDED.population,"
	" updated_at = now()"
	" WHERE (datasets.title, datasets.publisher, datasets.source, datasets.release_date,"
	" datasets.reference_date, datasets.official, datasets.licence, datasets.notes,"
	" datasets.population)"
	" IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.publisher, EXCLUDED.source,"
	" EXCLUDED.release_date, EXCLUDED.reference_date, EXCLUDED.official,"
	" EXCLUDED.licence, EXCLUDED.notes, EXCLUDED.population)";

static const char *const organisation_columns[] = { "slug", "name", "kind" };
static const char organisation_sql[] =
	"INSERT INTO organisations (slug, name, kind) VALUES ($1, $2, $3)"
	" ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind"
	" WHERE (organisations.name, organisations.kind) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind)";

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int seed_reference(PGconn *pg, const char *root, size_t *changed,
			  char *err, size_t errlen)
{
	struct table_load loads[] = {
		{ pg, area_sql, area_columns, N(area_columns), 3, 0 },
		{ pg, characteristic_sql, characteristic_columns, N(characteristic_columns), -1, 0 },
		{ pg, category_sql, category_columns, N(category_columns), 3, 0 },
		{ pg, dataset_sql, dataset_columns, N(dataset_columns), -1, 0 },
		{ pg, organisation_sql, organisation_columns, N(organisation_columns), -1, 0 },
	};
	static const char *const files[] = {
		"areas.csv", "characteristics.csv", "categories.csv", "datasets.csv",
		"organisations.csv",
	};
	struct buf path = BUF_INIT;
	int rc = -1;

	if (db_direct_exec(pg, "BEGIN", 0, NULL, NULL, err, errlen))
		return -1;
	for (size_t i = 0; i < N(loads); i++) {
		buf_reset(&path);
		if (buf_appendf(&path, "%s/data/%s", root, files[i]) ||
		    load_csv(&loads[i], buf_cstr(&path), err, errlen))
			goto done;
		*changed += loads[i].changed;
	}
	if (*changed && db_direct_exec(pg, "SELECT pg_notify('" LISTENER_CHANNEL "', 'reference')",
				       0, NULL, NULL, err, errlen))
		goto done;
	if (db_direct_exec(pg, "COMMIT", 0, NULL, NULL, err, errlen))
		goto done;
	rc = 0;
done:
	if (rc)
		db_direct_rollback(pg);
	buf_release(&path);
	return rc;
}

static int seed_census(PGconn *pg, const char *root, size_t *changed, char *err, size_t errlen)
{
	struct buf manifest = BUF_INIT, path = BUF_INIT;
	struct csv_reader r;
	int rc = -1;

	csv_reader_init(&r, "", 0);
	if (buf_appendf(&path, "%s/data/census/manifest.csv", root) ||
	    buf_read_file(&manifest, buf_cstr(&path), 1024 * 1024)) {
		snprintf(err, errlen, "cannot read %s", buf_cstr(&path));
		goto done;
	}
	csv_reader_release(&r);
	csv_reader_init(&r, manifest.data ? manifest.data : "", manifest.len);
	if (csv_reader_next(&r) != CSV_RECORD || r.nfields != 2 ||
	    strcmp(csv_reader_field(&r, 0), "file") || strcmp(csv_reader_field(&r, 1), "dataset")) {
		snprintf(err, errlen, "data/census/manifest.csv must have the header file,dataset");
		goto done;
	}
	for (;;) {
		enum csv_status st = csv_reader_next(&r);
		struct census_import_result result;

		if (st == CSV_END)
			break;
		if (st == CSV_ERROR || r.nfields != 2 || strchr(csv_reader_field(&r, 0), '/')) {
			snprintf(err, errlen, "data/census/manifest.csv line %zu is not file,dataset", r.line);
			goto done;
		}
		buf_reset(&path);
		if (buf_appendf(&path, "%s/data/census/%s", root, csv_reader_field(&r, 0)) ||
		    census_import_file(pg, buf_cstr(&path), csv_reader_field(&r, 1), &result, err, errlen))
			goto done;
		*changed += result.cells_changed;
		log_msgf(LOG_INFO, "seed: %s: %s, %zu areas, %zu cells changed",
			 csv_reader_field(&r, 0), result.characteristic, result.rows_loaded,
			 result.cells_changed);
	}
	rc = 0;
done:
	csv_reader_release(&r);
	buf_release(&manifest);
	buf_release(&path);
	return rc;
}

int seed_run(PGconn *pg, const char *root, char *err, size_t errlen)
{
	size_t changed = 0;

	if (seed_reference(pg, root, &changed, err, errlen) ||
	    seed_census(pg, root, &changed, err, errlen) ||
	    seed_hate_crime(pg, root, &changed, err, errlen) ||
	    seed_returns(pg, root, &changed, err, errlen) ||
	    seed_action_plan(pg, root, &changed, err, errlen) ||
	    seed_indicators(pg, root, &changed, err, errlen) ||
	    workforce_seed(pg, root, &changed, err, errlen))
		return -1;
	log_msgf(LOG_INFO, "seed complete: %zu rows changed", changed);
	return 0;
}
