/*
 * Protection intervals: exact LP ranges on fixtures, the pass/fail rule,
 * disclosure_apply widening narrow ranges (the Sikh two-cell attack), and a
 * property test over random small two-way tables that compares every LP
 * range with brute-force enumeration of the integer solutions.  Two-way
 * tables with margins have a totally unimodular matrix, so the LP range
 * equals the integer range there exactly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "domain/disclosure.h"
#include "domain/protection.h"

/* Row a = x + y + ...: cell 0 the total. */
static void test_two_cells_summing_to_three(void **state)
{
	/* Borough 1908 = 1905 published wards + two withheld wards (1, 2). */
	int64_t v[4] = { 1908, 1905, 1, 2 };
	size_t parts[3] = { 1, 2, 3 };
	struct disclosure_constraint c = { 0, parts, 3 };
	bool sup[4] = { false, false, true, true };
	int64_t lo[4], hi[4];

	(void)state;
	assert_int_equal(protection_ranges(v, 4, &c, 1, sup, lo, hi), 0);
	assert_int_equal(lo[2], 1);
	assert_int_equal(hi[2], 2);
	assert_int_equal(lo[3], 1);
	assert_int_equal(hi[3], 2);
	assert_int_equal(lo[1], 1905);
	assert_int_equal(hi[1], 1905);
	assert_false(protection_range_ok(lo[2], hi[2], 5));
}

static void test_unbounded_cell(void **state)
{
	/* A withheld total with nothing above it can be anything >= 1. */
	int64_t v[3] = { 3, 1, 2 };
	size_t parts[2] = { 1, 2 };
	struct disclosure_constraint c = { 0, parts, 2 };
	bool sup[3] = { true, true, true };
	int64_t lo[3], hi[3];

	(void)state;
	assert_int_equal(protection_ranges(v, 3, &c, 1, sup, lo, hi), 0);
	assert_int_equal(lo[0], 2);
	assert_true(hi[0] == PROTECTION_UNBOUNDED);
	assert_true(hi[1] == PROTECTION_UNBOUNDED);
	assert_true(protection_range_ok(lo[1], hi[1], 10));
}

static void test_range_rule(void **state)
{
	(void)state;
	assert_true(protection_range_ok(1, 6, 5));
	assert_false(protection_range_ok(1, 5, 5));     /* 4 wide */
	assert_false(protection_range_ok(0, 4, 5));     /* upper end small */
	assert_true(protection_range_ok(100, 105, 5));
	assert_false(protection_range_ok(7, 7, 5));     /* exact */
}

static void test_bad_input(void **state)
{
	int64_t v[2] = { 1, -1 };
	size_t parts[1] = { 7 };
	struct disclosure_constraint c = { 0, parts, 1 };
	bool sup[2] = { true, false };
	int64_t lo[2], hi[2];

	(void)state;
	assert_int_equal(protection_ranges(v, 2, NULL, 0, sup, lo, hi), -1);
	v[1] = 1;
	assert_int_equal(protection_ranges(v, 2, &c, 1, sup, lo, hi), -1);
}

/* disclosure_apply widens the two small wards until neither is shown small. */
static void test_apply_widens_two_small_cells(void **state)
{
	int64_t v[6] = { 1928, 1890, 1, 2, 15, 20 };
	size_t parts[5] = { 1, 2, 3, 4, 5 };
	struct disclosure_constraint c = { 0, parts, 5 };
	bool sup[6];
	int64_t lo[6], hi[6];

	(void)state;
	assert_int_equal(disclosure_apply(v, 6, &c, 1, 5, sup), 0);
	assert_true(sup[2] && sup[3]);
	assert_true(sup[4]);     /* the smallest published part joins them */
	assert_false(sup[5] || sup[1] || sup[0]);
	assert_int_equal(protection_ranges(v, 6, &c, 1, sup, lo, hi), 0);
	for (size_t i = 2; i <= 4; i++)
		assert_true(protection_range_ok(lo[i], hi[i], 5));
}

/* --- property test: random R x C tables with margins and grand total --- */

#define R 3
#define C 3
#define W (C + 1)
#define NCELL ((R + 1) * W)

