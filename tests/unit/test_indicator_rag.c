/*
 * RAG and direction of travel on a fixture computed by hand, with every
 * tolerance boundary (values in thousandths of the unit, as stored):
 *
 *   A higher is better, absolute tolerance 2 (2000), target 75 (75000)
 *       75.000 green (on target)   76.500 green     74.999 amber
 *       73.000 amber (shortfall 2000 = band: the boundary is amber)
 *       72.999 red   (shortfall 2001)
 *   B lower is better, 10 % of target (10000), target 20 days (20000)
 *       band = 20000 * 10 / 100 = 2000
 *       20.000 green   19.000 green   20.001 amber
 *       22.000 amber (boundary)       22.001 red
 *   C higher is better, 5 % of target (5000), target 33.333 (33333)
 *       band = 33333 * 5 / 100 = 1666.65 (never rounded)
 *       31.667 amber (shortfall 1666 <= 1666.65)
 *       31.666 red   (shortfall 1667 >  1666.65)
 *   D lower is better, absolute tolerance 0, target 10
 *       10.000 green   10.001 red (no amber band at all)
 *   E a negative target (a change in percentage points), higher is better,
 *     10 % of |target|: target -5.000, band 500
 *       -5.500 amber (boundary)   -5.501 red   -4.000 green
 *   No target or no actual: no RAG.
 *
 *   Direction (actual against an earlier actual):
 *     higher is better: 70 -> 71 improving, 71 -> 70 worsening,
 *                       70 -> 70 no_change, none -> 70 not_comparable
 *     lower is better:  20 -> 19 improving, 19 -> 20 worsening
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "domain/indicator_rag.h"

static struct indicator_number num(long long t)
{
	struct indicator_number n = { true, t };

	return n;
}

static const struct indicator_number none = { false, 0 };

struct rag_case {
	enum indicator_polarity polarity;
	enum tolerance_kind kind;
	long long tolerance, target, actual;
	enum indicator_rag expected;
};

static const struct rag_case cases[] = {
	{ POLARITY_HIGHER_IS_BETTER, TOLERANCE_ABSOLUTE, 2000, 75000, 75000, RAG_GREEN },
	{ POLARITY_HIGHER_IS_BETTER, TOLERANCE_ABSOLUTE, 2000, 75000, 76500, RAG_GREEN },
	{ POLARITY_HIGHER_IS_BETTER, TOLERANCE_ABSOLUTE, 2000, 75000, 74999, RAG_AMBER },
	{ POLARITY_HIGHER_IS_BETTER, TOLERANCE_ABSOLUTE, 2000, 75000, 73000, RAG_AMBER },
	{ POLARITY_HIGHER_IS_BETTER, TOLERANCE_ABSOLUTE, 2000, 75000, 72999, RAG_RED },
	{ POLARITY_LOWER_IS_BETTER, TOLERANCE_PERCENT, 10000, 20000, 20000, RAG_GREEN },
	{ POLARITY_LOWER_IS_BETTER, TOLERANCE_PERCENT, 10000, 20000, 19000, RAG_GREEN },
	{ POLARITY_LOWER_IS_BETTER, TOLERANCE_PERCENT, 10000, 20000, 20001, RAG_AMBER },
	{ POLARITY_LOWER_IS_BETTER, TOLERANCE_PERCENT, 10000, 20000, 22000, RAG_AMBER },
	{ POLARITY_LOWER_IS_BETTER, TOLERANCE_PERCENT, 10000, 20000, 22001, RAG_RED },
	{ POLARITY_HIGHER_IS_BETTER, TOLERANCE_PERCENT, 5000, 33333, 31667, RAG_AMBER },
	{ POLARITY_HIGHER_IS_BETTER, TOLERANCE_PERCENT, 5000, 33333, 31666, RAG_RED },
	{ POLARITY_LOWER_IS_BETTER, TOLERANCE_ABSOLUTE, 0, 10000, 10000, RAG_GREEN },
	{ POLARITY_LOWER_IS_BETTER, TOLERANCE_ABSOLUTE, 0, 10000, 10001, RAG_RED },
	{ POLARITY_HIGHER_IS_BETTER, TOLERANCE_PERCENT, 10000, -5000, -5500, RAG_AMBER },
	{ POLARITY_HIGHER_IS_BETTER, TOLERANCE_PERCENT, 10000, -5000, -5501, RAG_RED },
	{ POLARITY_HIGHER_IS_BETTER, TOLERANCE_PERCENT, 10000, -5000, -4000, RAG_GREEN },
};

static void test_rag_fixture(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rag_case *c = &cases[i];
		struct indicator_tolerance tol = { c->kind, c->tolerance };

		print_message("case %zu\n", i);
		assert_int_equal(indicator_rag_compute(c->polarity, &tol, num(c->target),
						       num(c->actual)), c->expected);
	}
}

static void test_rag_missing(void **state)
{
	struct indicator_tolerance tol = { TOLERANCE_ABSOLUTE, 2000 };

	(void)state;
	assert_int_equal(indicator_rag_compute(POLARITY_HIGHER_IS_BETTER, &tol, none, num(1)), RAG_NONE);
	assert_int_equal(indicator_rag_compute(POLARITY_HIGHER_IS_BETTER, &tol, num(1), none), RAG_NONE);
	assert_null(indicator_rag_name(RAG_NONE));
	assert_string_equal(indicator_rag_name(RAG_AMBER), "amber");
}

static void test_rag_extremes_do_not_overflow(void **state)
{
	struct indicator_tolerance tol = { TOLERANCE_PERCENT, INDICATOR_PERCENT_TOLERANCE_MAX };

	(void)state;
	/* band = the whole target: an actual of -max is 2 * max short: red. */
	assert_int_equal(indicator_rag_compute(POLARITY_HIGHER_IS_BETTER, &tol,
					       num(INDICATOR_VALUE_MAX), num(-INDICATOR_VALUE_MAX)), RAG_RED);
	assert_int_equal(indicator_rag_compute(POLARITY_HIGHER_IS_BETTER, &tol,
					       num(INDICATOR_VALUE_MAX), num(0)), RAG_AMBER);
}

