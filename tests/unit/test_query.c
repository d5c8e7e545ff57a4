/*
 * Query strings: decoding ('+', %XX), refusal of everything odd (bad
 * escapes, NUL, invalid UTF-8, empty names, too many parameters, too long)
 * with the parameter named in the error, lookups, and strict integers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/query.h"

/* raw must parse; the query is left for the caller to check and release. */
static void parse_ok(const char *raw, struct query *q)
{
	struct query_error err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(query_parse(raw, q, &err), 0);
}

/* raw must be refused, naming `param`; the query must own nothing. */
static void parse_fails(const char *raw, const char *param)
{
	struct query q;
	struct query_error err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(query_parse(raw, &q, &err), -1);
	assert_non_null(err.detail);
	assert_true(strlen(err.detail) > 0);
	assert_int_equal(q.n, 0);
	assert_null(q.storage);
	if (param)
		assert_string_equal(err.param, param);
}

/* "name=<value>" must be refused, naming "name". */
static void value_fails(const char *value)
{
	char raw[64];

	snprintf(raw, sizeof(raw), "name=%s", value);
	parse_fails(raw, "name");
}

/* ---- query_parse: the ordinary cases ---- */

static void test_parse_empty(void **state)
{
	struct query q;

	(void)state;
	parse_ok(NULL, &q);
	assert_int_equal(q.n, 0);
	assert_null(query_get(&q, "a"));
	query_release(&q);
	parse_ok("", &q);
	assert_int_equal(q.n, 0);
	query_release(&q);
}

static void test_parse_simple(void **state)
{
	struct query q;

	(void)state;
	parse_ok("area=E09000003&characteristic=ethnicity&limit=10", &q);
	assert_int_equal(q.n, 3);
	assert_string_equal(q.items[0].name, "area");
	assert_string_equal(q.items[0].value, "E09000003");
	assert_string_equal(q.items[1].name, "characteristic");
	assert_string_equal(q.items[1].value, "ethnicity");
	assert_string_equal(q.items[2].name, "limit");
	assert_string_equal(q.items[2].value, "10");
	assert_string_equal(query_get(&q, "limit"), "10");
	assert_null(query_get(&q, "offset"));
	assert_null(query_get(&q, "Limit"));   /* names are case-sensitive */
	query_release(&q);
	assert_int_equal(q.n, 0);
	assert_null(q.storage);
}

static void test_parse_plus_and_percent(void **state)
{
	struct query q;

	(void)state;
	parse_ok("q=a+b%20c&sym=%2B%26%3D%25&geo+name=x", &q);
	assert_int_equal(q.n, 3);
	assert_string_equal(query_get(&q, "q"), "a b c");
	/* Escaped '+', '&', '=' and '%' are data, not syntax. */
	assert_string_equal(query_get(&q, "sym"), "+&=%");
	/* Names decode too. */
	assert_string_equal(query_get(&q, "geo name"), "x");
	query_release(&q);

	/* Upper- and lower-case hex digits. */
	parse_ok("a=%2f%2F&%61%62=1", &q);
	assert_string_equal(query_get(&q, "a"), "//");
	assert_string_equal(query_get(&q, "ab"), "1");
	query_release(&q);
}

/* Only the first '=' separates name and value. */
static void test_parse_equals_in_value(void **state)
{
	struct query q;

	(void)state;
	parse_ok("filter=a=b&x==", &q);
	assert_string_equal(query_get(&q, "filter"), "a=b");
	assert_string_equal(query_get(&q, "x"), "=");
	query_release(&q);
}

static void test_parse_name_without_value(void **state)
{
	struct query q;

	(void)state;
	parse_ok("a&b=&c", &q);
	assert_int_equal(q.n, 3);
	assert_non_null(query_get(&q, "a"));
	assert_string_equal(query_get(&q, "a"), "");
	assert_string_equal(query_get(&q, "b"), "");
	assert_string_equal(query_get(&q, "c"), "");
	query_release(&q);
}

