/*
 * demo_tables.h - the demographics tables (domain/demo_table.h) as the
 * service reads them: loaded by named statements, taken from a release
 * (or suppressed live) once per data generation and shared, through the
 * memo kit, by every request that slices them (GET /v1/demographics and
 * GET /v1/workforce/representation).
 *
 * The public reads releases (api/kit/demo_releases.h): a data set family's
 * latest release by default, its cells' values and withheld flags exactly
 * as they were decided when it was made.  Until the family's first release
 * the live table is suppressed on its own, as `live` always is.
 */
#ifndef EQ_API_KIT_DEMO_TABLES_H
#define EQ_API_KIT_DEMO_TABLES_H

#include <stddef.h>

#include "api/kit/memo.h"
#include "api/kit/releases.h"
#include "db/db.h"
#include "domain/demo_table.h"

struct request;
struct response;

/* Statements to register (demographics.c registers them at start). */
extern const struct db_statement demo_tables_statements[];
extern const size_t demo_tables_nstatements;

/*
 * The published table of one characteristic of data set dataset_id: from
 * view (a release's cells, or live: suppressed with the request's
 * threshold), or with view NULL from the family's latest release.
 * Returns 0 with *ref holding a reference whose value is a
 * `const struct demo_table *`, to give back with demo_tables_release; or
 * -1 after a problem (503, 500) in res.
 */
__attribute__((warn_unused_result))
int demo_tables_get_or_respond(struct request *req, struct response *res, const char *dataset_id,
			       const char *characteristic, const struct release_view *view,
			       struct memo_ref *ref);

/* What view serves, as a memo key's part: "latest" (view NULL), "live"
 * or "r<id>". */
void demo_tables_which(const struct release_view *view, char *buf, size_t n);

/* One data set's table as loaded, unsuppressed, with the results whose
 * strings it borrows (for a release's maker). */
struct demo_loaded {
	struct demo_table t;
	char *characteristic;
	PGresult *areas, *cats, *counts;
};

/* Load it on db: DB_OK with *out (free it with demo_tables_loaded_free),
 * or the failure (DB_ERROR too when memory runs out). */
__attribute__((warn_unused_result))
enum db_status demo_tables_load(struct db_conn *db, const char *dataset_id, const char *characteristic,
				struct demo_loaded **out);
void demo_tables_loaded_free(struct demo_loaded *l);
void demo_tables_release(struct memo_ref *ref);

#endif
