/*
 * The rules of indicator values: numbers as exact thousandths at the
 * edges of three decimals and 10^9, the body of a PUT, the periods a PUT
 * may name, when a PUT changes nothing, and which values the scorecard
 * shows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "domain/indicator_value.h"
#include "json_fixture.h"

static struct period period_of(const char *label)
{
	struct period p;

	assert_int_equal(period_parse(label, &p), 0);
	return p;
}

struct number_case {
	const char *json;
	bool present, error;
	long long thousandths;
};

static const struct number_case numbers[] = {
	{ "72.5", true, false, 72500 },
	{ "72.1", true, false, 72100 },
	{ "-0.001", true, false, -1 },
	{ "0", true, false, 0 },
	{ "1000000000", true, false, 1000000000000LL },
	{ "-1000000000", true, false, -1000000000000LL },
	{ "1000000000.001", false, true, 0 },
	{ "0.0015", false, true, 0 },
	{ "1e300", false, true, 0 },
	{ "null", false, false, 0 },
	{ "\"72\"", false, true, 0 },
	{ "true", false, true, 0 },
	{ "[]", false, true, 0 },
};

static void test_numbers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		const struct number_case *c = &numbers[i];
		json_t *obj = json_object();
		struct validation v;
		struct indicator_number n;

		json_object_set_new(obj, "target", body(c->json));
		validation_init(&v);
		indicator_number_member(&v, obj, "target", &n);
		assert_int_equal(n.present, c->present);
		assert_int_equal(errors_at(&v, "/target"), c->error ? 1 : 0);
		if (c->present)
			assert_int_equal(n.thousandths, c->thousandths);
		validation_release(&v);
		json_decref(obj);
	}
}

static void test_body(void **state)
{
	struct period q2 = period_of("2024/25 Q2");
	struct indicator_value_input in;
	struct validation v;
	json_t *b;

	(void)state;
	b = body("{\"target\":85,\"actual\":83.8,\"commentary\":\"Up\\non Q1\",\"published_on\":\"2024-07-01\"}");
	validation_init(&v);
	indicator_value_validate(&v, b, &q2, &in);
	assert_true(validation_ok(&v));
	assert_int_equal(in.target.thousandths, 85000);
	assert_int_equal(in.actual.thousandths, 83800);
	assert_string_equal(in.commentary, "Up\non Q1");
	assert_string_equal(in.published_on, "2024-07-01");
	validation_release(&v);
	json_decref(b);

	/* Nothing to record; a publication before the period. */
	b = body("{\"target\":null,\"commentary\":\"a\\rb\",\"published_on\":\"2024-06-30\",\"x\":1}");
	validation_init(&v);
	indicator_value_validate(&v, b, &q2, &in);
	assert_int_equal(errors_at(&v, "/actual"), 1);
	assert_int_equal(errors_at(&v, "/commentary"), 1);
	assert_int_equal(errors_at(&v, "/published_on"), 1);
	assert_int_equal(errors_at(&v, "/x"), 1);
	assert_null(in.commentary);
	assert_null(in.published_on);
	validation_release(&v);
	json_decref(b);

	/* A wrong type is its own error: no second one about a missing actual. */
	b = body("{\"target\":\"85\"}");
	validation_init(&v);
	indicator_value_validate(&v, b, &q2, &in);
	assert_int_equal(errors_at(&v, "/target"), 1);
	assert_int_equal(errors_at(&v, "/actual"), 0);
	validation_release(&v);
	json_decref(b);

	b = body("{\"target\":1}");
	validation_init(&v);
	indicator_value_validate(&v, b, &q2, &in);
	assert_true(validation_ok(&v));
	assert_false(in.actual.present);
	validation_release(&v);
	json_decref(b);
}

