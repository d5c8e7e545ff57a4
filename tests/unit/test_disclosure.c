/*
 * Disclosure control: primary thresholds, the single-constraint rule, the
 * exact linear check on 2-D and hierarchical tables, and a randomized audit
 * of the output against the rules themselves.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/disclosure.h"

#if defined(__SANITIZE_ADDRESS__)
#define LARGE_TABLE_BUDGET_MS 8000.0
#else
#define LARGE_TABLE_BUDGET_MS 2000.0
#endif

#define MAX_CELLS 2048
#define MAX_CONSTRAINTS 512
#define MAX_PARTS 16384

/* A table under construction: cells, constraints and their part lists. */
struct table {
	int64_t values[MAX_CELLS];
	bool suppressed[MAX_CELLS];
	size_t ncells;
	struct disclosure_constraint cs[MAX_CONSTRAINTS];
	size_t ncs;
	size_t parts[MAX_PARTS];
	size_t nparts;
};

static struct table *table_new(void)
{
	struct table *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	return t;
}

/* Constraint total == parts[0..n-1]; the part list is copied. */
static void add_constraint(struct table *t, size_t total, const size_t *parts,
			   size_t n)
{
	assert_true(t->ncs < MAX_CONSTRAINTS);
	assert_true(t->nparts + n <= MAX_PARTS);
	memcpy(t->parts + t->nparts, parts, n * sizeof(*parts));
	t->cs[t->ncs].total = total;
	t->cs[t->ncs].parts = t->parts + t->nparts;
	t->cs[t->ncs].nparts = n;
	t->nparts += n;
	t->ncs++;
}

static int apply(struct table *t, int threshold)
{
	return disclosure_apply(t->values, t->ncells, t->cs, t->ncs, threshold,
				t->suppressed);
}

static int determined(const struct table *t, size_t cell)
{
	return disclosure_cell_is_determined(t->values, t->ncells, t->cs,
					     t->ncs, t->suppressed, cell);
}

/* The suppressed set must be exactly the listed cells. */
static void assert_suppressed_exactly(const struct table *t,
				      const size_t *cells, size_t n)
{
	bool want[MAX_CELLS] = { false };
	size_t i;

	for (i = 0; i < n; i++)
		want[cells[i]] = true;
	for (i = 0; i < t->ncells; i++) {
		if (t->suppressed[i] != want[i])
			fail_msg("cell %zu: suppressed=%d, expected %d", i,
				 (int)t->suppressed[i], (int)want[i]);
	}
}

/* Everything the rules promise about an output, checked from scratch. */
static void audit(const struct table *t, int threshold)
{
	size_t c, q, p;

	for (c = 0; c < t->ncells; c++) {
		if (!t->suppressed[c] && t->values[c] > 0 &&
		    t->values[c] < threshold)
			fail_msg("cell %zu published with value %lld", c,
				 (long long)t->values[c]);
	}
	for (q = 0; q < t->ncs; q++) {
		size_t n = t->suppressed[t->cs[q].total] ? 1 : 0;

		for (p = 0; p < t->cs[q].nparts; p++)
			n += t->suppressed[t->cs[q].parts[p]] ? 1 : 0;
		if (n == 1)
			fail_msg("constraint %zu has exactly one suppressed cell", q);
	}
	for (c = 0; c < t->ncells; c++) {
		if (t->suppressed[c] && determined(t, c) != 0)
			fail_msg("suppressed cell %zu is still determined", c);
	}
}

/*
 * A rows x cols table with margins: cell(r, c) for r < rows, c < cols;
 * column cols holds the row totals, row rows the column totals, and
 * (rows, cols) the grand total.  Every row and every column is a constraint.
 */
static size_t grid_cell(size_t cols, size_t r, size_t c)
{
	return r * (cols + 1) + c;
}

static void build_grid(struct table *t, size_t rows, size_t cols,
		       const int64_t *inner)
{
	size_t parts[64];
	size_t r, c;

	memset(t, 0, sizeof(*t));
	t->ncells = (rows + 1) * (cols + 1);
	for (r = 0; r < rows; r++)
		for (c = 0; c < cols; c++)
			t->values[grid_cell(cols, r, c)] = inner[r * cols + c];
	for (r = 0; r < rows; r++)
		for (c = 0; c < cols; c++) {
			int64_t v = inner[r * cols + c];

			t->values[grid_cell(cols, r, cols)] += v;
			t->values[grid_cell(cols, rows, c)] += v;
			t->values[grid_cell(cols, rows, cols)] += v;
		}
	for (r = 0; r <= rows; r++) {
		for (c = 0; c < cols; c++)
			parts[c] = grid_cell(cols, r, c);
		add_constraint(t, grid_cell(cols, r, cols), parts, cols);
	}
	for (c = 0; c <= cols; c++) {
		for (r = 0; r < rows; r++)
			parts[r] = grid_cell(cols, r, c);
		add_constraint(t, grid_cell(cols, rows, c), parts, rows);
	}
}

