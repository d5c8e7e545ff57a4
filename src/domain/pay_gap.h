/*
 * pay_gap.h - pay gaps computed the way the Equality Act 2010 (Gender Pay
 * Gap Information) Regulations 2017 define them, for any two groups.
 *
 * Inputs are anonymous rows: hourly pay, bonus paid in the year (0 for
 * none) and a group index.  Nothing here keeps or returns a row.
 *
 *  - mean gap   = (mean hourly pay of the reference group - mean of the
 *                  other group) / mean of the reference group x 100;
 *  - median gap = the same with medians (the median of an even number of
 *                  values is the mean of the two middle ones);
 *  - bonus gaps = the same over the employees of each group who were paid a
 *                  bonus (bonus > 0), and the percentage of each group paid
 *                  one;
 *  - quartiles  = every row ranked from lowest to highest hourly pay and cut
 *                  into four sections of (so far as possible) equal size:
 *                  with N rows, section j (0 = lower, 3 = upper) holds ranks
 *                  floor(j*N/4) .. floor((j+1)*N/4)-1 (0-based), so when N
 *                  is not a multiple of 4 the upper-middle and upper
 *                  sections are the larger ones.  Ties: the guidance asks
 *                  that employees on the same hourly pay who straddle a
 *                  boundary be spread as evenly as possible across the
 *                  sections concerned.  Within a run of equal pay the rows
 *                  are therefore interleaved in proportion to group size:
 *                  the i-th (0-based) of the n members of a group in the
 *                  run takes the fractional position (i + 0.5) / n, equal
 *                  positions in group order, and the run's ranks are then
 *                  cut at the section boundaries like any others.
 *
 * Pure: no I/O.
 */
#ifndef EQ_DOMAIN_PAY_GAP_H
#define EQ_DOMAIN_PAY_GAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pay_row {
	double hourly;     /* > 0 */
	double bonus;      /* >= 0; 0: no bonus paid */
	unsigned group;    /* caller's group index, < 64 */
};

struct pay_gap {
	size_t n_reference, n_other;
	bool has_gap;                      /* both groups non-empty, reference mean > 0 */
	double mean_gap, median_gap;       /* percent */
	size_t bonus_n_reference, bonus_n_other;   /* paid a bonus */
	double bonus_share_reference, bonus_share_other;  /* percent of the group paid one */
	bool has_bonus_gap;                /* both groups have someone paid a bonus */
	double mean_bonus_gap, median_bonus_gap;    /* percent */
};

/*
 * Compare the rows whose group bit is in reference_mask with those whose
 * group bit is in other_mask (rows in neither are left out).  Returns 0, or
 * -1 when memory runs out or a row is invalid (pay <= 0, bonus < 0, group
 * >= 64, masks overlapping).
 */
__attribute__((warn_unused_result))
int pay_gap_compute(const struct pay_row *rows, size_t n, uint64_t reference_mask,
		    uint64_t other_mask, struct pay_gap *out);

/*
 * Quartile counts: counts[q * ngroups + g] = rows of group g in section q
 * (q 0..3, lower to upper), over all n rows (every group < ngroups).
 * Returns 0 or -1 (memory, or a group out of range).
 */
__attribute__((warn_unused_result))
int pay_gap_quartiles(const struct pay_row *rows, size_t n, size_t ngroups, int64_t *counts);

/* The median of n values (sorted in place); 0 when n is 0. */
double pay_gap_median(double *values, size_t n);

#endif
