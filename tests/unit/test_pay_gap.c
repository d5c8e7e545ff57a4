/*
 * Pay gaps as the Gender Pay Gap Regulations 2017 define them, on a small
 * fixture computed by hand (below), ties at quartile boundaries included.
 *
 * Fixture (group 0 = male, the reference; 1 = female; 2 = prefer not to say):
 *   male   hourly 10, 12, 15, 15, 20   bonus 0, 100, 0, 300, 500
 *   female hourly  9, 12, 15, 15, 15   bonus 0,  50, 0, 200,   0
 *
 *   mean:   male 72/5 = 14.4, female 66/5 = 13.2
 *           gap (14.4 - 13.2) / 14.4 = 8.3333...%
 *   median: male 15, female 15 -> 0%
 *   bonus:  male paid 100, 300, 500 (3 of 5 = 60%), mean = median = 300;
 *           female paid 50, 200 (2 of 5 = 40%), mean = median = 125;
 *           gaps (300 - 125) / 300 = 58.3333...%
 *   quartiles (N = 10: sections of ranks 0-1, 2-4, 5-6, 7-9):
 *     ranked 9F 10M | 12M 12F (tie: one each, male first in group order)
 *     15s (ranks 4-8): male positions 0.25, 0.75; female 1/6, 0.5, 5/6
 *       -> F M F M F; then 20M
 *     lower        F M          -> male 1, female 1
 *     lower middle M F F        -> male 1, female 2
 *     upper middle M F          -> male 1, female 1
 *     upper        M F M        -> male 2, female 1
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "domain/pay_gap.h"

#define M 0u
#define F 1u
#define P 2u

static const struct pay_row fixture[] = {
	{ 10.0, 0.0, M }, { 12.0, 100.0, M }, { 15.0, 0.0, M }, { 15.0, 300.0, M }, { 20.0, 500.0, M },
	{ 9.0, 0.0, F }, { 12.0, 50.0, F }, { 15.0, 0.0, F }, { 15.0, 200.0, F }, { 15.0, 0.0, F },
};
#define NFIX (sizeof(fixture) / sizeof(fixture[0]))

static void assert_close(double got, double want)
{
	if (fabs(got - want) > 1e-9)
		fail_msg("got %.12f, want %.12f", got, want);
}

/* Published to one decimal place, as the regulations require. */
static double one_place(double v)
{
	return round(v * 10.0) / 10.0;
}

static void test_hourly_gaps(void **state)
{
	struct pay_gap g;

	(void)state;
	assert_int_equal(pay_gap_compute(fixture, NFIX, 1u << M, 1u << F, &g), 0);
	assert_int_equal(g.n_reference, 5);
	assert_int_equal(g.n_other, 5);
	assert_true(g.has_gap);
	assert_close(g.mean_gap, 1.2 / 14.4 * 100.0);
	assert_close(one_place(g.mean_gap), 8.3);
	assert_close(g.median_gap, 0.0);
}

static void test_bonus_gaps(void **state)
{
	struct pay_gap g;

	(void)state;
	assert_int_equal(pay_gap_compute(fixture, NFIX, 1u << M, 1u << F, &g), 0);
	assert_int_equal(g.bonus_n_reference, 3);
	assert_int_equal(g.bonus_n_other, 2);
	assert_close(g.bonus_share_reference, 60.0);
	assert_close(g.bonus_share_other, 40.0);
	assert_true(g.has_bonus_gap);
	assert_close(g.mean_bonus_gap, 175.0 / 300.0 * 100.0);
	assert_close(one_place(g.mean_bonus_gap), 58.3);
	assert_close(g.median_bonus_gap, 175.0 / 300.0 * 100.0);
}

static void test_quartiles_with_ties_at_boundaries(void **state)
{
	int64_t c[4 * 2];
	const int64_t want[4 * 2] = { 1, 1, 1, 2, 1, 1, 2, 1 };

	(void)state;
	assert_int_equal(pay_gap_quartiles(fixture, NFIX, 2, c), 0);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(c[i], want[i]);
}