static void test_primary_threshold(void **state)
{
	struct table *t = table_new();
	size_t c;

	(void)state;
	/* No constraints: only the primary rule applies. */
	t->ncells = 7;
	for (c = 0; c < 7; c++)
		t->values[c] = (int64_t)c;   /* 0 1 2 3 4 5 6 */
	assert_int_equal(apply(t, 5), 0);
	assert_false(t->suppressed[0]);
	for (c = 1; c <= 4; c++)
		assert_true(t->suppressed[c]);
	assert_false(t->suppressed[5]);
	assert_false(t->suppressed[6]);
	free(t);
}

static void test_threshold_one_disables_primary(void **state)
{
	struct table *t = table_new();
	size_t c;

	(void)state;
	t->ncells = 3;
	t->values[0] = 0;
	t->values[1] = 1;
	t->values[2] = 2;
	assert_int_equal(apply(t, 1), 0);
	for (c = 0; c < 3; c++)
		assert_false(t->suppressed[c]);
	assert_int_equal(apply(t, 0), 0);
	for (c = 0; c < 3; c++)
		assert_false(t->suppressed[c]);
	free(t);
}

/* total(0) = a(1) + b(2) + c(3) + d(4) */
static void single_row(struct table *t, int64_t a, int64_t b, int64_t c,
		       int64_t d)
{
	static const size_t parts[] = { 1, 2, 3, 4 };

	memset(t, 0, sizeof(*t));
	t->ncells = 5;
	t->values[1] = a;
	t->values[2] = b;
	t->values[3] = c;
	t->values[4] = d;
	t->values[0] = a + b + c + d;
	add_constraint(t, 0, parts, 4);
}

static void test_row_next_smallest(void **state)
{
	struct table *t = table_new();
	static const size_t want[] = { 1, 3 };

	(void)state;
	single_row(t, 3, 8, 6, 20);
	assert_int_equal(apply(t, 5), 0);
	assert_suppressed_exactly(t, want, 2);
	audit(t, 5);
	free(t);
}

static void test_row_tie_lowest_index(void **state)
{
	struct table *t = table_new();
	static const size_t want[] = { 2, 3 };

	(void)state;
	single_row(t, 9, 6, 2, 6);
	assert_int_equal(apply(t, 5), 0);
	assert_suppressed_exactly(t, want, 2);
	free(t);
}

static void test_row_zero_never_complement(void **state)
{
	struct table *t = table_new();
	static const size_t want[] = { 1, 4 };

	(void)state;
	single_row(t, 4, 0, 0, 30);
	assert_int_equal(apply(t, 5), 0);
	assert_suppressed_exactly(t, want, 2);
	audit(t, 5);
	free(t);
}

/*
 * Two primaries are not recoverable by subtraction, but they add up to 3,
 * so each is 1 or 2: the protection interval takes the next smallest too.
 */
static void test_row_two_primaries_need_a_wider_range(void **state)
{
	struct table *t = table_new();
	static const size_t want[] = { 1, 2, 3 };

	(void)state;
	single_row(t, 1, 2, 7, 30);
	assert_int_equal(apply(t, 5), 0);
	assert_suppressed_exactly(t, want, 3);
	audit(t, 5);
	free(t);
}

/*
 * x(1) is primary; row 0 = x + y gives up y(2); row 3 = y + z has z(4) = 0,
 * so its total is the only cell left to pair with y.
 */
static void test_total_when_no_other_part(void **state)
{
	struct table *t = table_new();
	static const size_t row_a[] = { 1, 2 }, row_b[] = { 2, 4 };
	static const size_t want[] = { 1, 2, 3 };

	(void)state;
	t->ncells = 5;
	t->values[1] = 3;
	t->values[2] = 8;
	t->values[4] = 0;
	t->values[0] = 11;
	t->values[3] = 8;
	add_constraint(t, 0, row_a, 2);
	add_constraint(t, 3, row_b, 2);
	assert_int_equal(apply(t, 5), 0);
	assert_suppressed_exactly(t, want, 3);
	audit(t, 5);
	free(t);
}

/* A total whose parts are all zero: nothing can be paired with it. */
static void test_only_zeros_left_alone(void **state)
{
	struct table *t = table_new();
	static const size_t parts[] = { 1, 2 };
	static const size_t want[] = { 0 };

	(void)state;
	t->ncells = 3;
	t->values[0] = 3;   /* inconsistent on purpose: parts sum to 0 */
	add_constraint(t, 0, parts, 2);
	assert_int_equal(apply(t, 5), 0);
	assert_suppressed_exactly(t, want, 1);
	free(t);
}