static void test_periods(void **state)
{
	struct period p;

	(void)state;
	assert_int_equal(indicator_frequency_kind("monthly"), PERIOD_MONTH);
	assert_int_equal(indicator_frequency_kind("quarterly"), PERIOD_QUARTER);
	assert_int_equal(indicator_frequency_kind("annual"), PERIOD_FINANCIAL_YEAR);
	assert_int_equal(indicator_frequency_kind(NULL), PERIOD_QUARTER);
	assert_int_equal(indicator_value_period(NULL, "2024-04", PERIOD_MONTH, &p), 0);
	assert_int_equal(p.month, 4);
	assert_int_equal(indicator_value_period("2024", "25 Q2", PERIOD_QUARTER, &p), 0);
	assert_int_equal(p.quarter, 2);
	assert_int_equal(indicator_value_period("2024", "25-Q2", PERIOD_QUARTER, &p), 0);
	assert_int_equal(indicator_value_period("2024", "25", PERIOD_FINANCIAL_YEAR, &p), 0);
	assert_int_equal(indicator_value_period("2024", "25", PERIOD_QUARTER, &p), -1);
	assert_int_equal(indicator_value_period(NULL, "2024-04", PERIOD_QUARTER, &p), -1);
	assert_int_equal(indicator_value_period(NULL, NULL, PERIOD_MONTH, &p), -1);
	assert_int_equal(indicator_value_period("2024", "25 Q2 and a very long tail beyond any label",
						PERIOD_QUARTER, &p), -1);
}

static void test_same(void **state)
{
	struct indicator_value_input a = { { true, 1000 }, { false, 0 }, "c", NULL };
	struct indicator_value_input b = a;

	(void)state;
	assert_true(indicator_value_same(&a, &b));
	b.actual.present = true;
	assert_false(indicator_value_same(&a, &b));
	b = a;
	b.target.thousandths = 1001;
	assert_false(indicator_value_same(&a, &b));
	b = a;
	b.commentary = NULL;
	assert_false(indicator_value_same(&a, &b));
	b = a;
	b.published_on = "2024-07-01";
	assert_false(indicator_value_same(&a, &b));
	/* Absent thousandths do not count. */
	b = a;
	b.actual.thousandths = 5;
	assert_true(indicator_value_same(&a, &b));
}

static void test_points(void **state)
{
	struct indicator_point pts[] = {
		{ period_of("2024/25 Q1"), { true, 1 }, { true, 2 } },
		{ period_of("2024/25 Q3"), { true, 1 }, { true, 2 } },
		{ period_of("2024/25 Q2"), { true, 1 }, { true, 2 } },
		{ period_of("2024/25 Q4"), { true, 1 }, { false, 0 } },
		{ period_of("2025-01"), { true, 1 }, { true, 9 } },
	};
	struct period q, p, target = period_of("2024/25 Q2");

	(void)state;
	assert_ptr_equal(indicator_point_find(pts, 5, &target), &pts[2]);
	target = period_of("2023/24 Q2");
	assert_null(indicator_point_find(pts, 5, &target));
	assert_ptr_equal(indicator_point_latest(pts, 4), &pts[2]);
	assert_null(indicator_point_latest(pts + 3, 1));
	/* Q4 has no actual; the month is no quarter. */
	assert_true(indicator_newest_quarter(pts, 5, &q));
	assert_int_equal(q.quarter, 3);
	assert_false(indicator_newest_quarter(pts + 3, 2, &q));
	indicator_scorecard_period("monthly", &pts[1].period, &p);
	assert_int_equal(p.kind, PERIOD_MONTH);
	assert_int_equal(p.month, 12);
	indicator_scorecard_period("annual", &pts[1].period, &p);
	assert_int_equal(p.kind, PERIOD_FINANCIAL_YEAR);
	assert_int_equal(p.fy_start_year, 2024);
	indicator_scorecard_period("quarterly", &pts[1].period, &p);
	assert_int_equal(p.quarter, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_periods),
		cmocka_unit_test(test_same),
		cmocka_unit_test(test_points),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
