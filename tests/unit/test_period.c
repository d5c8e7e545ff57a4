/*
 * Reporting periods: strict parsing, canonical labels, first and last days,
 * and stepping between periods across year boundaries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "domain/period.h"

#define ALL_KINDS ((1u << PERIOD_MONTH) | (1u << PERIOD_QUARTER) | \
		   (1u << PERIOD_FINANCIAL_YEAR))

static void assert_date(const struct date *d, int year, int month, int day)
{
	assert_int_equal(d->year, year);
	assert_int_equal(d->month, month);
	assert_int_equal(d->day, day);
}

/* The label of p must be `want`. */
static void assert_label(const struct period *p, const char *want)
{
	char buf[32];

	assert_int_equal(period_format(p, buf, sizeof(buf)), (int)strlen(want));
	assert_string_equal(buf, want);
}

/* The period's first and last days as "YYYY-MM-DD". */
static void assert_span(const struct period *p, const char *start,
			const char *end)
{
	char buf[11];

	assert_int_equal(date_format(&p->start, buf, sizeof(buf)), 10);
	assert_string_equal(buf, start);
	assert_int_equal(date_format(&p->end, buf, sizeof(buf)), 10);
	assert_string_equal(buf, end);
}

static void test_parse_month(void **state)
{
	struct period p;

	(void)state;
	assert_int_equal(period_parse("2024-04", &p), 0);
	assert_int_equal(p.kind, PERIOD_MONTH);
	assert_int_equal(p.year, 2024);
	assert_int_equal(p.month, 4);
	assert_int_equal(p.quarter, 0);
	assert_int_equal(p.fy_start_year, 2024);
	assert_span(&p, "2024-04-01", "2024-04-30");

	/* January to March belong to the financial year that began before. */
	assert_int_equal(period_parse("2025-03", &p), 0);
	assert_int_equal(p.fy_start_year, 2024);
	assert_span(&p, "2025-03-01", "2025-03-31");

	assert_int_equal(period_parse("2024-02", &p), 0);
	assert_span(&p, "2024-02-01", "2024-02-29");
	assert_int_equal(period_parse("2023-02", &p), 0);
	assert_span(&p, "2023-02-01", "2023-02-28");
	assert_int_equal(period_parse("1900-02", &p), 0);   /* not leap */
	assert_span(&p, "1900-02-01", "1900-02-28");
	assert_int_equal(period_parse("2000-02", &p), 0);   /* leap */
	assert_span(&p, "2000-02-01", "2000-02-29");
	assert_int_equal(period_parse("2024-12", &p), 0);
	assert_span(&p, "2024-12-01", "2024-12-31");
}

static void test_parse_quarter(void **state)
{
	struct period p;

	(void)state;
	assert_int_equal(period_parse("2024/25 Q1", &p), 0);
	assert_int_equal(p.kind, PERIOD_QUARTER);
	assert_int_equal(p.fy_start_year, 2024);
	assert_int_equal(p.quarter, 1);
	assert_int_equal(p.year, 0);
	assert_int_equal(p.month, 0);
	assert_span(&p, "2024-04-01", "2024-06-30");

	assert_int_equal(period_parse("2024/25 Q2", &p), 0);
	assert_span(&p, "2024-07-01", "2024-09-30");
	assert_int_equal(period_parse("2024/25 Q3", &p), 0);
	assert_span(&p, "2024-10-01", "2024-12-31");
	/* Q4 lies in the next calendar year. */
	assert_int_equal(period_parse("2024/25 Q4", &p), 0);
	assert_int_equal(p.fy_start_year, 2024);
	assert_span(&p, "2025-01-01", "2025-03-31");

	/* The URL form parses to the same period and prints canonically. */
	assert_int_equal(period_parse("2024/25-Q3", &p), 0);
	assert_int_equal(p.quarter, 3);
	assert_label(&p, "2024/25 Q3");
}

static void test_parse_financial_year(void **state)
{
	struct period p;

	(void)state;
	assert_int_equal(period_parse("2024/25", &p), 0);
	assert_int_equal(p.kind, PERIOD_FINANCIAL_YEAR);
	assert_int_equal(p.fy_start_year, 2024);
	assert_int_equal(p.quarter, 0);
	assert_span(&p, "2024-04-01", "2025-03-31");

	/* The century rolls over in the second year. */
	assert_int_equal(period_parse("1999/00", &p), 0);
	assert_int_equal(p.fy_start_year, 1999);
	assert_span(&p, "1999-04-01", "2000-03-31");
	assert_label(&p, "1999/00");

	assert_int_equal(period_parse("1900/01", &p), 0);
	assert_int_equal(period_parse("9998/99", &p), 0);
	assert_span(&p, "9998-04-01", "9999-03-31");
}