/*
 * total(0) = P1(1) + P2(2); P1 = c1(3) + c2(4) + c3(5); P2 = c4(6) + c5(7).
 */
static void hierarchy(struct table *t, int64_t c1, int64_t c2, int64_t c3,
		      int64_t c4, int64_t c5)
{
	static const size_t top[] = { 1, 2 }, p1[] = { 3, 4, 5 },
			    p2[] = { 6, 7 };

	memset(t, 0, sizeof(*t));
	t->ncells = 8;
	t->values[3] = c1;
	t->values[4] = c2;
	t->values[5] = c3;
	t->values[6] = c4;
	t->values[7] = c5;
	t->values[1] = c1 + c2 + c3;
	t->values[2] = c4 + c5;
	t->values[0] = t->values[1] + t->values[2];
	add_constraint(t, 0, top, 2);
	add_constraint(t, 1, p1, 3);
	add_constraint(t, 2, p2, 2);
}

static void test_hierarchy_child(void **state)
{
	struct table *t = table_new();
	static const size_t want[] = { 3, 4 };

	(void)state;
	hierarchy(t, 3, 7, 20, 10, 12);
	assert_int_equal(apply(t, 5), 0);
	assert_suppressed_exactly(t, want, 2);
	audit(t, 5);
	free(t);
}

/*
 * c4 = 2 and P2 = 2 are primary; the top constraint then gives up P1 (the
 * only other top-level part) and P1's own constraint the smallest child.
 */
static void test_hierarchy_cascades_through_parent(void **state)
{
	struct table *t = table_new();
	static const size_t want[] = { 1, 2, 4, 6 };

	(void)state;
	hierarchy(t, 10, 7, 20, 2, 0);
	assert_int_equal(apply(t, 5), 0);
	assert_suppressed_exactly(t, want, 4);
	audit(t, 5);
	free(t);
}

/*
 * 4 wards x 5 categories, ward totals in column 5 and the borough in row 4.
 * The primary cells form two 4-cycles (wards 0-1 x categories 0-1, wards
 * 2-3 x categories 2-3) joined by the single cell (1, 2).  Every row and
 * column then holds 0 or at least 2 suppressed cells, so the simple rule
 * is satisfied, yet (1, 2) is a bridge: adding rows 2 and 3 and subtracting
 * column 3 leaves column 2 with only (1, 2) unknown.
 */
static const int64_t bridge_inner[4 * 5] = {
	/*  C0  C1  C2  C3  C4 */
	     2,  3,  6, 11, 14,   /* W0 */
	     4,  1,  2,  9,  8,   /* W1 */
	    12, 15,  3,  4, 17,   /* W2 */
	    13, 16,  1,  2, 19,   /* W3 */
};

static void test_grid_bridge_needs_exact_check(void **state)
{
	struct table *t = table_new();
	/*
	 * The primaries, the smallest published part next to the bridge
	 * (W0 x C2), then what the protection intervals add: the withheld
	 * cells of W0, W1 and W3 sum to less than twice the threshold, so
	 * each row gives up its next smallest cell and the borough row
	 * (cells 24-29) keeps the columns wide.
	 */
	static const size_t want[] = { 0, 1, 2, 3, 4, 6, 7, 8, 10, 12, 13, 14, 15, 18, 20, 21 };
	size_t c;

	(void)state;
	build_grid(t, 4, 5, bridge_inner);
	/* Primary pattern alone: the bridge is determined, cycles are not. */
	for (c = 0; c < t->ncells; c++)
		t->suppressed[c] = t->values[c] > 0 && t->values[c] < 5;
	assert_int_equal(determined(t, grid_cell(5, 1, 2)), 1);
	assert_int_equal(determined(t, grid_cell(5, 0, 0)), 0);
	assert_int_equal(determined(t, grid_cell(5, 3, 3)), 0);

	assert_int_equal(apply(t, 5), 0);
	assert_true(t->suppressed[grid_cell(5, 0, 2)]);
	assert_suppressed_exactly(t, want, sizeof(want) / sizeof(want[0]));
	audit(t, 5);
	free(t);
}

/*
 * The cycle alone, without the bridge: nothing is determined, but each
 * row's two withheld cells sum to 5 and 5 (each at most 4), so the third
 * column and the last row join in to widen the ranges.
 */
static void test_grid_cycle_is_safe(void **state)
{
	static const int64_t inner[3 * 3] = {
		2, 3, 10,
		4, 1, 12,
		20, 21, 22,
	};
	struct table *t = table_new();
	static const size_t want[] = { 0, 1, 2, 4, 5, 6, 8, 9 };

	(void)state;
	build_grid(t, 3, 3, inner);
	assert_int_equal(apply(t, 5), 0);
	assert_suppressed_exactly(t, want, 8);
	audit(t, 5);
	free(t);
}

