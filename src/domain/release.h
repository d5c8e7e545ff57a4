/*
 * release.h - the suppression of a new release of a statistic that earlier
 * releases already published, and its change log.
 *
 * A release is an immutable snapshot of one published table (cells tied by
 * additive constraints, domain/disclosure.h).  The attacker holds every
 * earlier release and sees which cells changed, so a table suppressed on
 * its own is not safe: withdrawing one report moves a quarter from 5
 * (published) to 4 (withheld), and the year minus the other quarters, all
 * unchanged and published before, gives the 4 back.  So a new release is
 * decided over the joint problem:
 *  - a cell whose value is unchanged since the newest earlier release is
 *    one variable shared by both; if an earlier release published it, it
 *    stays published (it is known: locked), and if it was withheld it stays
 *    withheld (forced);
 *  - a changed cell is decided afresh, and its earlier value is a separate
 *    cell of the earlier release's copy of the relations: a known constant
 *    where that release published it, a withheld variable where it did not;
 *  - the difference between a published new cell and the last published
 *    version of it counts what changed (one partner's late return, the
 *    reports withdrawn): one from 1 to threshold-1 withholds the new cell,
 *    as the primary rule would the count itself;
 *  - every earlier release contributes its relations over those cells, so
 *    the protection-interval check (protection.h) runs over the new table
 *    and the old ones together, and complements are chosen among the new
 *    release's cells only.
 * Earlier releases are compared newest first: a cell equal in two
 * successive releases is one variable there too.
 *
 * Pure: no I/O.  Every prior has the new table's layout (the same ncells
 * and constraints); a caller whose layout changed passes none.
 */
#ifndef EQ_DOMAIN_RELEASE_H
#define EQ_DOMAIN_RELEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/disclosure.h"

/* One earlier release of the table: each cell's true value and whether it
 * was withheld (ncells entries each, borrowed); absent (may be NULL) marks
 * cells that release did not publish at all (a rolling year it did not
 * serve): a later release takes neither the cell nor its relations from
 * it. */
struct release_prior {
	const int64_t *values;
	const bool *withheld, *absent;
};

/*
 * Decide suppression of the new release's ncells values (suppressed[],
 * written) given the earlier releases priors[0..npriors-1], newest first.
 * known[] (ncells, may be NULL) marks cells the public knows whatever this
 * release says (an earlier release's rolling year, not served again): they
 * count as published and are never withheld.  With no priors this is
 * disclosure_apply_marked with known[] locked.  Returns 0, or -1 on
 * invalid input or when memory runs out (suppressed[] is then all true).
 */
__attribute__((warn_unused_result))
int release_suppress(const int64_t *values, size_t ncells,
		     const struct disclosure_constraint *constraints, size_t nconstraints,
		     const bool *known, int threshold, const struct release_prior *priors,
		     size_t npriors, bool *suppressed);

/* How the published cells moved since the previous release. */
struct release_changes {
	size_t revised;           /* published in both, another value */
	size_t newly_withheld;    /* published before, withheld now */
	size_t newly_published;   /* withheld before, published now */
	size_t unchanged;
};

/*
 * Compare the published forms of two releases of one layout: changed[i]
 * (may be NULL; written) says whether cell i shows differently.  A
 * withheld cell whose hidden value moved shows the same, so the log tells
 * nobody more than the two releases do.
 */
void release_compare(const int64_t *old_values, const bool *old_withheld, const int64_t *values,
		     const bool *withheld, size_t ncells, bool *changed, struct release_changes *out);

#endif
