/*
 * pay_gap.c - gender-pay-gap-regulation arithmetic for any two groups (see
 * pay_gap.h for the rules, ties at quartile boundaries included).
 */
#include "domain/pay_gap.h"

#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double pay_gap_median(double *values, size_t n)
{
	if (n == 0)
		return 0.0;
	qsort(values, n, sizeof(*values), cmp_double);
	if (n % 2)
		return values[n / 2];
	return (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

static double mean_of(const double *v, size_t n)
{
	double s = 0.0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	return n ? s / (double)n : 0.0;
}

static double gap(double reference, double other)
{
	return (reference - other) / reference * 100.0;
}

int pay_gap_compute(const struct pay_row *rows, size_t n, uint64_t reference_mask,
		    uint64_t other_mask, struct pay_gap *out)
{
	double *ref = NULL, *oth = NULL, *bref = NULL, *both = NULL;
	size_t nr = 0, no = 0, nbr = 0, nbo = 0;
	int rc = -1;

	*out = (struct pay_gap){ 0 };
	if (reference_mask & other_mask)
		return -1;
	ref = malloc((n + 1) * sizeof(*ref));
	oth = malloc((n + 1) * sizeof(*oth));
	bref = malloc((n + 1) * sizeof(*bref));
	both = malloc((n + 1) * sizeof(*both));
	if (!ref || !oth || !bref || !both)
		goto done;
	for (size_t i = 0; i < n; i++) {
		uint64_t bit;

		if (rows[i].group >= 64 || !(rows[i].hourly > 0) || !(rows[i].bonus >= 0))
			goto done;
		bit = UINT64_C(1) << rows[i].group;
		if (bit & reference_mask) {
			ref[nr++] = rows[i].hourly;
			if (rows[i].bonus > 0)
				bref[nbr++] = rows[i].bonus;
		} else if (bit & other_mask) {
			oth[no++] = rows[i].hourly;
			if (rows[i].bonus > 0)
				both[nbo++] = rows[i].bonus;
		}
	}
	out->n_reference = nr;
	out->n_other = no;
	out->bonus_n_reference = nbr;
	out->bonus_n_other = nbo;
	out->bonus_share_reference = nr ? (double)nbr / (double)nr * 100.0 : 0.0;
	out->bonus_share_other = no ? (double)nbo / (double)no * 100.0 : 0.0;
	if (nr && no) {
		double mr = mean_of(ref, nr);

		if (mr > 0) {
			out->has_gap = true;
			out->mean_gap = gap(mr, mean_of(oth, no));
			out->median_gap = gap(pay_gap_median(ref, nr), pay_gap_median(oth, no));
		}
	}
	if (nbr && nbo) {
		out->has_bonus_gap = true;
		out->mean_bonus_gap = gap(mean_of(bref, nbr), mean_of(both, nbo));
		out->median_bonus_gap = gap(pay_gap_median(bref, nbr), pay_gap_median(both, nbo));
	}
	rc = 0;
done:
	free(ref);
	free(oth);
	free(bref);
	free(both);
	return rc;
}

/* A row's place in the ranking: pay first, then (within a run of equal
 * pay) its interleaving position. */
struct ranked {
	double hourly;
	double position;   /* (i + 0.5) / n within its group in the run */
	unsigned group;
	size_t index;      /* original order, for a stable sort */
};

static int cmp_pay(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->hourly != y->hourly)
		return x->hourly < y->hourly ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

static int cmp_position(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->position != y->position)
		return x->position < y->position ? -1 : 1;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

int pay_gap_quartiles(const struct pay_row *rows, size_t n, size_t ngroups, int64_t *counts)
{
	struct ranked *r;
	size_t *seen = NULL, *total = NULL;

	for (size_t i = 0; i < 4 * ngroups; i++)
		counts[i] = 0;
	if (n == 0)
		return 0;
	r = malloc(n * sizeof(*r));
	seen = calloc(ngroups + 1, sizeof(*seen));
	total = calloc(ngroups + 1, sizeof(*total));
	if (!r || !seen || !total) {
		free(r);
		free(seen);
		free(total);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (rows[i].group >= ngroups) {
			free(r);
			free(seen);
			free(total);
			return -1;
		}
		r[i] = (struct ranked){ rows[i].hourly, 0.0, rows[i].group, i };
	}
	qsort(r, n, sizeof(*r), cmp_pay);
	/* Interleave each run of equal pay in proportion to group size. */
	for (size_t s = 0; s < n;) {
		size_t e = s;

		while (e < n && r[e].hourly == r[s].hourly)
			e++;
		if (e - s > 1) {
			for (size_t g = 0; g < ngroups; g++)
				seen[g] = total[g] = 0;
			for (size_t k = s; k < e; k++)
				total[r[k].group]++;
			for (size_t k = s; k < e; k++) {
				unsigned g = r[k].group;

				r[k].position = ((double)seen[g] + 0.5) / (double)total[g];
				seen[g]++;
			}
			qsort(r + s, e - s, sizeof(*r), cmp_position);
		}
		s = e;
	}
	for (size_t q = 0; q < 4; q++) {
		size_t from = q * n / 4, to = (q + 1) * n / 4;

		for (size_t k = from; k < to; k++)
			counts[q * ngroups + r[k].group]++;
	}
	free(r);
	free(seen);
	free(total);
	return 0;
}