/* A tiny deterministic generator, so the property test is reproducible. */
static uint32_t rng_state = 20240401u;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/*
 * An independent oracle for the exact check: cell c is fixed by the system
 * exactly when dropping its column lowers the rank of the constraint matrix
 * restricted to suppressed columns.  Ranks here are computed modulo a large
 * prime with integers, so no floating point is shared with the code under
 * test.
 */
#define PRIME 2147483647LL

static int64_t mod_pow(int64_t b, int64_t e)
{
	int64_t r = 1;

	b %= PRIME;
	if (b < 0)
		b += PRIME;
	while (e > 0) {
		if (e & 1)
			r = r * b % PRIME;
		b = b * b % PRIME;
		e >>= 1;
	}
	return r;
}

static size_t rank_mod_p(const struct table *t, size_t skip)
{
	static int64_t mat[MAX_CONSTRAINTS * 64];
	size_t col_of[MAX_CELLS];
	size_t k = 0, m = t->ncs, rank = 0, i, j, q, p, c;

	for (c = 0; c < t->ncells; c++)
		col_of[c] = t->suppressed[c] && c != skip ? k++ : SIZE_MAX;
	assert_true(k <= 64 && m <= MAX_CONSTRAINTS);
	memset(mat, 0, sizeof(mat));
	for (q = 0; q < m; q++) {
		if (col_of[t->cs[q].total] != SIZE_MAX)
			mat[q * k + col_of[t->cs[q].total]] += 1;
		for (p = 0; p < t->cs[q].nparts; p++)
			if (col_of[t->cs[q].parts[p]] != SIZE_MAX)
				mat[q * k + col_of[t->cs[q].parts[p]]] += PRIME - 1;
	}
	for (j = 0; j < k && rank < m; j++) {
		size_t piv = SIZE_MAX;
		int64_t inv;

		for (i = rank; i < m && piv == SIZE_MAX; i++)
			if (mat[i * k + j] % PRIME != 0)
				piv = i;
		if (piv == SIZE_MAX)
			continue;
		for (c = 0; c < k; c++) {
			int64_t tmp = mat[piv * k + c];

			mat[piv * k + c] = mat[rank * k + c];
			mat[rank * k + c] = tmp;
		}
		inv = mod_pow(mat[rank * k + j], PRIME - 2);
		for (i = rank + 1; i < m; i++) {
			int64_t f = mat[i * k + j] % PRIME * inv % PRIME;

			if (f == 0)
				continue;
			for (c = j; c < k; c++)
				mat[i * k + c] = ((mat[i * k + c] -
						   f * (mat[rank * k + c] % PRIME)) %
						  PRIME + PRIME) % PRIME;
		}
		rank++;
	}
	return rank;
}

static void test_determined_matches_rank_oracle(void **state)
{
	struct table *t = table_new();
	int64_t inner[5 * 5];
	size_t checked = 0, fixed = 0;
	int round;

	(void)state;
	for (round = 0; round < 300; round++) {
		size_t rows = 2 + rng() % 4, cols = 2 + rng() % 4, i, c;

		for (i = 0; i < rows * cols; i++)
			inner[i] = 1 + rng() % 20;
		build_grid(t, rows, cols, inner);
		/* Arbitrary patterns, not outputs, so both answers occur. */
		for (c = 0; c < t->ncells; c++)
			t->suppressed[c] = rng() % 5 < 2;
		for (c = 0; c < t->ncells; c++) {
			size_t full, without;

			if (!t->suppressed[c])
				continue;
			full = rank_mod_p(t, SIZE_MAX);
			without = rank_mod_p(t, c);
			assert_int_equal(determined(t, c), without < full);
			checked++;
			fixed += without < full;
		}
	}
	/* Make sure the sample exercised both outcomes. */
	assert_true(fixed > 50);
	assert_true(checked - fixed > 50);
	free(t);
}

static void test_random_tables_audit(void **state)
{
	struct table *t = table_new();
	int64_t inner[6 * 6];
	int round;

	(void)state;
	for (round = 0; round < 400; round++) {
		size_t rows = 2 + rng() % 5, cols = 2 + rng() % 5, i;
		int threshold = 3 + (int)(rng() % 8);

		for (i = 0; i < rows * cols; i++) {
			/* Mostly small counts, some zeros, some large. */
			switch (rng() % 4) {
			case 0: inner[i] = 0; break;
			case 1: inner[i] = 1 + rng() % 4; break;
			case 2: inner[i] = 1 + rng() % 12; break;
			default: inner[i] = rng() % 60; break;
			}
		}
		build_grid(t, rows, cols, inner);
		assert_int_equal(apply(t, threshold), 0);
		audit(t, threshold);
	}
	free(t);
}

