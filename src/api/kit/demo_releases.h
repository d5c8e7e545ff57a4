/*
 * demo_releases.h - releases of the demographics (api/kit/releases.h),
 * one subject per data set family: a data set and the data sets that are
 * subset_of it (data/datasets.csv), keyed by the family's whole
 * population's slug.
 *
 * A release is made when a data set of the family is imported (the CLI's
 * `import census` and `seed`): every characteristic's linked problem
 * (domain/demo_table.h demo_problem_build: the members' cells and the
 * hidden differences between them) is suppressed once, jointly with the
 * family's earlier releases, and stored whole.  Reads serve it
 * (api/kit/demo_tables.h) and the public never sees a live suppression.
 *
 * Each problem is stored under a name that says what it is of (the
 * characteristic, the members, a hash of their areas and categories), so
 * that only a problem of the same shape is compared cell by cell; its
 * `about` lists each member's data set, areas and categories in cell
 * order, which a read maps back by code.
 */
#ifndef EQ_API_KIT_DEMO_RELEASES_H
#define EQ_API_KIT_DEMO_RELEASES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "db/db.h"

/* Statements to register before the pool starts. */
extern const struct db_statement demo_releases_statements[];
extern const size_t demo_releases_nstatements;

/*
 * Make the next release of family (a whole population's data set slug) on
 * db, in a transaction of its own, with the disclosure threshold and
 * reason (what was imported).  skip_unchanged: make none when every
 * count is what the latest release holds (a seed run again).  DB_OK with
 * the release in *made (a new reference; NULL when none was made), or the
 * failure.
 */
__attribute__((warn_unused_result))
enum db_status demo_releases_make(struct db_conn *db, unsigned threshold, const char *family,
				  const char *reason, bool skip_unchanged, json_t **made);

/* The families of the data sets that hold counts, into *out (the caller
 * PQclears it; column 0 the family's slug), or the failure. */
__attribute__((warn_unused_result))
enum db_status demo_releases_families(struct db_conn *db, const char *dataset, PGresult **out);

#endif
