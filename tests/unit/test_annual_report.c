/*
 * test_annual_report.c - the year of a report and an indicator's outturn
 * (src/domain/annual_report.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/annual_report.h"

static void test_year(void **state)
{
	struct period p;
	char label[16];

	(void)state;
	assert_int_equal(annual_report_year("2024-25", &p), 0);
	assert_int_equal(p.kind, PERIOD_FINANCIAL_YEAR);
	assert_true(period_format(&p, label, sizeof(label)) > 0);
	assert_string_equal(label, "2024/25");
	assert_int_equal(annual_report_year("1999-00", &p), 0);
	for (const char *const *bad = (const char *const[]){ "2024-26", "2024/25", "24-25", "2024-2",
							     "2024-255", "", "abcd-ef", NULL };
	     *bad; bad++)
		assert_int_equal(annual_report_year(*bad, &p), -1);
	assert_int_equal(annual_report_year(NULL, &p), -1);
}

static struct indicator_point point(const char *label, long long actual, int present)
{
	struct indicator_point pt = { .actual = { present != 0, actual } };

	assert_int_equal(period_parse(label, &pt.period), 0);
	return pt;
}

static void test_outturn(void **state)
{
	struct indicator_point q[] = {
		point("2023/24 Q4", 1, 1), point("2024/25 Q1", 2, 1), point("2024/25 Q2", 3, 1),
		point("2024/25 Q4", 0, 0), point("2025/26 Q1", 5, 1),
	};
	struct indicator_point y[] = { point("2024/25 Q4", 1, 1), point("2024/25", 7, 1) };
	struct period fy, other;

	(void)state;
	assert_int_equal(period_parse("2024/25", &fy), 0);
	/* The last quarter, even without its actual: never an earlier one. */
	assert_ptr_equal(annual_outturn(q, 5, &fy), &q[3]);
	/* A value for the whole year wins. */
	assert_ptr_equal(annual_outturn(y, 2, &fy), &y[1]);
	assert_int_equal(period_parse("2030/31", &other), 0);
	assert_null(annual_outturn(q, 5, &other));
	assert_null(annual_outturn(q, 0, &fy));
}

static void test_csv_rows(void **state)
{
	json_t *report = json_loads(
		"{\"sections\": {"
		" \"indicators\": {\"complete\": false, \"sources\": [\"/v1/indicators/{code}/values\"],"
		"  \"data\": [{\"code\": \"a\", \"outturn\": {\"period\": {\"label\": \"2024/25 Q4\"},"
		"   \"target\": 5, \"actual\": null, \"rag\": null,"
		"   \"actual_source\": {\"kind\": \"computed\", \"withheld\": true}}},"
		"   {\"code\": \"b\", \"outturn\": null}]},"
		" \"hate_crime\": {\"complete\": true, \"sources\": [\"/v1/hate-crime/statistics?from=2024/25\"],"
		"  \"data\": {\"reports\": 9, \"suppressed\": false,"
		"   \"strand_flags\": [{\"strand\": \"race\", \"value\": null, \"suppressed\": true}]}},"
		" \"partner_returns\": {\"complete\": true, \"sources\": [\"/v1/organisations\"],"
		"  \"data\": [{\"kind\": \"workforce\", \"period\": \"2024/25\", \"on_time\": [\"x\", \"y\"],"
		"   \"late\": [], \"returned\": [], \"overdue\": [\"z\"], \"open\": []}]}}}", 0, NULL);
	json_t *rows, *r;

	(void)state;
	assert_non_null(report);
	rows = annual_report_csv_rows(report);
	assert_non_null(rows);
	assert_int_equal(json_array_size(rows), 2 + 2 + 5);
	r = json_array_get(rows, 0);
	/* A withheld actual: no value, suppressed, the indicator's own source. */
	assert_true(json_is_null(json_object_get(r, "value")));
	assert_true(json_is_true(json_object_get(r, "suppressed")));
	assert_string_equal(json_string_value(json_object_get(r, "source")), "/v1/indicators/a/values");
	assert_string_equal(json_string_value(json_object_get(r, "period")), "2024/25 Q4");
	assert_true(json_is_false(json_object_get(r, "complete")));
	/* No outturn: a row without period or value. */
	r = json_array_get(rows, 1);
	assert_true(json_is_null(json_object_get(r, "period")));
	r = json_array_get(rows, 2);
	assert_int_equal(json_integer_value(json_object_get(r, "value")), 9);
	assert_string_equal(json_string_value(json_object_get(r, "source")),
			    "/v1/hate-crime/statistics?from=2024/25");
	r = json_array_get(rows, 3);
	assert_string_equal(json_string_value(json_object_get(r, "item")), "strand:race");
	assert_true(json_is_true(json_object_get(r, "suppressed")));
	r = json_array_get(rows, 4);
	assert_string_equal(json_string_value(json_object_get(r, "item")), "workforce:on_time");
	assert_int_equal(json_integer_value(json_object_get(r, "value")), 2);
	r = json_array_get(rows, 7);
	assert_string_equal(json_string_value(json_object_get(r, "item")), "workforce:overdue");
	assert_int_equal(json_integer_value(json_object_get(r, "value")), 1);
	json_decref(rows);
	json_decref(report);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_year),
		cmocka_unit_test(test_outturn),
		cmocka_unit_test(test_csv_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
