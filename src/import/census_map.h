/*
 * census_map.h - reading the ONS Census 2021 bulk CSV layout.
 *
 * Files have the columns "date", "geography", "geography code", then one
 * column per category headed "<Characteristic>: <Category>" or
 * "<Characteristic>: <Group>: <Category>", the total first.  This module
 * maps headings to our catalogue and checks each row's arithmetic.  Pure:
 * the caller supplies the catalogue and the parsed fields.
 */
#ifndef EQ_IMPORT_CENSUS_MAP_H
#define EQ_IMPORT_CENSUS_MAP_H

#include <stddef.h>
#include <stdint.h>

struct census_category {
	const char *code;
	const char *heading;   /* text after "<prefix>: "; NULL if not a census category */
	int parent;            /* index of the parent category, -1 for top level */
};

struct census_catalog {
	const char *characteristic;   /* our code, "ethnicity" */
	const char *prefix;           /* "Ethnic group" */
	const char *total_heading;    /* "Total: All usual residents" */
	const struct census_category *cats;
	size_t ncats;
};

#define CENSUS_FIXED_COLUMNS 3   /* date, geography, geography code */

struct census_mapping {
	size_t catalog;       /* index of the catalogue the headings belong to */
	size_t total_col;     /* column of the total */
	long *cat_col;        /* per category of that catalogue: column, or -1 when
	                         derived (parents missing from the file) */
};

/*
 * Map a header row.  cat_col must have room for the largest catalogue's
 * ncats.  On failure returns -1 with a message naming the heading (or what
 * is missing) in err.
 */
int census_map_headings(const struct census_catalog *catalogs, size_t ncatalogs,
			const char *const *fields, size_t nfields,
			struct census_mapping *out, char *err, size_t errlen);

/*
 * Read one data row's counts: counts[i] for each category (parents derived
 * from children when the file lacks them), *total.  Checks that every value
 * is a whole number >= 0, that each parent equals the sum of its children
 * and the total the sum of the top-level categories.
 */
int census_read_row(const struct census_catalog *catalog,
		    const struct census_mapping *map,
		    const char *const *fields, size_t nfields,
		    int64_t *counts, int64_t *total, char *err, size_t errlen);

#endif