static void test_direction(void **state)
{
	(void)state;
	assert_int_equal(indicator_direction_compute(POLARITY_HIGHER_IS_BETTER, num(70000), num(71000)), DIRECTION_IMPROVING);
	assert_int_equal(indicator_direction_compute(POLARITY_HIGHER_IS_BETTER, num(71000), num(70000)), DIRECTION_WORSENING);
	assert_int_equal(indicator_direction_compute(POLARITY_HIGHER_IS_BETTER, num(70000), num(70000)), DIRECTION_NO_CHANGE);
	assert_int_equal(indicator_direction_compute(POLARITY_HIGHER_IS_BETTER, none, num(70000)), DIRECTION_NOT_COMPARABLE);
	assert_int_equal(indicator_direction_compute(POLARITY_HIGHER_IS_BETTER, num(70000), none), DIRECTION_NOT_COMPARABLE);
	assert_int_equal(indicator_direction_compute(POLARITY_LOWER_IS_BETTER, num(20000), num(19000)), DIRECTION_IMPROVING);
	assert_int_equal(indicator_direction_compute(POLARITY_LOWER_IS_BETTER, num(19000), num(20000)), DIRECTION_WORSENING);
	assert_int_equal(indicator_direction_compute(POLARITY_LOWER_IS_BETTER, num(19000), num(19000)), DIRECTION_NO_CHANGE);
	assert_string_equal(indicator_direction_name(DIRECTION_NOT_COMPARABLE), "not_comparable");
	assert_string_equal(indicator_direction_name(DIRECTION_NO_CHANGE), "no_change");
}

static void test_parse(void **state)
{
	(void)state;
	assert_int_equal(indicator_polarity_parse("higher_is_better"), POLARITY_HIGHER_IS_BETTER);
	assert_int_equal(indicator_polarity_parse("lower_is_better"), POLARITY_LOWER_IS_BETTER);
	assert_int_equal(indicator_polarity_parse("up"), 0);
	assert_int_equal(indicator_polarity_parse(NULL), 0);
	assert_int_equal(indicator_tolerance_kind_parse("percent"), TOLERANCE_PERCENT);
	assert_int_equal(indicator_tolerance_kind_parse("absolute"), TOLERANCE_ABSOLUTE);
	assert_int_equal(indicator_tolerance_kind_parse("relative"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rag_fixture),
		cmocka_unit_test(test_rag_missing),
		cmocka_unit_test(test_rag_extremes_do_not_overflow),
		cmocka_unit_test(test_direction),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