/* Everyone on the same pay: each group spread evenly over the sections. */
static void test_quartiles_all_tied(void **state)
{
	const struct pay_row rows[] = {
		{ 11.0, 0, F }, { 11.0, 0, M }, { 11.0, 0, F }, { 11.0, 0, M },
		{ 11.0, 0, M }, { 11.0, 0, M }, { 11.0, 0, M }, { 11.0, 0, M },
	};
	int64_t c[4 * 2];

	(void)state;
	/* M positions 1/12, 3/12, 5/12, 7/12, 9/12, 11/12; F 1/4, 3/4:
	 * M M F M | M M F M -> sections (2 each): MM, FM, MM, FM */
	assert_int_equal(pay_gap_quartiles(rows, 8, 2, c), 0);
	assert_int_equal(c[0 * 2 + M], 2);
	assert_int_equal(c[0 * 2 + F], 0);
	assert_int_equal(c[1 * 2 + M], 1);
	assert_int_equal(c[1 * 2 + F], 1);
	assert_int_equal(c[2 * 2 + M], 2);
	assert_int_equal(c[3 * 2 + F], 1);
}

/* N not a multiple of four: sections floor(jN/4)..; 7 rows -> 1, 2, 2, 2. */
static void test_quartile_sizes(void **state)
{
	const struct pay_row rows[] = {
		{ 1, 0, M }, { 2, 0, F }, { 3, 0, M }, { 4, 0, F }, { 5, 0, M }, { 6, 0, F }, { 7, 0, M },
	};
	int64_t c[4 * 2];

	(void)state;
	assert_int_equal(pay_gap_quartiles(rows, 7, 2, c), 0);
	assert_int_equal(c[0] + c[1], 1);
	assert_int_equal(c[2] + c[3], 2);
	assert_int_equal(c[4] + c[5], 2);
	assert_int_equal(c[6] + c[7], 2);
	assert_int_equal(c[0 * 2 + M], 1);   /* rank 0: 1M */
	assert_int_equal(c[1 * 2 + F], 1);   /* ranks 1-2: 2F 3M */
}

/* Rows of neither group are left out of the gaps but ranked in quartiles;
 * an even-sized group's median is the mean of its two middle values. */
static void test_excluded_rows_and_even_median(void **state)
{
	const struct pay_row rows[] = {
		{ 10, 0, M }, { 20, 0, M }, { 8, 0, F }, { 12, 0, F }, { 30, 0, P },
	};
	struct pay_gap g;
	int64_t c[4 * 3];

	(void)state;
	assert_int_equal(pay_gap_compute(rows, 5, 1u << M, 1u << F, &g), 0);
	assert_int_equal(g.n_reference, 2);
	assert_int_equal(g.n_other, 2);
	assert_close(g.mean_gap, (15.0 - 10.0) / 15.0 * 100.0);
	assert_close(g.median_gap, (15.0 - 10.0) / 15.0 * 100.0);
	assert_false(g.has_bonus_gap);
	assert_int_equal(pay_gap_quartiles(rows, 5, 3, c), 0);
	assert_int_equal(c[3 * 3 + P], 1);   /* 30 is the top rank */
}

static void test_empty_group_and_bad_rows(void **state)
{
	const struct pay_row bad[] = { { 0.0, 0, M } };
	struct pay_gap g;

	(void)state;
	assert_int_equal(pay_gap_compute(fixture, 5, 1u << M, 1u << F, &g), 0);
	assert_false(g.has_gap);
	assert_int_equal(pay_gap_compute(bad, 1, 1u << M, 1u << F, &g), -1);
	assert_int_equal(pay_gap_compute(fixture, NFIX, 1u << M, 1u << M, &g), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hourly_gaps),
		cmocka_unit_test(test_bonus_gaps),
		cmocka_unit_test(test_quartiles_with_ties_at_boundaries),
		cmocka_unit_test(test_quartiles_all_tied),
		cmocka_unit_test(test_quartile_sizes),
		cmocka_unit_test(test_excluded_rows_and_even_median),
		cmocka_unit_test(test_empty_group_and_bad_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