static void test_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "2024", "2024/26", "2024/24", "2024/2", "2024/025",
		"1999/99", "2024/25 Q5", "2024/25 Q0", "2024/25 q1",
		"2024/25  Q1", "2024/25Q1", "2024/25 Q1 ", "2024/25_Q1",
		"2024/25-Q", "2024/26 Q1",
		"2024-13", "2024-00", "2024-4", " 2024-04", "2024-04 ",
		"+2024-04", "-2024-04", "2024-+4", "2024/-5", "20x4-04",
		"2024-04-01", "2024 04", "2024.04",
		"1899-12", "1899/00", "9999/00", "0000-01", "9999-01",
	};
	struct period p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (period_parse(bad[i], &p) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(period_parse(NULL, &p), -1);
}

static void test_parse_kinds_mask(void **state)
{
	struct period p;

	(void)state;
	assert_int_equal(period_parse_kinds("2024-04", 1u << PERIOD_MONTH, &p), 0);
	assert_int_equal(period_parse_kinds("2024-04", 1u << PERIOD_QUARTER, &p), -1);
	assert_int_equal(period_parse_kinds("2024/25", 1u << PERIOD_QUARTER, &p), -1);
	assert_int_equal(period_parse_kinds("2024/25 Q1", 1u << PERIOD_QUARTER, &p), 0);
	assert_int_equal(period_parse_kinds("2024/25 Q1",
					    1u << PERIOD_FINANCIAL_YEAR, &p), -1);
	assert_int_equal(period_parse_kinds("2024/25",
					    1u << PERIOD_FINANCIAL_YEAR, &p), 0);
	assert_int_equal(period_parse_kinds("2024/25", 0, &p), -1);
	assert_int_equal(period_parse_kinds("2024/25", ALL_KINDS, &p), 0);
}

/* The twelve months to a month: only by kind, never through period_parse;
 * they cross financial years and step by a month. */
static void test_rolling_year(void **state)
{
	struct period p, q;
	char buf[32];

	(void)state;
	assert_int_equal(period_parse("rolling-12:2024-07", &p), -1);
	assert_int_equal(period_parse_kinds("rolling-12:2024-13", 1u << PERIOD_ROLLING_YEAR, &p), -1);
	assert_int_equal(period_parse_kinds("rolling-12:2024-7", 1u << PERIOD_ROLLING_YEAR, &p), -1);
	assert_int_equal(period_parse_kinds("rolling-12:2024-07", 1u << PERIOD_MONTH, &p), -1);
	assert_int_equal(period_parse_kinds("rolling-12:2024-07", 1u << PERIOD_ROLLING_YEAR, &p), 0);
	assert_int_equal(p.kind, PERIOD_ROLLING_YEAR);
	assert_int_equal(p.start.year, 2023);
	assert_int_equal(p.start.month, 8);
	assert_int_equal(p.start.day, 1);
	assert_int_equal(p.end.year, 2024);
	assert_int_equal(p.end.month, 7);
	assert_int_equal(p.end.day, 31);
	assert_int_equal(period_format(&p, buf, sizeof(buf)), 20);
	assert_string_equal(buf, "12 months to 2024-07");
	assert_string_equal(period_kind_name(p.kind), "rolling_12_months");
	period_year_earlier(&p, &q);
	assert_int_equal(q.end.year, 2023);
	assert_int_equal(q.end.month, 7);
	period_next(&p, &q);
	assert_int_equal(q.start.month, 9);
	assert_int_equal(q.end.month, 8);
	period_containing(PERIOD_ROLLING_YEAR, &(struct date){ 2025, 3, 15 }, &q);
	assert_int_equal(q.start.year, 2024);
	assert_int_equal(q.start.month, 4);
	assert_int_equal(q.fy_start_year, 2024);
}

static void test_format_round_trip(void **state)
{
	static const char *const labels[] = {
		"2024-04", "2025-01", "1900-01", "9998-12",
		"2024/25 Q1", "2024/25 Q4", "1999/00 Q2", "9998/99 Q4",
		"2024/25", "1999/00", "2009/10", "1900/01",
	};
	struct period p, q;
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		assert_int_equal(period_parse(labels[i], &p), 0);
		assert_label(&p, labels[i]);
		assert_int_equal(period_format(&p, buf, sizeof(buf)),
				 (int)strlen(labels[i]));
		assert_int_equal(period_parse(buf, &q), 0);
		assert_memory_equal(&p, &q, sizeof(p));
	}
}

