/*
 * disclosure.h - statistical disclosure control for published counts.
 *
 * A published table is a set of cells (non-negative counts) tied together by
 * additive constraints: a total cell equals the sum of its part cells (an
 * area's total is the sum of its top-level categories, a parent category the
 * sum of its children, the borough the sum of its wards).  This module
 * decides which cells must be withheld.  It is pure: no I/O, no allocation
 * visible to the caller beyond what it frees itself.
 *
 * Rules (SERVICE.md, "Disclosure control"):
 *  - primary: a count from 1 to threshold-1 is suppressed; zero is published;
 *  - secondary: no suppressed cell may be recoverable from published cells
 *    through the constraints.  A constraint in which exactly one cell is
 *    suppressed gives it away by subtraction, so the smallest non-zero
 *    published part of that constraint is suppressed too (the total when no
 *    part is left).  Repeated to a fixed point, then checked exactly: any
 *    suppressed cell still determined by the whole linear system (rows and
 *    columns together) gets a further complementary suppression.  Last,
 *    bounds: zero is published, so a withheld count is at least 1, and
 *    interval reasoning can pin a cell (two withheld cells that must add
 *    up to 2 are both 1); a pinned cell gets a complement too.
 *  - protection intervals (protection.h): every withheld cell's exact LP
 *    range must be at least threshold wide with its upper end at least
 *    threshold; a narrower one gets a complement, until every range passes
 *    or nothing non-zero is left to withhold.
 */
#ifndef EQ_DOMAIN_DISCLOSURE_H
#define EQ_DOMAIN_DISCLOSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The largest count accepted (2^40, over a trillion: more than any
 * population).  The bounds reasoning adds counts up in int64_t; with every
 * cell at most this, no sum over fewer than 2^22 cells can overflow.  A
 * larger value (an impossible row in the database) is invalid input, not
 * undefined behaviour.
 */
#define DISCLOSURE_MAX_VALUE ((int64_t)1 << 40)

/* total == sum(parts[0..nparts-1]); indices into the cell array. */
struct disclosure_constraint {
	size_t total;
	const size_t *parts;
	size_t nparts;
};

/*
 * Decide suppression for ncells cells with the given values (each >= 0).
 * threshold: counts 1..threshold-1 are primary-suppressed (threshold <= 1
 * disables primary suppression).  suppressed[] (ncells entries, written by
 * this function) receives true for each withheld cell.
 *
 * Returns 0 on success, -1 on invalid input (a negative value, a value
 * above DISCLOSURE_MAX_VALUE, an index out of range) or when memory runs
 * out; suppressed[] is then all true, so a caller that ignores the error
 * still publishes nothing.
 */
__attribute__((warn_unused_result))
int disclosure_apply(const int64_t *values, size_t ncells,
		     const struct disclosure_constraint *constraints,
		     size_t nconstraints, int threshold, bool *suppressed);

/*
 * The same, with the cells marked in forced[] (may be NULL) withheld from
 * the start as if primary: for cells also published by another table whose
 * own suppression withheld them, so that both tables agree.
 */
__attribute__((warn_unused_result))
int disclosure_apply_forced(const int64_t *values, size_t ncells,
			    const struct disclosure_constraint *constraints,
			    size_t nconstraints, int threshold, const bool *forced,
			    bool *suppressed);

/*
 * The same, with marks on the cells (any member, or marks itself, may be
 * NULL):
 *
 * - forced[ncells]: withheld from the start as if primary (above).
 * - klass[ncells]: a class for each cell.  A complement is first sought
 *   among the published cells of the withheld cell's own class (a month's
 *   total for a month's total), in the constraints that hold it and then
 *   through the withheld cells linked to it, and only when there is none
 *   among every cell.  Without it the smallest neighbour is taken, which
 *   for a month's total is often its quarter's total, and the year
 *   relation then takes a second quarter: the figures everyone reads go
 *   first.  A same-class complement keeps the table's shape and spares the
 *   coarser cells.
 * - locked[ncells]: never withheld, known to everyone already (an earlier
 *   release published them, domain/release.h), so that withholding them
 *   now would hide nothing.  A cell both forced and locked is published.
 *   The checks still count them as the published values they are.
 *
 * The arrays are borrowed for the call.
 */
struct disclosure_marks {
	const bool *forced;
	const unsigned *klass;
	const bool *locked;
};

__attribute__((warn_unused_result))
int disclosure_apply_marked(const int64_t *values, size_t ncells,
			    const struct disclosure_constraint *constraints,
			    size_t nconstraints, int threshold,
			    const struct disclosure_marks *marks, bool *suppressed);

/* True when every index in the constraints is below ncells (and no part
 * list is missing). */
bool disclosure_constraints_valid(size_t ncells, const struct disclosure_constraint *constraints,
				  size_t nconstraints);

/*
 * True when cell `cell` can be computed exactly from the published cells
 * through the constraints (used by disclosure_apply and by tests that audit
 * its output).  Returns -1 on allocation failure.
 */
int disclosure_cell_is_determined(const int64_t *values, size_t ncells,
				  const struct disclosure_constraint *constraints,
				  size_t nconstraints, const bool *suppressed,
				  size_t cell);

/*
 * A share (count / total) may be published only when both are published and
 * total > 0.  Returns true and writes *share when publishable.
 */
bool disclosure_share(int64_t count, bool count_suppressed, int64_t total,
		      bool total_suppressed, double *share);

#endif