/*
 * Hierarchical categories in random tables too: each ward row has parents
 * that are sums of children, and a ward total over the parents.
 */
static void test_random_hierarchies_audit(void **state)
{
	struct table *t = table_new();
	int round;

	(void)state;
	for (round = 0; round < 150; round++) {
		size_t wards = 2 + rng() % 4, nparents = 2 + rng() % 2;
		size_t nchildren = 2 + rng() % 2;
		size_t width = 1 + nparents * (1 + nchildren);
		size_t w, p, ch, idx[16];

		memset(t, 0, sizeof(*t));
		t->ncells = (wards + 1) * width;
		/* Row layout: total, then for each parent: parent, children. */
		for (w = 0; w < wards; w++) {
			size_t base = w * width;

			for (p = 0; p < nparents; p++) {
				size_t par = base + 1 + p * (1 + nchildren);

				for (ch = 0; ch < nchildren; ch++) {
					int64_t v = rng() % 3 == 0 ? 0 :
						    (int64_t)(rng() % 15);

					t->values[par + 1 + ch] = v;
					t->values[par] += v;
				}
				t->values[base] += t->values[par];
			}
		}
		for (w = 0; w < wards; w++)
			for (p = 0; p < width; p++)
				t->values[wards * width + p] +=
					t->values[w * width + p];
		for (w = 0; w <= wards; w++) {
			size_t base = w * width;

			for (p = 0; p < nparents; p++) {
				size_t par = base + 1 + p * (1 + nchildren);

				idx[p] = par;
				for (ch = 0; ch < nchildren; ch++)
					idx[nparents + ch] = par + 1 + ch;
				add_constraint(t, par, idx + nparents, nchildren);
			}
			add_constraint(t, base, idx, nparents);
		}
		for (p = 0; p < width; p++) {
			for (w = 0; w < wards; w++)
				idx[w] = w * width + p;
			add_constraint(t, wards * width + p, idx, wards);
		}
		assert_int_equal(apply(t, 5), 0);
		audit(t, 5);
	}
	free(t);
}

/*
 * The size the service meets: 40 wards x (5 parents x 5 children), with
 * parent, ward-total and borough constraints: 1,271 cells, 277 constraints.
 */
static void test_large_table_is_fast(void **state)
{
	struct table *t = table_new();
	const size_t wards = 40, nparents = 5, nchildren = 5;
	const size_t width = 1 + nparents * (1 + nchildren);
	size_t w, p, ch, idx[64], c, nsup = 0;
	struct timespec t0, t1;
	double ms;

	(void)state;
	t->ncells = (wards + 1) * width;
	for (w = 0; w < wards; w++) {
		size_t base = w * width;

		for (p = 0; p < nparents; p++) {
			size_t par = base + 1 + p * (1 + nchildren);

			for (ch = 0; ch < nchildren; ch++) {
				int64_t v = (int64_t)(rng() % 40);

				t->values[par + 1 + ch] = v;
				t->values[par] += v;
			}
			t->values[base] += t->values[par];
		}
	}
	for (w = 0; w < wards; w++)
		for (p = 0; p < width; p++)
			t->values[wards * width + p] += t->values[w * width + p];
	for (w = 0; w <= wards; w++) {
		size_t base = w * width;

		for (p = 0; p < nparents; p++) {
			size_t par = base + 1 + p * (1 + nchildren);

			idx[p] = par;
			for (ch = 0; ch < nchildren; ch++)
				idx[nparents + ch] = par + 1 + ch;
			add_constraint(t, par, idx + nparents, nchildren);
		}
		add_constraint(t, base, idx, nparents);
	}
	for (p = 0; p < width; p++) {
		for (w = 0; w < wards; w++)
			idx[w] = w * width + p;
		add_constraint(t, wards * width + p, idx, wards);
	}
	assert_true(t->ncells > 1000);
	assert_true(t->ncs > 250);

	timespec_get(&t0, TIME_UTC);
	assert_int_equal(apply(t, 10), 0);
	timespec_get(&t1, TIME_UTC);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	for (c = 0; c < t->ncells; c++)
		nsup += t->suppressed[c];
	print_message("large table: %zu of %zu cells suppressed in %.1f ms\n",
		      nsup, t->ncells, ms);
	/*
	 * Generous: this also runs without -O.  About 150 ms optimised; under
	 * AddressSanitizer its malloc, which GLPK calls for every simplex
	 * solve of the protection intervals, makes it some 15 times slower.
	 */
	assert_true(ms < LARGE_TABLE_BUDGET_MS);
	audit(t, 10);
	free(t);
}

static void test_invalid_negative_value(void **state)
{
	struct table *t = table_new();
	size_t c;

	(void)state;
	single_row(t, 10, -1, 20, 30);
	assert_int_equal(apply(t, 5), -1);
	for (c = 0; c < t->ncells; c++)
		assert_true(t->suppressed[c]);
	free(t);
}

