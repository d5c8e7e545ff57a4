/*
 * seed.c - the demo data set loader (see seed.h).
 */
#include "seed.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "import/census.h"
#include "import/workforce.h"
#include "seed_hate_crime.h"
#include "seed_indicators.h"
#include "seed_action_plan.h"
#include "seed_returns.h"
#include "seed_policy.h"
#include "seed_csv.h"
#include "util/buf.h"
#include "util/log.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Upserts: a second run changes no row, and so notifies nobody. */
static const struct seed_file reference_files[] = {
	{ SEED_FILE("areas.csv", "code", "name", "kind", "parent_code"), .parent = "parent_code",
	  .upsert = { "areas", 1, NULL } },
	{ SEED_FILE("characteristics.csv",
		    "code", "name", "protected_characteristic", "census_prefix",
		    "census_total_heading", "universe", "sort_order"),
	  .upsert = { "characteristics", 1, NULL } },
	/* The table names two of the file's columns otherwise. */
	{ SEED_FILE("categories.csv",
		    "characteristic", "code", "name", "parent", "sort_order", "census_heading"),
	  .parent = "parent",
	  .upsert = { "categories", 2, (const char *const[]){
		"characteristic_code", "code", "name", "parent_code", "sort_order", "census_heading" } } },
	{ SEED_FILE("datasets.csv",
		    "slug", "title", "publisher", "source_url", "release_date", "reference_date",
		    "official", "licence", "notes", "population", "subset_of"),
	  .sql = "INSERT INTO datasets (slug, title, publisher, source, release_date, reference_date,"
	  " official, licence, notes, population, subset_of) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
	  " coalesce($9, ''), coalesce($10, 'all_usual_residents'), $11)"
	  " ON CONFLICT (slug) DO UPDATE SET title = EXCLUDED.title, publisher = EXCLUDED.publisher,"
	  " source = EXCLUDED.source, release_date = EXCLUDED.release_date,"
	  " reference_date = EXCLUDED.reference_date, official = EXCLUDED.official,"
	  " licence = EXCLUDED.licence, notes = EXCLUDED.notes, population = EXCLUDED.population,"
	  " subset_of = EXCLUDED.subset_of, updated_at = now()"
	  " WHERE (datasets.title, datasets.publisher, datasets.source, datasets.release_date,"
	  " datasets.reference_date, datasets.official, datasets.licence, datasets.notes,"
	  " datasets.population, datasets.subset_of)"
	  " IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.publisher, EXCLUDED.source,"
	  " EXCLUDED.release_date, EXCLUDED.reference_date, EXCLUDED.official,"
	  " EXCLUDED.licence, EXCLUDED.notes, EXCLUDED.population, EXCLUDED.subset_of)" },
	{ SEED_FILE("organisations.csv", "slug", "name", "kind"),
	  .upsert = { "organisations", 1, NULL } },
};

/* Each Census file through the importer a council uses for the real
 * tables (it has its own transaction per file). */
static int census_row(PGconn *pg, const char *root, const char *const *v, const char *where,
		      size_t *changed, char *err, size_t errlen)
{
	struct census_import_result result;
	struct buf path = BUF_INIT;
	int rc = -1;

	if (!v[0] || !v[1] || strchr(v[0], '/'))
		snprintf(err, errlen, "%s: not file,dataset", where);
	else if (buf_appendf(&path, "%s/data/census/%s", root, v[0]))
		snprintf(err, errlen, "out of memory");
	else if (census_import_file(pg, buf_cstr(&path), v[1], &result, err, errlen) == 0) {
		*changed += result.cells_changed;
		log_msgf(LOG_INFO, "seed: %s: %s, %zu areas, %zu cells changed", v[0],
			 result.characteristic, result.rows_loaded, result.cells_changed);
		rc = 0;
	}
	buf_release(&path);
	return rc;
}

/* Each snapshot through the council's own workforce importer. */
static int workforce_row(PGconn *pg, const char *root, const char *const *v, const char *where,
			 size_t *changed, char *err, size_t errlen)
{
	struct buf path = BUF_INIT;
	char outcome[32];
	int rc = -1;

	if (!v[0] || !v[1] || strchr(v[0], '/'))
		snprintf(err, errlen, "%s: not file,as_of,notes", where);
	else if (buf_appendf(&path, "%s/data/workforce/%s", root, v[0]))
		snprintf(err, errlen, "out of memory");
	else if (workforce_import_file(pg, buf_cstr(&path), v[1], "demo", v[2] ? v[2] : "",
				       outcome, sizeof(outcome), err, errlen) == 0) {
		*changed += strcmp(outcome, "unchanged") != 0;
		rc = 0;
	}
	buf_release(&path);
	return rc;
}


/* Manifests: each row names a file for an importer that makes its own
 * transactions, so they are loaded outside seed_csv_load_all's. */
static const struct seed_file census_manifest = {
	SEED_FILE("census/manifest.csv", "file", "dataset"), .row = census_row,
};
static const struct seed_file workforce_manifest = {
	SEED_FILE("workforce/manifest.csv", "file", "as_of", "notes"), .row = workforce_row,
};

/* The demo data set is not the borough's: every area it loads says so on
 * every public response (data_status, read by the service). */
static int seed_mark_illustrative(PGconn *pg, size_t *changed, char *err, size_t errlen)
{
	static const char sql[] =
		"WITH a(area) AS (VALUES ('demographics'), ('hate_crime'), ('workforce'), ('returns'),"
		"                        ('action_plan'), ('indicators'))"
		" INSERT INTO data_status (area, status, note)"
		" SELECT area, 'illustrative', 'Demo data loaded by equalities-api seed: illustrative figures, not the borough''s.'"
		" FROM a ON CONFLICT (area) DO UPDATE SET status = excluded.status, note = excluded.note"
		" WHERE data_status.status <> excluded.status OR data_status.note <> excluded.note"
		" RETURNING area";
	PGresult *r = NULL;

	if (db_direct_exec(pg, sql, 0, NULL, &r, err, errlen))
		return -1;
	*changed += (size_t)PQntuples(r);
	PQclear(r);
	return 0;
}

/* After the reference data, the Census and hate crime, in this order:
 * actions name plans, indicator values indicators, assessments actions. */
static const struct seed_group *const groups[] = {
	&seed_returns_files, &seed_action_plan_files, &seed_indicators_files,
	&seed_policy_files, &seed_assessment_files,
};

int seed_run(PGconn *pg, const char *root, char *err, size_t errlen)
{
	size_t changed = 0;

	if (seed_csv_load_all(pg, root, "reference", reference_files, N(reference_files),
			      &changed, err, errlen) ||
	    seed_csv_load(pg, root, &census_manifest, &changed, err, errlen) ||
	    seed_hate_crime(pg, root, &changed, err, errlen))
		return -1;
	for (size_t i = 0; i < N(groups); i++)
		if (seed_csv_load_group(pg, root, groups[i], &changed, err, errlen))
			return -1;
	if (seed_csv_load(pg, root, &workforce_manifest, &changed, err, errlen) ||
	    seed_mark_illustrative(pg, &changed, err, errlen))
		return -1;
	log_msgf(LOG_INFO, "seed complete: %zu rows changed", changed);
	return 0;
}
