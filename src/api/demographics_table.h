/*
 * demographics_table.h - one characteristic of one data set as a table of
 * areas x categories, with disclosure control applied over the whole table.
 *
 * Suppression is decided on the full table, never on the slice a client
 * asked for: otherwise two differently filtered requests could withhold
 * different cells and together give a small count away.
 */
#ifndef EQ_API_DEMOGRAPHICS_TABLE_H
#define EQ_API_DEMOGRAPHICS_TABLE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

struct demo_area {
	const char *code, *name, *kind, *parent;
};

/* Category 0 is the area's total for the characteristic (code "total"). */
struct demo_category {
	const char *code, *name, *parent;
	long parent_index;   /* -1 for top level and for the total */
};

struct demo_table {
	const char *characteristic;
	size_t nareas, ncats;
	struct demo_area *areas;          /* sorted by code */
	struct demo_category *cats;
	int64_t *values;                  /* [area * ncats + cat], -1 when absent */
	bool *suppressed;
	PGresult *rows_areas, *rows_cats, *rows_counts;  /* own the strings above */
};

#define DEMO_TOTAL_CODE "total"

/* Statements this module needs registered (demographics.c registers them). */
extern const struct db_statement demo_table_statements[];
extern const size_t demo_table_nstatements;

/* Load and suppress.  Returns DB_OK or the database status; the table must
 * be released either way. */
__attribute__((warn_unused_result))
enum db_status demo_table_load(struct db_conn *db, const char *dataset_id,
			       const char *characteristic, unsigned threshold,
			       struct demo_table *t);
void demo_table_release(struct demo_table *t);

/* Pure: decide suppression for t->values into t->suppressed.  0 or -1. */
__attribute__((warn_unused_result))
int demo_table_suppress(struct demo_table *t, unsigned threshold);

/* Index of an area / category code in t, or -1. */
long demo_table_area(const struct demo_table *t, const char *code);
long demo_table_category(const struct demo_table *t, const char *code);

#endif