/* A count no population has (an impossible database row) is refused, not
 * summed into an overflow: the bounds pass adds counts in int64_t. */
static void test_invalid_huge_value(void **state)
{
	struct table *t = table_new();
	size_t c;

	(void)state;
	single_row(t, 10, DISCLOSURE_MAX_VALUE + 1, 3, 30);
	assert_int_equal(apply(t, 5), -1);
	for (c = 0; c < t->ncells; c++)
		assert_true(t->suppressed[c]);
	free(t);
	/* Values up to the largest accepted (the total here) still work, with
	 * a withheld neighbour whose bounds are summed next to them. */
	t = table_new();
	single_row(t, 10, DISCLOSURE_MAX_VALUE - 43, 3, 30);
	assert_true(t->values[0] == DISCLOSURE_MAX_VALUE);
	assert_int_equal(apply(t, 5), 0);
	assert_true(t->suppressed[3]);
	free(t);
}

static void test_invalid_index(void **state)
{
	struct table *t = table_new();
	static const size_t bad_parts[] = { 1, 7 };
	static const size_t good_parts[] = { 1, 2 };
	size_t c;

	(void)state;
	t->ncells = 3;
	t->values[0] = 30;
	t->values[1] = 10;
	t->values[2] = 20;
	add_constraint(t, 0, bad_parts, 2);
	assert_int_equal(apply(t, 5), -1);
	for (c = 0; c < t->ncells; c++)
		assert_true(t->suppressed[c]);
	assert_int_equal(determined(t, 0), -1);

	memset(t->suppressed, 0, sizeof(t->suppressed));
	t->ncs = 0;
	t->nparts = 0;
	add_constraint(t, 3, good_parts, 2);   /* total out of range */
	assert_int_equal(apply(t, 5), -1);
	for (c = 0; c < t->ncells; c++)
		assert_true(t->suppressed[c]);
	free(t);
}

static void test_determined_edges(void **state)
{
	struct table *t = table_new();

	(void)state;
	single_row(t, 3, 8, 6, 20);
	memset(t->suppressed, 0, sizeof(t->suppressed));
	t->suppressed[1] = true;
	assert_int_equal(determined(t, 1), 1);    /* total minus the rest */
	t->suppressed[2] = true;
	assert_int_equal(determined(t, 1), 0);
	assert_int_equal(determined(t, 2), 0);
	assert_int_equal(determined(t, 3), 1);    /* published: known */
	assert_int_equal(determined(t, 5), -1);   /* out of range */
	free(t);
}

static void test_share(void **state)
{
	double share = -1.0;

	(void)state;
	assert_true(disclosure_share(5, false, 20, false, &share));
	assert_true(share == 0.25);
	/* Unrounded: a third stays a third. */
	assert_true(disclosure_share(1, false, 3, false, &share));
	assert_true(share == 1.0 / 3.0);
	assert_true(disclosure_share(0, false, 10, false, &share));
	assert_true(share == 0.0);

	share = -1.0;
	assert_false(disclosure_share(5, true, 20, false, &share));
	assert_false(disclosure_share(5, false, 20, true, &share));
	assert_false(disclosure_share(5, true, 20, true, &share));
	assert_false(disclosure_share(0, false, 0, false, &share));
	assert_false(disclosure_share(-1, false, 10, false, &share));
	assert_true(share == -1.0);   /* untouched when not publishable */
}


/* Two withheld ones under a published parent: the linear system leaves them
 * undetermined (G + R = 2), but withheld counts are at least 1, so both are
 * pinned to 1.  The bounds pass must withhold a further child. */
static void test_bounds_two_ones_share_a_parent(void **state)
{
	/* 0: parent, 1: big child, 2: one, 3: one */
	const int64_t values[] = { 50, 48, 1, 1 };
	const size_t parts[] = { 1, 2, 3 };
	const struct disclosure_constraint c[] = { { 0, parts, 3 } };
	bool sup[4];

	(void)state;
	assert_int_equal(disclosure_apply(values, 4, c, 1, 5, sup), 0);
	assert_true(sup[2]);
	assert_true(sup[3]);
	assert_true(sup[1]);  /* the complement that stops the pinning */
	assert_false(sup[0]);
}

