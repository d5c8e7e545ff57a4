/*
 * release_cli.c - the CLI's demographics releases (see release_cli.h).
 */
#include "release_cli.h"

#include <stdio.h>
#include <string.h>

#include "api/kit/demo_releases.h"
#include "api/kit/demo_tables.h"
#include "api/kit/releases.h"
#include "config.h"
#include "db/db.h"

/* The pool's settings: the CLI's, on the database pg is connected to.
 * Static: the pool keeps a pointer to them. */
static struct config pool_cfg;
static char pool_url[512];

static int pool_start(const struct config *cfg, PGconn *pg)
{
	pool_cfg = *cfg;
	if (!*cfg->database_url) {
		snprintf(pool_url, sizeof(pool_url), "host=%s port=%s dbname=%s user=%s", PQhost(pg), PQport(pg),
			 PQdb(pg), PQuser(pg));
		pool_cfg.database_url = pool_url;
	}
	if (db_register_statements(releases_statements, RELEASES_NSTATEMENTS) != 0 ||
	    db_register_statements(demo_tables_statements, demo_tables_nstatements) != 0 ||
	    db_register_statements(demo_releases_statements, demo_releases_nstatements) != 0)
		return -1;
	return db_pool_init(&pool_cfg);
}

static int make_each(const PGresult *families, struct db_conn *db, unsigned threshold, const char *reason,
		     char *err, size_t errlen)
{
	for (int i = 0; i < PQntuples(families); i++) {
		const char *family = PQgetvalue(families, i, 0);
		json_t *made = NULL;

		if (demo_releases_make(db, threshold, family, reason, true, &made) != DB_OK) {
			snprintf(err, errlen, "the demographics release of %s could not be made (see the log); the data is loaded: run the import again to release it", family);
			return -1;
		}
		if (made)
			printf("released demographics of %s: version %lld\n", family,
			       (long long)json_integer_value(json_object_get(made, "version")));
		json_decref(made);
	}
	return 0;
}

int release_cli_demographics(const struct config *cfg, PGconn *pg, const char *dataset,
			     const char *reason, char *err, size_t errlen)
{
	struct db_conn *db = NULL;
	PGresult *families = NULL;
	int rc = -1;

	snprintf(err, errlen, "cannot connect to make the demographics release");
	if (pool_start(cfg, pg) != 0 || !(db = db_acquire()) ||
	    demo_releases_families(db, dataset, &families) != DB_OK)
		goto done;
	rc = make_each(families, db, cfg->suppress_below, reason, err, errlen);
done:
	PQclear(families);
	if (db)
		db_release(db);
	db_pool_shutdown();
	return rc;
}