/* Empty segments ("a&&b", leading or trailing '&') are skipped. */
static void test_parse_empty_segments(void **state)
{
	struct query q;

	(void)state;
	parse_ok("a=1&&b=2", &q);
	assert_int_equal(q.n, 2);
	assert_string_equal(query_get(&q, "a"), "1");
	assert_string_equal(query_get(&q, "b"), "2");
	query_release(&q);

	parse_ok("&a=1&", &q);
	assert_int_equal(q.n, 1);
	assert_string_equal(q.items[0].name, "a");
	query_release(&q);

	parse_ok("&&&", &q);
	assert_int_equal(q.n, 0);
	query_release(&q);
}

static void test_parse_utf8(void **state)
{
	struct query q;

	(void)state;
	/* é (2 bytes), € (3 bytes), 😀 (4 bytes), encoded and raw. */
	parse_ok("name=Jos%C3%A9&cur=%E2%82%AC&e=%F0%9F%98%80&raw=\xc3\xa9", &q);
	assert_string_equal(query_get(&q, "name"), "Jos\xc3\xa9");
	assert_string_equal(query_get(&q, "cur"), "\xe2\x82\xac");
	assert_string_equal(query_get(&q, "e"), "\xf0\x9f\x98\x80");
	assert_string_equal(query_get(&q, "raw"), "\xc3\xa9");
	query_release(&q);

	parse_ok("caf%C3%A9=1", &q);
	assert_string_equal(query_get(&q, "caf\xc3\xa9"), "1");
	query_release(&q);
}

/* ---- query_parse: refusals ---- */

static void test_parse_bad_escapes(void **state)
{
	(void)state;
	value_fails("%");
	value_fails("%2");
	value_fails("abc%");
	value_fails("abc%4");
	value_fails("%zz");
	value_fails("%2z");
	value_fails("%z2");
	value_fails("%%41");
	value_fails("%+1");
	value_fails("% 1");
	/* The escape is cut short by '&': still bad. */
	parse_fails("name=%4&x=1", "name");
}

static void test_parse_nul(void **state)
{
	(void)state;
	value_fails("%00");
	value_fails("a%00b");
	parse_fails("a%00b=1", "a%00b");
}

static void test_parse_invalid_utf8(void **state)
{
	(void)state;
	value_fails("%C3%28");         /* bad continuation */
	value_fails("%C3");            /* truncated */
	value_fails("%E2%82");         /* truncated */
	value_fails("%F0%9F%98");      /* truncated */
	value_fails("%80");            /* lone continuation */
	value_fails("%BF");
	value_fails("%C0%AF");         /* overlong '/' */
	value_fails("%C1%BF");         /* overlong */
	value_fails("%E0%80%AF");      /* overlong '/' */
	value_fails("%E0%9F%BF");      /* overlong U+07FF */
	value_fails("%F0%80%80%AF");   /* overlong '/' */
	value_fails("%F0%8F%BF%BF");   /* overlong U+FFFF */
	value_fails("%ED%A0%80");      /* surrogate U+D800 */
	value_fails("%ED%BF%BF");      /* surrogate U+DFFF */
	value_fails("%F4%90%80%80");   /* above U+10FFFF */
	value_fails("%F5%80%80%80");
	value_fails("%F8%88%80%80%80");
	value_fails("%FE");
	value_fails("%FF");
	value_fails("\xc3\x28");       /* raw bytes are checked too */
	value_fails("\xff");
}