/* Bounds through a chain: the pinned value of one cell fixes another. */
static void test_bounds_chain_across_constraints(void **state)
{
	/* ward rows (w0, w1) x categories (a, b) with totals:
	 *   cells: 0 w0a, 1 w0b, 2 w0tot, 3 w1a, 4 w1b, 5 w1tot,
	 *          6 Ba, 7 Bb, 8 Btot (borough = w0 + w1) */
	const int64_t values[] = { 1, 30, 31, 1, 40, 41, 2, 70, 72 };
	const size_t r0[] = { 0, 1 }, r1[] = { 3, 4 }, rb[] = { 6, 7 };
	const size_t ca[] = { 0, 3 }, cb[] = { 1, 4 }, ct[] = { 2, 5 };
	const struct disclosure_constraint c[] = {
		{ 2, r0, 2 }, { 5, r1, 2 }, { 8, rb, 2 },
		{ 6, ca, 2 }, { 7, cb, 2 }, { 8, ct, 2 },
	};
	bool sup[9];
	bool pinned_free = true;

	(void)state;
	assert_int_equal(disclosure_apply(values, 9, c, 6, 5, sup), 0);
	assert_true(sup[0]);
	assert_true(sup[3]);
	/* Whatever was chosen, no withheld cell may be determined. */
	for (size_t i = 0; i < 9; i++)
		if (sup[i] && disclosure_cell_is_determined(values, 9, c, 6, sup, i) != 0)
			pinned_free = false;
	assert_true(pinned_free);
	/* Borough a (2) is primary; w0a + w1a = 2 with each >= 1 pins both,
	 * so something beyond the three primaries must be withheld. */
	assert_true(sup[1] || sup[4] || sup[7] || sup[2] || sup[5] || sup[8]);
}

/* A cell forced from outside (another table withholds it) is withheld like a
 * primary one, and gets its complement: total 100 = 40 + 35 + 25 with the
 * 35 forced; the smallest other part (25) goes too, and nothing is
 * recoverable. */
static void test_forced_cell_gets_a_complement(void **state)
{
	const int64_t v[4] = { 100, 40, 35, 25 };
	const size_t parts[3] = { 1, 2, 3 };
	const struct disclosure_constraint c[1] = { { 0, parts, 3 } };
	const bool forced[4] = { false, false, true, false };
	bool supp[4];

	(void)state;
	assert_int_equal(disclosure_apply_forced(v, 4, c, 1, 5, forced, supp), 0);
	assert_false(supp[0]);
	assert_false(supp[1]);
	assert_true(supp[2]);
	assert_true(supp[3]);
	assert_int_equal(disclosure_apply_forced(v, 4, c, 1, 5, NULL, supp), 0);
	assert_false(supp[2]);
}

/*
 * Found by tests/fuzz: forced cells holding 0 contradict the bound reasoning
 * ("a withheld count is at least 1"), the bounds crossed and grew each round
 * until int64_t overflowed (undefined behaviour, caught by the UBSan pass).
 * Wards x (total, group, child, child, group, child) with a borough row.
 */
static void test_forced_zeros_keep_bounds_finite(void **state)
{
	const int64_t v[18] = {
		5932, 0, 5932, 15, 0, 5917,
		19, 15, 4, 0, 0, 4,
		5951, 15, 5936, 15, 0, 5921,
	};
	const bool forced[18] = {
		false, true, false, false, true, false,
		false, true, true, true, true, true,
		true, true, true, true, true, true,
	};
	static const size_t rows[3][2] = { { 1, 2 }, { 7, 8 }, { 13, 14 } };
	static const size_t kids[3][3] = { { 3, 4, 5 }, { 9, 10, 11 }, { 15, 16, 17 } };
	static const size_t cols[6][2] = { { 0, 6 }, { 1, 7 }, { 2, 8 }, { 3, 9 }, { 4, 10 }, { 5, 11 } };
	struct disclosure_constraint c[12];
	bool supp[18];
	size_t n = 0;

	(void)state;
	for (size_t r = 0; r < 3; r++) {
		c[n++] = (struct disclosure_constraint){ 6 * r, rows[r], 2 };
		c[n++] = (struct disclosure_constraint){ 6 * r + 2, kids[r], 3 };
	}
	for (size_t k = 0; k < 6; k++)
		c[n++] = (struct disclosure_constraint){ 12 + k, cols[k], 2 };
	assert_int_equal(disclosure_apply_forced(v, 18, c, n, 5, forced, supp), 0);
	for (size_t i = 0; i < 18; i++) {
		if (forced[i])
			assert_true(supp[i]);
		if (supp[i] && v[i] > 0)
			assert_int_equal(disclosure_cell_is_determined(v, 18, c, n, supp, i), 0);
	}
}

/*
 * Found by tests/fuzz: a determined cell no complement can help (a forced
 * zero total over zeros) ended the loop before the bounds were looked at,
 * so two withheld 1s elsewhere whose published total leaves exactly 2 stayed
 * pinned.  Cells 0 = 1 + 2 (all zero, 0 forced); 3 = 4 + 5 + 6 with 4 and 5
 * under the threshold: 6 must go too.
 */
