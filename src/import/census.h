/*
 * census.h - `equalities-api import census FILE --dataset SLUG`: load an ONS
 * Census 2021 bulk CSV into a demographics data set.
 *
 * Keeps the rows for areas the service knows (the borough and its wards) and
 * skips the rest, checks each row's arithmetic, and writes everything in one
 * transaction, or nothing.  Loading the same file again changes nothing.
 */
#ifndef EQ_IMPORT_CENSUS_H
#define EQ_IMPORT_CENSUS_H

#include <libpq-fe.h>
#include <stddef.h>

struct census_import_result {
	char characteristic[64];
	size_t rows_loaded;
	size_t rows_skipped;   /* areas outside the borough */
	size_t cells_changed;  /* counts inserted or updated; 0 on a reload */
};

__attribute__((warn_unused_result))
int census_import_file(PGconn *pg, const char *path, const char *dataset_slug,
		       struct census_import_result *result, char *err, size_t errlen);

#endif