struct grid {
	int64_t v[NCELL];
	bool sup[NCELL];
	size_t parts[R + C + 2][R + C];
	struct disclosure_constraint cs[R + C + 2];
	size_t ncs;
};

/* Interior (r, c) at r * W + c; row total at r * W + C; column total at
 * R * W + c; grand total at R * W + C. */
static void grid_build(struct grid *g, unsigned *seed)
{
	memset(g, 0, sizeof(*g));
	for (size_t r = 0; r < R; r++)
		for (size_t c = 0; c < C; c++) {
			g->v[r * W + c] = (int64_t)((unsigned)rand_r(seed) % 7);
		}
	for (size_t r = 0; r <= R; r++) {
		struct disclosure_constraint *k = &g->cs[g->ncs];

		for (size_t c = 0; c < C; c++)
			g->parts[g->ncs][c] = r * W + c;
		*k = (struct disclosure_constraint){ r * W + C, g->parts[g->ncs], C };
		g->ncs++;
	}
	for (size_t c = 0; c <= C; c++) {
		struct disclosure_constraint *k = &g->cs[g->ncs];

		for (size_t r = 0; r < R; r++)
			g->parts[g->ncs][r] = r * W + c;
		*k = (struct disclosure_constraint){ R * W + c, g->parts[g->ncs], R };
		g->ncs++;
	}
	for (size_t r = 0; r < R; r++) {
		int64_t s = 0;

		for (size_t c = 0; c < C; c++)
			s += g->v[r * W + c];
		g->v[r * W + C] = s;
	}
	for (size_t c = 0; c <= C; c++) {
		int64_t s = 0;

		for (size_t r = 0; r < R; r++)
			s += g->v[r * W + c];
		g->v[R * W + c] = s;
	}
}

/* Depth-first over the withheld interior cells in order; margins follow. */
struct enumeration {
	const struct grid *g;
	int64_t x[NCELL];
	int64_t lo[NCELL], hi[NCELL];
	int64_t cap;
	bool any;
};

static bool margin_ok(const struct enumeration *e, size_t total, int64_t sum)
{
	if (!e->g->sup[total])
		return sum == e->g->v[total];
	return e->g->v[total] > 0 ? sum >= 1 : sum >= 0;
}

static bool complete_ok(struct enumeration *e)
{
	int64_t grand = 0;

	for (size_t r = 0; r < R; r++) {
		int64_t s = 0;

		for (size_t c = 0; c < C; c++)
			s += e->x[r * W + c];
		if (!margin_ok(e, r * W + C, s))
			return false;
		e->x[r * W + C] = s;
		grand += s;
	}
	for (size_t c = 0; c < C; c++) {
		int64_t s = 0;

		for (size_t r = 0; r < R; r++)
			s += e->x[r * W + c];
		if (!margin_ok(e, R * W + c, s))
			return false;
		e->x[R * W + c] = s;
	}
	e->x[R * W + C] = grand;
	return margin_ok(e, R * W + C, grand);
}

/* An interior cell is at most each published margin it is part of. */
static int64_t cell_cap(const struct enumeration *e, size_t cell)
{
	size_t row_total = (cell / W) * W + C, col_total = R * W + cell % W;
	int64_t cap = e->cap;

	if (!e->g->sup[row_total] && e->g->v[row_total] < cap)
		cap = e->g->v[row_total];
	if (!e->g->sup[col_total] && e->g->v[col_total] < cap)
		cap = e->g->v[col_total];
	return cap;
}

static int64_t row_sum_so_far(const struct enumeration *e, size_t cell)
{
	int64_t s = 0;

	for (size_t i = (cell / W) * W; i <= cell; i++)
		s += e->x[i];
	return s;
}

static int64_t sum_so_far(const struct enumeration *e, size_t cell)
{
	int64_t s = 0;

	for (size_t i = 0; i <= cell; i++)
		if (i % W != C)
			s += e->x[i];
	return s;
}

static int64_t row_cap(const struct enumeration *e, size_t cell)
{
	size_t row_total = (cell / W) * W + C;

	return e->g->sup[row_total] ? e->cap : e->g->v[row_total];
}