static void test_format_too_small(void **state)
{
	struct period p;
	char buf[16];

	(void)state;
	assert_int_equal(period_parse("2024/25 Q1", &p), 0);
	assert_int_equal(period_format(&p, buf, 11), 10);
	assert_int_equal(period_format(&p, buf, 10), -1);
	assert_int_equal(period_format(&p, NULL, 0), -1);
	p.kind = (enum period_kind)0;
	assert_int_equal(period_format(&p, buf, sizeof(buf)), -1);
}

static void test_date_parse(void **state)
{
	static const char *const bad[] = {
		"2023-02-29", "2024-02-30", "2024-04-31", "2024-13-01",
		"2024-00-10", "2024-01-00", "2024-01-32", "1900-02-29",
		"2024-1-01", "2024-01-1", " 2024-01-01", "2024-01-01 ",
		"2024/01/01", "+024-01-01", "2024-01-01T00", "1899-12-31",
		"", "20240101",
	};
	struct date d;
	char buf[11];
	size_t i;

	(void)state;
	assert_int_equal(date_parse("2024-02-29", &d), 0);
	assert_date(&d, 2024, 2, 29);
	assert_int_equal(date_parse("2000-02-29", &d), 0);
	assert_int_equal(date_parse("9999-12-31", &d), 0);
	assert_int_equal(date_parse("1900-01-01", &d), 0);
	assert_int_equal(date_format(&d, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "1900-01-01");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (date_parse(bad[i], &d) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(date_format(&d, buf, 10), -1);
}

static void test_days_and_compare(void **state)
{
	struct date a = { 2024, 3, 31 }, b = { 2024, 4, 1 }, c = { 2023, 12, 31 };

	(void)state;
	assert_int_equal(date_days_in_month(2024, 2), 29);
	assert_int_equal(date_days_in_month(2023, 2), 28);
	assert_int_equal(date_days_in_month(2100, 2), 28);
	assert_int_equal(date_days_in_month(2000, 2), 29);
	assert_int_equal(date_days_in_month(2024, 4), 30);
	assert_int_equal(date_days_in_month(2024, 12), 31);
	assert_int_equal(date_days_in_month(2024, 13), 0);
	assert_true(date_compare(&a, &b) < 0);
	assert_true(date_compare(&b, &a) > 0);
	assert_true(date_compare(&c, &a) < 0);
	assert_int_equal(date_compare(&a, &a), 0);
}

static void test_containing(void **state)
{
	struct date d;
	struct period p;

	(void)state;
	assert_int_equal(date_parse("2025-02-14", &d), 0);
	period_containing(PERIOD_MONTH, &d, &p);
	assert_label(&p, "2025-02");
	assert_span(&p, "2025-02-01", "2025-02-28");
	period_containing(PERIOD_QUARTER, &d, &p);
	assert_label(&p, "2024/25 Q4");
	period_containing(PERIOD_FINANCIAL_YEAR, &d, &p);
	assert_label(&p, "2024/25");

	/* The first and last day of the financial year. */
	assert_int_equal(date_parse("2024-04-01", &d), 0);
	period_containing(PERIOD_QUARTER, &d, &p);
	assert_label(&p, "2024/25 Q1");
	period_containing(PERIOD_FINANCIAL_YEAR, &d, &p);
	assert_label(&p, "2024/25");
	assert_int_equal(date_parse("2024-03-31", &d), 0);
	period_containing(PERIOD_QUARTER, &d, &p);
	assert_label(&p, "2023/24 Q4");
	period_containing(PERIOD_FINANCIAL_YEAR, &d, &p);
	assert_label(&p, "2023/24");

	/* Every quarter boundary. */
	assert_int_equal(date_parse("2024-06-30", &d), 0);
	period_containing(PERIOD_QUARTER, &d, &p);
	assert_label(&p, "2024/25 Q1");
	assert_int_equal(date_parse("2024-07-01", &d), 0);
	period_containing(PERIOD_QUARTER, &d, &p);
	assert_label(&p, "2024/25 Q2");
	assert_int_equal(date_parse("2024-09-30", &d), 0);
	period_containing(PERIOD_QUARTER, &d, &p);
	assert_label(&p, "2024/25 Q2");
	assert_int_equal(date_parse("2024-10-01", &d), 0);
	period_containing(PERIOD_QUARTER, &d, &p);
	assert_label(&p, "2024/25 Q3");
	assert_int_equal(date_parse("2024-12-31", &d), 0);
	period_containing(PERIOD_QUARTER, &d, &p);
	assert_label(&p, "2024/25 Q3");
	assert_int_equal(date_parse("2025-01-01", &d), 0);
	period_containing(PERIOD_QUARTER, &d, &p);
	assert_label(&p, "2024/25 Q4");
	assert_span(&p, "2025-01-01", "2025-03-31");

	/* Leap day. */
	assert_int_equal(date_parse("2024-02-29", &d), 0);
	period_containing(PERIOD_MONTH, &d, &p);
	assert_span(&p, "2024-02-01", "2024-02-29");
	assert_int_equal(p.fy_start_year, 2023);
}

/* Every day of a year lies inside each period containing it. */
static void test_containing_every_day(void **state)
{
	static const enum period_kind kinds[] = {
		PERIOD_MONTH, PERIOD_QUARTER, PERIOD_FINANCIAL_YEAR
	};
	struct date d = { 2023, 1, 1 };
	struct period p;
	size_t k;

	(void)state;
	while (d.year < 2026) {
		for (k = 0; k < 3; k++) {
			period_containing(kinds[k], &d, &p);
			assert_int_equal(p.kind, kinds[k]);
			assert_true(date_compare(&p.start, &d) <= 0);
			assert_true(date_compare(&d, &p.end) <= 0);
		}
		if (++d.day > date_days_in_month(d.year, d.month)) {
			d.day = 1;
			if (++d.month > 12) {
				d.month = 1;
				d.year++;
			}
		}
	}
}

static void step_label(void (*step)(const struct period *, struct period *),
		       const char *from, const char *want)
{
	struct period p, q;

	assert_int_equal(period_parse(from, &p), 0);
	step(&p, &q);
	assert_label(&q, want);
}

static void test_previous_next(void **state)
{
	(void)state;
	step_label(period_previous, "2024-04", "2024-03");
	step_label(period_previous, "2024-01", "2023-12");
	step_label(period_next, "2024-12", "2025-01");
	step_label(period_next, "2024-03", "2024-04");

	step_label(period_previous, "2024/25 Q1", "2023/24 Q4");
	step_label(period_previous, "2024/25 Q4", "2024/25 Q3");
	step_label(period_next, "2024/25 Q4", "2025/26 Q1");
	step_label(period_next, "2024/25 Q3", "2024/25 Q4");
	step_label(period_next, "1999/00 Q4", "2000/01 Q1");

	step_label(period_previous, "2024/25", "2023/24");
	step_label(period_next, "2024/25", "2025/26");
	step_label(period_next, "1999/00", "2000/01");
	step_label(period_previous, "2000/01", "1999/00");
}

static void test_next_previous_spans(void **state)
{
	struct period p, q;

	(void)state;
	/* Consecutive periods tile time: next starts the day after end. */
	assert_int_equal(period_parse("2024/25 Q3", &p), 0);
	period_next(&p, &q);
	assert_span(&q, "2025-01-01", "2025-03-31");
	period_previous(&q, &p);
	assert_span(&p, "2024-10-01", "2024-12-31");
	assert_int_equal(period_parse("2024-02", &p), 0);
	period_next(&p, &q);
	assert_span(&q, "2024-03-01", "2024-03-31");
	assert_int_equal(q.fy_start_year, 2023);
	period_next(&q, &p);
	assert_int_equal(p.fy_start_year, 2024);
}

static void test_year_earlier(void **state)
{
	struct period p, q;

	(void)state;
	step_label(period_year_earlier, "2024-04", "2023-04");
	step_label(period_year_earlier, "2025-01", "2024-01");
	step_label(period_year_earlier, "2024/25 Q4", "2023/24 Q4");
	step_label(period_year_earlier, "2024/25 Q1", "2023/24 Q1");
	step_label(period_year_earlier, "2024/25", "2023/24");
	step_label(period_year_earlier, "2000/01", "1999/00");

	assert_int_equal(period_parse("2025-02", &p), 0);
	period_year_earlier(&p, &q);
	assert_span(&q, "2024-02-01", "2024-02-29");
	assert_int_equal(period_parse("2024/25 Q4", &p), 0);
	period_year_earlier(&p, &q);
	assert_span(&q, "2024-01-01", "2024-03-31");
}

static void test_kind_name(void **state)
{
	(void)state;
	assert_string_equal(period_kind_name(PERIOD_MONTH), "month");
	assert_string_equal(period_kind_name(PERIOD_QUARTER), "quarter");
	assert_string_equal(period_kind_name(PERIOD_FINANCIAL_YEAR), "financial_year");
	assert_string_equal(period_kind_name((enum period_kind)0), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_month),
		cmocka_unit_test(test_parse_quarter),
		cmocka_unit_test(test_parse_financial_year),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_kinds_mask),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_format_too_small),
		cmocka_unit_test(test_date_parse),
		cmocka_unit_test(test_days_and_compare),
		cmocka_unit_test(test_containing),
		cmocka_unit_test(test_containing_every_day),
		cmocka_unit_test(test_previous_next),
		cmocka_unit_test(test_next_previous_spans),
		cmocka_unit_test(test_year_earlier),
		cmocka_unit_test(test_rolling_year),
		cmocka_unit_test(test_kind_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
