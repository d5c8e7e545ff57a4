/*
 * demo_table.h - one characteristic of one demographics data set as a
 * table of areas x categories, with disclosure control applied over the
 * whole table.
 *
 * Suppression is decided on the full table, never on the slice a client
 * asked for: otherwise two differently filtered requests could withhold
 * different cells and together give a small count away.
 *
 * Pure: no I/O.  The table borrows every string it points to (codes and
 * names); whoever fills it keeps them alive for the table's life.
 */
#ifndef EQ_DOMAIN_DEMO_TABLE_H
#define EQ_DOMAIN_DEMO_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/disclosure.h"

struct demo_area {
	const char *code, *name, *kind, *parent;   /* parent NULL: none */
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
};

#define DEMO_TOTAL_CODE "total"

/*
 * Allocate a table of nareas areas and ncats categories plus the total
 * (t->ncats becomes ncats + 1); every value starts absent (-1) and
 * category 0 is the total.  0, or -1 when memory runs out; the table must
 * be released either way.
 */
__attribute__((warn_unused_result))
int demo_table_alloc(struct demo_table *t, const char *characteristic, size_t nareas, size_t ncats);
/* Free the arrays (not the borrowed strings) and empty t. */
void demo_table_release(struct demo_table *t);

/* Resolve each category's parent code to its index (after the codes are set). */
void demo_table_link_parents(struct demo_table *t);

/* Set the value of (area code, category code); false when either is not in
 * the table or the category is the total (totals are set per area). */
bool demo_table_set(struct demo_table *t, const char *area, const char *category, int64_t value);

/* Decide suppression for t->values into t->suppressed.  0, or -1 when
 * memory runs out. */
__attribute__((warn_unused_result))
int demo_table_suppress(struct demo_table *t, unsigned threshold);

/*
 * The same for linked data sets (protection across nested populations):
 * tables[0] counts a population and tables[1..n-1] subsets of it, for the
 * same characteristic.  Each cell both hold is linked: superset = subset +
 * a hidden cell (the people outside the subset), never published and
 * under the same rules, so 9 and 6 are not both published when 3 is small.
 * One disclosure problem over all of them; each table's suppressed[] gets
 * its share of the answer (all true on failure).  0, or -1.
 */
__attribute__((warn_unused_result))
int demo_table_suppress_linked(struct demo_table *const *tables, size_t n, unsigned threshold);

/*
 * The same, keeping withheld every cell each table's suppressed[] already
 * withholds: a release decided at a lower threshold, served by a service
 * whose threshold is higher, withholds what it withheld and what the
 * higher threshold needs besides.  0, or -1.
 */
__attribute__((warn_unused_result))
int demo_table_suppress_linked_more(struct demo_table *const *tables, size_t n, unsigned threshold);

/*
 * The disclosure problem demo_table_suppress_linked decides, for a caller
 * that decides it elsewhere (a release, suppressed jointly with the
 * earlier ones: domain/release.h).  Cells: each table's in order
 * (area * ncats + category, tables[0]'s first), then one hidden cell per
 * linked pair (superset minus subset).  An absent cell (value -1) is 0 here
 * and in no constraint; absent[] marks it, so that it is never published.
 * The problem owns its arrays: release it with demo_problem_release.
 */
struct demo_problem {
	int64_t *values;
	bool *absent;
	size_t ncells;      /* the tables' cells and the hidden ones */
	size_t nown;        /* the tables' cells alone */
	struct disclosure_constraint *cons;
	size_t ncons;
	size_t *parts;      /* the constraints' parts */
};

/* 0, or -1 when memory runs out (p must be released either way). */
__attribute__((warn_unused_result))
int demo_problem_build(struct demo_table *const *tables, size_t n, struct demo_problem *p);
void demo_problem_release(struct demo_problem *p);

/* Index of an area / category code in t, or -1. */
long demo_table_area(const struct demo_table *t, const char *code);
long demo_table_category(const struct demo_table *t, const char *code);
/* The last area of kind "borough", or -1. */
long demo_table_borough(const struct demo_table *t);

/* Share of cell (a, c) of its area's total, unrounded; false when it is
 * withheld (the cell or the total suppressed) or either is absent. */
bool demo_table_share(const struct demo_table *t, size_t a, size_t c, double *share);

#endif