static void test_stuck_zero_does_not_stop_the_bounds(void **state)
{
	const int64_t v[7] = { 0, 0, 0, 4, 1, 1, 2 };
	const bool forced[7] = { true, false, false, false, false, false, false };
	static const size_t a[2] = { 1, 2 }, b[3] = { 4, 5, 6 };
	const struct disclosure_constraint c[2] = { { 0, a, 2 }, { 3, b, 3 } };
	bool supp[7];

	(void)state;
	assert_int_equal(disclosure_apply_forced(v, 7, c, 2, 2, forced, supp), 0);
	assert_true(supp[0]);
	assert_true(supp[4] && supp[5]);
	assert_true(supp[6]);
	/* 4 = 1 + 1 + 2 leaves each in [1, 2]: the total goes too. */
	assert_true(supp[3]);
	/* Without the stuck cell the same protection comes from the bounds. */
	assert_int_equal(disclosure_apply_forced(v, 7, c, 2, 2, NULL, supp), 0);
	assert_true(supp[6]);
}

/*
 * Classes steer the complement.  Months m1..m6 (class 0), a quarter
 * Q = m1+m2+m3 and Q' = m4+m5+m6 (class 1), a rolling sum R = m2+m3+m4
 * (class 2).  m1 = 2 is withheld, m2 then m3 by subtraction; Q and R
 * together pin m1 down.  Its neighbours hold no published month, so
 * without classes the quarter goes; with them a month linked through the
 * withheld ones (m4, in R) does, and the quarter stays published.
 */
static void test_classes_spare_the_coarser_cells(void **state)
{
	enum { M1, M2, M3, M4, M5, M6, Q, Q2, R, N };
	const int64_t v[N] = { 2, 10, 12, 20, 30, 40, 24, 90, 42 };
	const unsigned klass[N] = { 0, 0, 0, 0, 0, 0, 1, 1, 2 };
	const size_t q[] = { M1, M2, M3 }, q2[] = { M4, M5, M6 }, r[] = { M2, M3, M4 };
	const struct disclosure_constraint cs[] = { { Q, q, 3 }, { Q2, q2, 3 }, { R, r, 3 } };
	bool plain[N], classed[N];

	(void)state;
	assert_int_equal(disclosure_apply(v, N, cs, 3, 5, plain), 0);
	const struct disclosure_marks marks = { NULL, klass, NULL };

	assert_int_equal(disclosure_apply_marked(v, N, cs, 3, 5, &marks, classed), 0);
	assert_true(plain[Q]);
	assert_false(classed[Q]);
	assert_true(classed[M1] && classed[M2] && classed[M3] && classed[M4]);
	assert_false(classed[R]);
	for (size_t c = 0; c < N; c++)
		if (classed[c])
			assert_int_equal(disclosure_cell_is_determined(v, N, cs, 3, classed, c), 0);
	/* One class for every cell: exactly the unclassed choice. */
	{
		const unsigned one[N] = { 0 };

		const struct disclosure_marks same = { NULL, one, NULL };

		assert_int_equal(disclosure_apply_marked(v, N, cs, 3, 5, &same, classed), 0);
		assert_memory_equal(plain, classed, sizeof(plain));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_primary_threshold),
		cmocka_unit_test(test_threshold_one_disables_primary),
		cmocka_unit_test(test_row_next_smallest),
		cmocka_unit_test(test_row_tie_lowest_index),
		cmocka_unit_test(test_row_zero_never_complement),
		cmocka_unit_test(test_row_two_primaries_need_a_wider_range),
		cmocka_unit_test(test_total_when_no_other_part),
		cmocka_unit_test(test_only_zeros_left_alone),
		cmocka_unit_test(test_hierarchy_child),
		cmocka_unit_test(test_hierarchy_cascades_through_parent),
		cmocka_unit_test(test_grid_bridge_needs_exact_check),
		cmocka_unit_test(test_grid_cycle_is_safe),
		cmocka_unit_test(test_determined_matches_rank_oracle),
		cmocka_unit_test(test_random_tables_audit),
		cmocka_unit_test(test_random_hierarchies_audit),
		cmocka_unit_test(test_large_table_is_fast),
		cmocka_unit_test(test_invalid_negative_value),
		cmocka_unit_test(test_invalid_huge_value),
		cmocka_unit_test(test_invalid_index),
		cmocka_unit_test(test_determined_edges),
		cmocka_unit_test(test_share),
		cmocka_unit_test(test_bounds_two_ones_share_a_parent),
		cmocka_unit_test(test_bounds_chain_across_constraints),
		cmocka_unit_test(test_forced_cell_gets_a_complement),
		cmocka_unit_test(test_forced_zeros_keep_bounds_finite),
		cmocka_unit_test(test_stuck_zero_does_not_stop_the_bounds),
		cmocka_unit_test(test_classes_spare_the_coarser_cells),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