static void test_parse_empty_name(void **state)
{
	struct query q;
	struct query_error err;

	(void)state;
	parse_fails("=x", NULL);
	parse_fails("a=1&=x", NULL);
	parse_fails("=", NULL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(query_parse("a=1&=x", &q, &err), -1);
	assert_non_null(strstr(err.detail, "no name"));
}

/* A bad name is named as far as it can be read: the raw printable text. */
static void test_parse_bad_name(void **state)
{
	(void)state;
	parse_fails("%zz=1", "%zz");
	parse_fails("ok=1&x%C3%28=1", "x%C3%28");
	parse_fails("a%=1", "a%");
	/* Unencoded bytes that are not printable ASCII are left out. */
	parse_fails("x\xff" "y=1", "xy");
}

/* A bad value names the decoded name. */
static void test_parse_bad_value_names_decoded_name(void **state)
{
	struct query q;
	struct query_error err;

	(void)state;
	parse_fails("limit=10&na%6De=%zz", "name");
	parse_fails("geo+code=%", "geo code");
	/* A decoded name that is not ASCII keeps only its ASCII part. */
	parse_fails("caf%C3%A9=%zz", "caf");
	memset(&err, 0, sizeof(err));
	assert_int_equal(query_parse("n=%zz", &q, &err), -1);
	assert_non_null(strstr(err.detail, "percent"));
}

/* A long name is cut to fit err->param, and stays terminated. */
static void test_parse_error_long_name(void **state)
{
	char raw[256];
	char want[sizeof(((struct query_error *)0)->param)];

	(void)state;
	memset(raw, 'n', 200);
	memcpy(raw + 200, "=%zz", 5);
	memset(want, 'n', sizeof(want) - 1);
	want[sizeof(want) - 1] = '\0';
	parse_fails(raw, want);
}

static void test_parse_max_params(void **state)
{
	char raw[1024];
	size_t used = 0;
	struct query q;

	(void)state;
	for (int i = 0; i < QUERY_MAX_PARAMS; i++)
		used += (size_t)snprintf(raw + used, sizeof(raw) - used, "%sp%d=%d", i ? "&" : "", i, i);
	parse_ok(raw, &q);
	assert_int_equal(q.n, QUERY_MAX_PARAMS);
	assert_string_equal(query_get(&q, "p0"), "0");
	assert_string_equal(query_get(&q, "p63"), "63");
	query_release(&q);

	/* Empty segments do not count. */
	memcpy(raw + used, "&&&", 4);
	parse_ok(raw, &q);
	assert_int_equal(q.n, QUERY_MAX_PARAMS);
	query_release(&q);

	/* The 65th is refused and named. */
	snprintf(raw + used, sizeof(raw) - used, "&extra=1");
	parse_fails(raw, "extra");
}

/* Repeats count: 65 of the same name is still too many. */
static void test_parse_too_many_repeats(void **state)
{
	char raw[1024] = "";
	size_t used = 0;

	(void)state;
	for (int i = 0; i <= QUERY_MAX_PARAMS; i++)
		used += (size_t)snprintf(raw + used, sizeof(raw) - used, "%sa", i ? "&" : "");
	parse_fails(raw, "a");
}

static void test_parse_length_limit(void **state)
{
	char *raw = malloc(8194);
	struct query q;

	(void)state;
	assert_non_null(raw);
	/* Exactly 8192 bytes is allowed. */
	memcpy(raw, "big=", 4);
	memset(raw + 4, 'x', 8188);
	raw[8192] = '\0';
	parse_ok(raw, &q);
	assert_int_equal(strlen(query_get(&q, "big")), 8188);
	query_release(&q);
	/* 8193 is not. */
	raw[8192] = 'x';
	raw[8193] = '\0';
	parse_fails(raw, NULL);
	free(raw);
}

/* Storage is enough for the worst case: many tiny names with no values. */
static void test_parse_dense(void **state)
{
	struct query q;

	(void)state;
	parse_ok("a", &q);
	assert_int_equal(q.n, 1);
	assert_string_equal(q.items[0].name, "a");
	assert_string_equal(q.items[0].value, "");
	query_release(&q);

	parse_ok("a&b&c&d&e&f&g&h&i&j&k&l&m&n&o&p", &q);
	assert_int_equal(q.n, 16);
	assert_string_equal(q.items[15].name, "p");
	assert_string_equal(q.items[15].value, "");
	query_release(&q);
}

/* ---- lookups ---- */

static void test_get_and_count(void **state)
{
	struct query q;

	(void)state;
	parse_ok("area=a1&x=1&area=a2&area=", &q);
	assert_string_equal(query_get(&q, "area"), "a1");   /* the first */
	assert_int_equal(query_count(&q, "area"), 3);
	assert_int_equal(query_count(&q, "x"), 1);
	assert_int_equal(query_count(&q, "y"), 0);
	assert_int_equal(query_count(&q, "are"), 0);
	assert_null(query_get(&q, "are"));
	assert_null(query_get(&q, "areas"));
	query_release(&q);
}

static void test_first_unknown(void **state)
{
	static const char *const allowed[] = { "area", "limit", "offset", NULL };
	static const char *const none[] = { NULL };
	struct query q;

	(void)state;
	parse_ok("limit=1&area=x", &q);
	assert_null(query_first_unknown(&q, allowed));
	query_release(&q);

	parse_ok("limit=1&Area=x&bogus=2", &q);
	assert_string_equal(query_first_unknown(&q, allowed), "Area");
	query_release(&q);

	parse_ok("limit=1&limits=2", &q);
	assert_string_equal(query_first_unknown(&q, allowed), "limits");
	/* A route that takes no parameters: NULL list or empty list. */
	assert_string_equal(query_first_unknown(&q, NULL), "limit");
	assert_string_equal(query_first_unknown(&q, none), "limit");
	query_release(&q);

	parse_ok("", &q);
	assert_null(query_first_unknown(&q, NULL));
	assert_null(query_first_unknown(&q, allowed));
	query_release(&q);
}

/* ---- query_decode ---- */

static void test_decode(void **state)
{
	char dst[32];

	(void)state;
	assert_int_equal(query_decode("a+b%41", 6, dst, true), 4);
	assert_string_equal(dst, "a bA");
	/* In a path, '+' is itself. */
	assert_int_equal(query_decode("a+b%41", 6, dst, false), 4);
	assert_string_equal(dst, "a+bA");
	/* Only len bytes are read. */
	assert_int_equal(query_decode("abc%zz", 3, dst, true), 3);
	assert_string_equal(dst, "abc");
	assert_int_equal(query_decode("%41%", 3, dst, true), 1);
	assert_string_equal(dst, "A");
	assert_int_equal(query_decode("", 0, dst, true), 0);
	assert_string_equal(dst, "");
	assert_int_equal(query_decode("%E2%82%AC", 9, dst, false), 3);
	assert_string_equal(dst, "\xe2\x82\xac");
}

static void test_decode_refusals(void **state)
{
	char dst[32];

	(void)state;
	assert_int_equal(query_decode("%", 1, dst, true), -1);
	assert_int_equal(query_decode("%2", 2, dst, true), -1);
	/* An escape cut by len is incomplete even if the bytes follow. */
	assert_int_equal(query_decode("%41", 2, dst, true), -1);
	assert_int_equal(query_decode("%zz", 3, dst, true), -1);
	assert_int_equal(query_decode("%00", 3, dst, true), -1);
	/* A literal NUL inside len. */
	assert_int_equal(query_decode("a\0b", 3, dst, true), -1);
	assert_int_equal(query_decode("%C3%28", 6, dst, true), -1);
	assert_int_equal(query_decode("%C0%AF", 6, dst, false), -1);
	assert_int_equal(query_decode("%ED%A0%80", 9, dst, false), -1);
}

/* ---- query_utf8_valid ---- */

static void test_utf8_valid(void **state)
{
	(void)state;
	assert_true(query_utf8_valid("", 0));
	assert_true(query_utf8_valid("plain ascii", 11));
	assert_true(query_utf8_valid("\xc2\x80", 2));               /* U+0080 */
	assert_true(query_utf8_valid("\xdf\xbf", 2));               /* U+07FF */
	assert_true(query_utf8_valid("\xe0\xa0\x80", 3));           /* U+0800 */
	assert_true(query_utf8_valid("\xed\x9f\xbf", 3));           /* U+D7FF */
	assert_true(query_utf8_valid("\xee\x80\x80", 3));           /* U+E000 */
	assert_true(query_utf8_valid("\xef\xbf\xbf", 3));           /* U+FFFF */
	assert_true(query_utf8_valid("\xf0\x90\x80\x80", 4));       /* U+10000 */
	assert_true(query_utf8_valid("\xf4\x8f\xbf\xbf", 4));       /* U+10FFFF */
	assert_true(query_utf8_valid("a\xc3\xa9z\xe2\x82\xac", 7));
	/* len is respected: a valid prefix of an invalid buffer. */
	assert_true(query_utf8_valid("ab\xff", 2));
}

static void test_utf8_invalid(void **state)
{
	(void)state;
	assert_false(query_utf8_valid("\x80", 1));
	assert_false(query_utf8_valid("\xc3\x28", 2));
	assert_false(query_utf8_valid("\xc3", 1));
	/* A sequence cut short by len. */
	assert_false(query_utf8_valid("\xc3\xa9", 1));
	assert_false(query_utf8_valid("\xe2\x82\xac", 2));
	assert_false(query_utf8_valid("\xf0\x9f\x98\x80", 3));
	assert_false(query_utf8_valid("\xc0\xaf", 2));
	assert_false(query_utf8_valid("\xc1\xbf", 2));
	assert_false(query_utf8_valid("\xe0\x9f\xbf", 3));
	assert_false(query_utf8_valid("\xf0\x8f\xbf\xbf", 4));
	assert_false(query_utf8_valid("\xed\xa0\x80", 3));
	assert_false(query_utf8_valid("\xed\xbf\xbf", 3));
	assert_false(query_utf8_valid("\xf4\x90\x80\x80", 4));
	assert_false(query_utf8_valid("\xf5\x80\x80\x80", 4));
	assert_false(query_utf8_valid("\xf8\x88\x80\x80\x80", 5));
	assert_false(query_utf8_valid("\xfe", 1));
	assert_false(query_utf8_valid("\xff", 1));
	/* Valid text followed by an invalid byte. */
	assert_false(query_utf8_valid("abc\xc3\xa9\x80", 6));
}

/* ---- query_parse_long ---- */

static void assert_long_ok(const char *text, long min, long max, long want)
{
	long v = -12345;

	assert_int_equal(query_parse_long(text, min, max, &v), 0);
	assert_int_equal(v, want);
}

static void assert_long_fails(const char *text, long min, long max)
{
	long v = -12345;

	assert_int_equal(query_parse_long(text, min, max, &v), -1);
	assert_int_equal(v, -12345);   /* untouched */
}

/* Text cut inside a character, or raw bytes, made JSON-safe; valid UTF-8
 * (including four-byte characters) left as it is. */
static void test_utf8_repair(void **state)
{
	char cut[] = "caf\xc3\xa9 na\xc3";          /* "café na" + half an é */
	char raw[] = "\xff\xfe ok \xe2\x82";
	char fine[] = "\xf0\x9f\x98\x80 \xc3\xa9 x";
	char surrogate[] = "\xed\xa0\x80x";

	(void)state;
	query_utf8_repair(cut);
	assert_string_equal(cut, "caf\xc3\xa9 na?");
	query_utf8_repair(raw);
	assert_string_equal(raw, "?? ok ??");
	query_utf8_repair(fine);
	assert_string_equal(fine, "\xf0\x9f\x98\x80 \xc3\xa9 x");
	query_utf8_repair(surrogate);
	assert_string_equal(surrogate, "???x");
	assert_true(query_utf8_valid(cut, strlen(cut)) && query_utf8_valid(raw, strlen(raw)) &&
		    query_utf8_valid(surrogate, strlen(surrogate)));
}

static void test_long_ok(void **state)
{
	(void)state;
	assert_long_ok("0", 0, 100, 0);
	assert_long_ok("7", 0, 100, 7);
	assert_long_ok("100", 0, 100, 100);
	assert_long_ok("10", 1, 1000, 10);
	assert_long_ok("-5", -10, 10, -5);
	assert_long_ok("-10", -10, 10, -10);
	assert_long_ok("9223372036854775807", LONG_MIN, LONG_MAX, LONG_MAX);
	assert_long_ok("-9223372036854775808", LONG_MIN, LONG_MAX, LONG_MIN);
}

static void test_long_leading_zeros(void **state)
{
	(void)state;
	assert_long_fails("00", 0, 100);
	assert_long_fails("01", 0, 100);
	assert_long_fails("007", 0, 100);
	assert_long_fails("-01", -10, 10);
	assert_long_fails("0x10", 0, 100);
}

static void test_long_signs(void **state)
{
	(void)state;
	assert_long_fails("+5", 0, 100);
	assert_long_fails("+5", -100, 100);
	assert_long_fails("-", -100, 100);
	assert_long_fails("--5", -100, 100);
	assert_long_fails("-+5", -100, 100);
	assert_long_fails("+-5", -100, 100);
	assert_long_fails("-1", 0, 100);
}

/* "-0" is zero written with a sign; a non-negative range takes no sign. */
static void test_long_negative_zero(void **state)
{
	(void)state;
	assert_long_fails("-0", 0, 100);
}

static void test_long_spaces_and_junk(void **state)
{
	(void)state;
	assert_long_fails("", 0, 100);
	assert_long_fails(NULL, 0, 100);
	assert_long_fails(" 5", 0, 100);
	assert_long_fails("5 ", 0, 100);
	assert_long_fails("\t5", 0, 100);
	assert_long_fails("5\n", 0, 100);
	assert_long_fails("- 5", -100, 100);
	assert_long_fails("1 0", 0, 100);
	assert_long_fails("5a", 0, 100);
	assert_long_fails("a5", 0, 100);
	assert_long_fails("1.0", 0, 100);
	assert_long_fails("1e2", 0, 1000);
	assert_long_fails("1,000", 0, 10000);
	assert_long_fails("\xd9\xa5", 0, 100);   /* Arabic-Indic five */
}

static void test_long_range_and_overflow(void **state)
{
	(void)state;
	assert_long_fails("101", 0, 100);
	assert_long_fails("0", 1, 100);
	assert_long_fails("-11", -10, 10);
	assert_long_fails("9223372036854775808", LONG_MIN, LONG_MAX);
	assert_long_fails("-9223372036854775809", LONG_MIN, LONG_MAX);
	assert_long_fails("99999999999999999999999", 0, LONG_MAX);
	/* An overflow that saturates to max is still refused. */
	assert_long_fails("9223372036854775808", 0, LONG_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_parse_simple),
		cmocka_unit_test(test_parse_plus_and_percent),
		cmocka_unit_test(test_parse_equals_in_value),
		cmocka_unit_test(test_parse_name_without_value),
		cmocka_unit_test(test_parse_empty_segments),
		cmocka_unit_test(test_parse_utf8),
		cmocka_unit_test(test_parse_bad_escapes),
		cmocka_unit_test(test_parse_nul),
		cmocka_unit_test(test_parse_invalid_utf8),
		cmocka_unit_test(test_parse_empty_name),
		cmocka_unit_test(test_parse_bad_name),
		cmocka_unit_test(test_parse_bad_value_names_decoded_name),
		cmocka_unit_test(test_parse_error_long_name),
		cmocka_unit_test(test_parse_max_params),
		cmocka_unit_test(test_parse_too_many_repeats),
		cmocka_unit_test(test_parse_length_limit),
		cmocka_unit_test(test_parse_dense),
		cmocka_unit_test(test_get_and_count),
		cmocka_unit_test(test_first_unknown),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_decode_refusals),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_invalid),
		cmocka_unit_test(test_utf8_repair),
		cmocka_unit_test(test_long_ok),
		cmocka_unit_test(test_long_leading_zeros),
		cmocka_unit_test(test_long_signs),
		cmocka_unit_test(test_long_negative_zero),
		cmocka_unit_test(test_long_spaces_and_junk),
		cmocka_unit_test(test_long_range_and_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
