/*
 * The Prometheus text format writer: label escaping, number spelling,
 * family headers, sample lines, bucket selection and histogram lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "util/prom.h"

static void assert_label_value(const char *value, const char *want)
{
	struct buf out = BUF_INIT;

	assert_int_equal(prom_append_label_value(&out, value), 0);
	assert_string_equal(buf_cstr(&out), want);
	buf_release(&out);
}

static void test_label_escaping(void **state)
{
	(void)state;
	assert_label_value("", "");
	assert_label_value("/v1/areas/{code}", "/v1/areas/{code}");
	assert_label_value("a\"b", "a\\\"b");
	assert_label_value("back\\slash", "back\\\\slash");
	assert_label_value("two\nlines", "two\\nlines");
	assert_label_value("\\\"\n", "\\\\\\\"\\n");
	/* Only those three: tabs, quotes of the other kind and UTF-8 pass. */
	assert_label_value("tab\there 'q' caf\xc3\xa9", "tab\there 'q' caf\xc3\xa9");
}

static void assert_number(double v, const char *want)
{
	struct buf out = BUF_INIT;

	assert_int_equal(prom_append_double(&out, v), 0);
	assert_string_equal(buf_cstr(&out), want);
	buf_release(&out);
}

static void test_numbers(void **state)
{
	(void)state;
	assert_number(0, "0");
	assert_number(1, "1");
	assert_number(-3, "-3");
	assert_number(0.0005, "0.0005");
	assert_number(2.5, "2.5");
	assert_number(1700000000.123, "1700000000.123");
	assert_number(0.1 + 0.2, "0.30000000000000004");   /* exact, not rounded to 0.3 */
	assert_number(1e300, "1e+300");
	assert_number(INFINITY, "+Inf");
	assert_number(-INFINITY, "-Inf");
	assert_number(NAN, "NaN");
}

static void test_family_header_escapes_help(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	assert_int_equal(prom_family(&out, "x_total", "counter", "Say \"why\"\\\nnext"), 0);
	/* HELP escapes backslash and line feed, but not quotes. */
	assert_string_equal(buf_cstr(&out),
			    "# HELP x_total Say \"why\"\\\\\\nnext\n"
			    "# TYPE x_total counter\n");
	buf_release(&out);
}

static void test_samples(void **state)
{
	struct buf out = BUF_INIT;
	struct prom_label labels[] = {
		{ "route", "/v1/x/{id}" }, { "method", "GET" }, { "status", "200" },
	};
	struct prom_label odd = { "v", "a\"b" };

	(void)state;
	assert_int_equal(prom_sample(&out, "up", NULL, 0, 1), 0);
	assert_int_equal(prom_sample_u64(&out, "r_total", labels, 3, 18446744073709551615ULL), 0);
	assert_int_equal(prom_sample(&out, "g", &odd, 1, 0.25), 0);
	assert_string_equal(buf_cstr(&out),
			    "up 1\n"
			    "r_total{route=\"/v1/x/{id}\",method=\"GET\",status=\"200\"} 18446744073709551615\n"
			    "g{v=\"a\\\"b\"} 0.25\n");
	buf_release(&out);
}

static void test_scalars_and_gauge(void **state)
{
	struct buf out = BUF_INIT;
	const struct prom_scalar table[] = {
		{ "a_total", "counter", "Big.", 18446744073709551615ULL },
		{ "b", "gauge", "Flag.", 1 },
	};

	(void)state;
	assert_int_equal(prom_scalars(&out, table, 2), 0);
	assert_int_equal(prom_gauge(&out, "c", "Half.", 0.5), 0);
	assert_int_equal(prom_scalars(&out, table, 0), 0);
	assert_string_equal(buf_cstr(&out),
			    "# HELP a_total Big.\n# TYPE a_total counter\na_total 18446744073709551615\n"
			    "# HELP b Flag.\n# TYPE b gauge\nb 1\n"
			    "# HELP c Half.\n# TYPE c gauge\nc 0.5\n");
	buf_release(&out);
}

static void test_bucket_index(void **state)
{
	static const uint64_t bounds[] = { 10, 20, 50 };

	(void)state;
	assert_int_equal(prom_bucket_index(bounds, 3, 0), 0);
	assert_int_equal(prom_bucket_index(bounds, 3, 10), 0);   /* le: upper bound inclusive */
	assert_int_equal(prom_bucket_index(bounds, 3, 11), 1);
	assert_int_equal(prom_bucket_index(bounds, 3, 20), 1);
	assert_int_equal(prom_bucket_index(bounds, 3, 21), 2);
	assert_int_equal(prom_bucket_index(bounds, 3, 50), 2);
	assert_int_equal(prom_bucket_index(bounds, 3, 51), 3);   /* +Inf */
	assert_int_equal(prom_bucket_index(bounds, 3, UINT64_MAX), 3);
	assert_int_equal(prom_bucket_index(bounds, 0, 5), 0);
}

static void test_histogram_is_cumulative_and_counts_match(void **state)
{
	static const double le[] = { 0.001, 0.5, 2.5 };
	static const uint64_t counts[] = { 3, 0, 2, 1 };   /* the last: above 2.5 */
	struct prom_label route = { "route", "/r" };
	struct buf out = BUF_INIT;

	(void)state;
	assert_int_equal(prom_histogram(&out, "d_seconds", &route, 1, le, 3, counts, 4.75), 0);
	assert_string_equal(buf_cstr(&out),
			    "d_seconds_bucket{route=\"/r\",le=\"0.001\"} 3\n"
			    "d_seconds_bucket{route=\"/r\",le=\"0.5\"} 3\n"
			    "d_seconds_bucket{route=\"/r\",le=\"2.5\"} 5\n"
			    "d_seconds_bucket{route=\"/r\",le=\"+Inf\"} 6\n"
			    "d_seconds_sum{route=\"/r\"} 4.75\n"
			    "d_seconds_count{route=\"/r\"} 6\n");
	buf_reset(&out);
	/* Without labels, le is the only one. */
	assert_int_equal(prom_histogram(&out, "h", NULL, 0, le, 1, counts, 0), 0);
	assert_string_equal(buf_cstr(&out),
			    "h_bucket{le=\"0.001\"} 3\n"
			    "h_bucket{le=\"+Inf\"} 3\n"
			    "h_sum 0\n"
			    "h_count 3\n");
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_family_header_escapes_help),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_scalars_and_gauge),
		cmocka_unit_test(test_bucket_index),
		cmocka_unit_test(test_histogram_is_cumulative_and_counts_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
