/*
 * protection.h - protection intervals for withheld cells.
 *
 * Withholding a cell is not enough: an attacker who holds every published
 * cell and knows the table's relations (totals, parents, borough = sum of
 * wards) can bound each withheld cell by linear programming.  Zero is
 * published, so a withheld count is at least 1; two withheld cells that
 * must add up to 3 are each 1 or 2, which tells the attacker they are small
 * even though neither is determined.
 *
 * This module computes each withheld cell's range exactly (the LP minimum
 * and maximum over every solution consistent with the published cells, with
 * GLPK's simplex) and says which ranges are too narrow: a range passes when
 * it is at least `threshold` wide (hi - lo >= threshold) and its upper end
 * is at least `threshold`, so no withheld cell can be shown to be small.
 * disclosure_apply withholds more until every range passes.
 *
 * Pure: no I/O.  GLPK keeps a per-thread environment; each call frees it
 * before returning, so nothing outlives the call.
 */
#ifndef EQ_DOMAIN_PROTECTION_H
#define EQ_DOMAIN_PROTECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/disclosure.h"

/* The upper end of a range the relations leave unbounded. */
#define PROTECTION_UNBOUNDED INT64_MAX

/*
 * The range [lo[c], hi[c]] of every withheld cell c (suppressed[c]), as
 * integers (the LP bounds rounded inwards); published cells get their own
 * value as both ends.  A withheld cell whose value is 0 (withheld because
 * another table withheld it) has the lower bound 0, every other withheld
 * cell 1.  hi[c] is PROTECTION_UNBOUNDED when nothing bounds it.
 *
 * The caller owns lo[] and hi[] (ncells entries each).  Returns 0, or -1
 * on invalid input (an index out of range), when memory runs out or when
 * the solver fails.
 */
__attribute__((warn_unused_result))
int protection_ranges(const int64_t *values, size_t ncells,
		      const struct disclosure_constraint *constraints,
		      size_t nconstraints, const bool *suppressed,
		      int64_t *lo, int64_t *hi);

/* Whether the range [lo, hi] protects a withheld cell at this threshold. */
bool protection_range_ok(int64_t lo, int64_t hi, int threshold);

/*
 * Mark in narrow[] (ncells entries, written) each withheld cell whose
 * range fails protection_range_ok, and count them in *nnarrow.  Returns 0,
 * or -1 as protection_ranges does.
 *
 * passed[] (may be NULL; ncells entries, read and written) carries what
 * earlier calls learnt: a cell marked there is taken to pass without a
 * solve, and each withheld cell found to pass is marked.  That is sound
 * while the caller only ever withholds more: a newly withheld cell turns a
 * fixed value into a variable, every earlier solution still fits, and so
 * no range can narrow.
 */
__attribute__((warn_unused_result))
int protection_find_narrow(const int64_t *values, size_t ncells,
			   const struct disclosure_constraint *constraints,
			   size_t nconstraints, const bool *suppressed,
			   int threshold, bool *passed, bool *narrow, size_t *nnarrow);

#endif