static void enumerate(struct enumeration *e, size_t cell)
{
	const struct grid *g = e->g;

	if (cell == R * W) {
		if (!complete_ok(e))
			return;
		e->any = true;
		for (size_t i = 0; i < NCELL; i++) {
			if (e->x[i] < e->lo[i])
				e->lo[i] = e->x[i];
			if (e->x[i] > e->hi[i])
				e->hi[i] = e->x[i];
		}
		return;
	}
	if (cell % W == C) {
		/* A row is complete: prune on its published total. */
		int64_t s = 0;
		size_t r = cell / W;

		for (size_t c = 0; c < C; c++)
			s += e->x[r * W + c];
		if (!g->sup[cell] && s != g->v[cell])
			return;
		enumerate(e, cell + 1);
		return;
	}
	if (!g->sup[cell]) {
		e->x[cell] = g->v[cell];
		enumerate(e, cell + 1);
		return;
	}
	for (int64_t x = g->v[cell] > 0 ? 1 : 0; x <= cell_cap(e, cell); x++) {
		e->x[cell] = x;
		if (row_sum_so_far(e, cell) > row_cap(e, cell) || sum_so_far(e, cell) > e->cap)
			break;
		enumerate(e, cell + 1);
	}
}

static size_t interior_withheld(const struct grid *g)
{
	size_t n = 0;

	for (size_t r = 0; r < R; r++)
		for (size_t c = 0; c < C; c++)
			n += g->sup[r * W + c];
	return n;
}

static void test_ranges_match_enumeration(void **state)
{
	unsigned seed = 20261203;
	int checked = 0;

	(void)state;
	for (int round = 0; round < 300; round++) {
		struct grid g;
		struct enumeration e = { 0 };
		int64_t lo[NCELL], hi[NCELL];

		grid_build(&g, &seed);
		/* Withhold a random pattern: each interior cell and margin with
		 * probability about one third. */
		for (size_t i = 0; i < NCELL; i++)
			g.sup[i] = rand_r(&seed) % 3 == 0;
		g.sup[R * W + C] = false;
		if (interior_withheld(&g) > 5)
			continue;
		assert_int_equal(protection_ranges(g.v, NCELL, g.cs, g.ncs, g.sup, lo, hi), 0);
		e.g = &g;
		/* The grand total is published: it bounds every cell. */
		e.cap = g.v[R * W + C];
		for (size_t i = 0; i < NCELL; i++) {
			e.lo[i] = INT64_MAX;
			e.hi[i] = INT64_MIN;
		}
		enumerate(&e, 0);
		assert_true(e.any);   /* the true values are a solution */
		for (size_t i = 0; i < NCELL; i++) {
			if (!g.sup[i]) {
				assert_int_equal(lo[i], g.v[i]);
				continue;
			}
			assert_int_equal(hi[i], e.hi[i]);
			assert_int_equal(lo[i], e.lo[i]);
			checked++;
		}
	}
	assert_true(checked > 300);
}

/* After disclosure_apply, every withheld cell of a random table passes. */
static void test_apply_leaves_no_narrow_range(void **state)
{
	unsigned seed = 7;

	(void)state;
	for (int round = 0; round < 200; round++) {
		struct grid g;
		int64_t lo[NCELL], hi[NCELL];

		grid_build(&g, &seed);
		assert_int_equal(disclosure_apply(g.v, NCELL, g.cs, g.ncs, 4, g.sup), 0);
		assert_int_equal(protection_ranges(g.v, NCELL, g.cs, g.ncs, g.sup, lo, hi), 0);
		for (size_t i = 0; i < NCELL; i++) {
			if (g.v[i] > 0 && g.v[i] < 4)
				assert_true(g.sup[i]);
			if (!g.sup[i])
				continue;
			/* Only a table with nothing left to withhold may keep a
			 * narrow range: then the grand total is withheld too. */
			if (!protection_range_ok(lo[i], hi[i], 4))
				assert_true(g.sup[R * W + C]);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_cells_summing_to_three),
		cmocka_unit_test(test_unbounded_cell),
		cmocka_unit_test(test_range_rule),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_apply_widens_two_small_cells),
		cmocka_unit_test(test_ranges_match_enumeration),
		cmocka_unit_test(test_apply_leaves_no_narrow_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
