/*
 * returns_summary.h - the published summary of a window's accepted partner
 * returns, with its disclosure control.
 *
 * Cells: the total (and the adult total, where an adult-only measure is
 * asked in a universe with children), then for each of the kind's
 * characteristics its top-level categories (a return that gives a
 * sub-category such as asian_indian counts towards its parent asian; age
 * in HR bands when the window takes them), then prefer_not_to_say and
 * not_known.  Each characteristic's cells add up to its base - the total,
 * or the adult total for an adult-only measure: one additive constraint
 * each.  The undeclared cells are part of that sum, so a share computed
 * as a cell over its base counts everyone, declared or not.
 *
 * Nothing is published unless at least RETURNS_MIN_PARTNERS partners
 * contributed: with one or two, a partner could subtract its own counts
 * and learn the other's.  Otherwise disclosure_apply decides over the
 * whole table at once.
 *
 * Pure: returns and categories come in as values the caller read.
 */
#ifndef EQ_DOMAIN_RETURNS_SUMMARY_H
#define EQ_DOMAIN_RETURNS_SUMMARY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/disclosure.h"
#include "domain/partner_return.h"

#define RETURNS_MIN_PARTNERS 3

/* One accepted return: its total, adult total (the total when it gave
 * none) and its lines ({characteristic: {category: count}}, borrowed;
 * NULL counts nothing). */
struct accepted_return {
	long long total;
	const json_t *lines;
	long long adult_total;
};

struct returns_summary_cell {
	const char *characteristic;   /* NULL for the total and the adult total */
	const char *category, *name;  /* borrowed ("total", "Total"; "adult_total", ...) */
	int row;                      /* catalogue row; -1 for the others */
};

/* Cell 0 is the total, cell adult_cell (when not 0) the adult total; all
 * arrays ncells long and owned. */
struct returns_summary {
	struct returns_summary_cell *cells;
	int64_t *values;
	bool *suppressed;
	size_t ncells;
	size_t partners;
	size_t adult_cell;
	const struct return_rules *rules;   /* borrowed from the caller */
	/* The relations (per characteristic, its base = its cells), owned:
	 * what a release of the summary is decided over. */
	struct disclosure_constraint *constraints;
	size_t nconstraints;
	size_t *parts;
};

/*
 * The summary of naccepted returns of kind, counts from 1 to threshold-1
 * withheld and whatever else disclosure control needs.  0, or -1 when
 * memory runs out or a count is out of disclosure_apply's range (s is then
 * released).  Release with returns_summary_release either way.
 */
__attribute__((warn_unused_result))
int returns_summary_build(struct returns_summary *s, const struct return_rules *rules,
			  const struct return_catalogue *cat,
			  const struct accepted_return *accepted, size_t naccepted, int threshold);

/* The cell characteristic ch's cells add up to: 0 (the total), or the
 * adult total's. */
size_t returns_summary_base(const struct returns_summary *s, const char *ch);

/* Is cell k published under characteristic ch (its base is under it)? */
bool returns_summary_in(const struct returns_summary *s, size_t k, const char *ch);

void returns_summary_release(struct returns_summary *s);

#endif
