/*
 * CSV: escaping for output (RFC 4180 plus formula-injection protection) and
 * the strict reader, including each refusal and the line it reports.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "domain/csv.h"

/* The escaped form of s. */
static void assert_escaped(const char *s, size_t len, const char *want)
{
	struct buf out = BUF_INIT;

	assert_int_equal(csv_append_field(&out, s, len), 0);
	assert_int_equal(out.len, strlen(want));
	assert_string_equal(buf_cstr(&out), want);
	buf_release(&out);
}

#define ESCAPED(s, want) assert_escaped((s), sizeof(s) - 1, (want))

static void test_escape_plain(void **state)
{
	(void)state;
	ESCAPED("Camden", "Camden");
	ESCAPED("White: English, Welsh", "\"White: English, Welsh\"");
	ESCAPED("say \"hi\"", "\"say \"\"hi\"\"\"");
	ESCAPED("\"", "\"\"\"\"");
	ESCAPED("two\nlines", "\"two\nlines\"");
	ESCAPED("cr\rhere", "\"cr\rhere\"");
	ESCAPED("crlf\r\n", "\"crlf\r\n\"");
	ESCAPED(" leading and trailing ", " leading and trailing ");
	ESCAPED("a-b=c+d@e", "a-b=c+d@e");   /* only the first byte matters */
	ESCAPED("Caf\xc3\xa9", "Caf\xc3\xa9");
}

static void test_escape_empty(void **state)
{
	(void)state;
	assert_escaped("", 0, "");
	assert_escaped(NULL, 0, "");
}

static void test_escape_formula(void **state)
{
	(void)state;
	ESCAPED("=SUM(A1:A9)", "\"'=SUM(A1:A9)\"");
	ESCAPED("+44 20 7974", "\"'+44 20 7974\"");
	ESCAPED("-5", "\"'-5\"");
	ESCAPED("@cmd", "\"'@cmd\"");
	ESCAPED("\tx", "\"'\tx\"");
	ESCAPED("\rx", "\"'\rx\"");
	ESCAPED("=\"a\",b", "\"'=\"\"a\"\",b\"");
	ESCAPED("=", "\"'=\"");
}

/* Only len bytes are read: the field need not be NUL-terminated. */
static void test_escape_uses_len(void **state)
{
	(void)state;
	assert_escaped("abc,def", 3, "abc");
	assert_escaped("=x,y", 2, "\"'=x\"");
}

static void test_escape_appends(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	assert_int_equal(buf_append_str(&out, "id,"), 0);
	assert_int_equal(csv_append_field(&out, "x,y", 3), 0);
	assert_int_equal(buf_append_char(&out, ','), 0);
	assert_int_equal(buf_appendf(&out, "%d", -5), 0);
	assert_string_equal(buf_cstr(&out), "id,\"x,y\",-5");
	buf_release(&out);
}

/* Read the next record and check its fields. */
static void expect_record(struct csv_reader *r, size_t line, size_t n,
			  const char *const *fields)
{
	size_t i;

	assert_int_equal(csv_reader_next(r), CSV_RECORD);
	assert_int_equal(r->line, line);
	assert_int_equal(r->nfields, n);
	for (i = 0; i < n; i++)
		assert_string_equal(csv_reader_field(r, i), fields[i]);
	assert_null(csv_reader_field(r, n));
}

#define RECORD(r, line, ...) do { \
	static const char *const f_[] = { __VA_ARGS__ }; \
	expect_record((r), (line), sizeof(f_) / sizeof(f_[0]), f_); \
} while (0)

/* The reader over a string literal, without its terminating NUL. */
#define READER_INIT(r, lit) csv_reader_init((r), (lit), sizeof(lit) - 1)

static void test_read_simple(void **state)
{
	struct csv_reader r;

	(void)state;
	READER_INIT(&r, "area,count\nE09000007,12\nE09000033,7\n");
	RECORD(&r, 1, "area", "count");
	RECORD(&r, 2, "E09000007", "12");
	RECORD(&r, 3, "E09000033", "7");
	assert_int_equal(csv_reader_next(&r), CSV_END);
	assert_int_equal(csv_reader_next(&r), CSV_END);
	assert_null(csv_reader_field(&r, 0));
	assert_null(r.error);
	csv_reader_release(&r);
}

static void test_read_no_trailing_newline(void **state)
{
	struct csv_reader r;

	(void)state;
	READER_INIT(&r, "a,b\nc,d");
	RECORD(&r, 1, "a", "b");
	RECORD(&r, 2, "c", "d");
	assert_int_equal(csv_reader_next(&r), CSV_END);
	csv_reader_release(&r);
}

static void test_read_crlf(void **state)
{
	struct csv_reader r;

	(void)state;
	READER_INIT(&r, "a,b\r\nc,d\r\n");
	RECORD(&r, 1, "a", "b");
	RECORD(&r, 2, "c", "d");
	assert_int_equal(csv_reader_next(&r), CSV_END);
	csv_reader_release(&r);

	/* A lone CR at the very end closes the line too. */
	READER_INIT(&r, "a,b\r");
	RECORD(&r, 1, "a", "b");
	assert_int_equal(csv_reader_next(&r), CSV_END);
	csv_reader_release(&r);
}

static void test_read_bom(void **state)
{
	struct csv_reader r;

	(void)state;
	READER_INIT(&r, "\xEF\xBB\xBFgeography code,value\nE1,5\n");
	RECORD(&r, 1, "geography code", "value");
	RECORD(&r, 2, "E1", "5");
	assert_int_equal(csv_reader_next(&r), CSV_END);
	csv_reader_release(&r);

	/* Only at the start: elsewhere it is data. */
	READER_INIT(&r, "a\n\xEF\xBB\xBF" "b\n");
	RECORD(&r, 1, "a");
	RECORD(&r, 2, "\xEF\xBB\xBF" "b");
	csv_reader_release(&r);

	READER_INIT(&r, "\xEF\xBB\xBF");
	assert_int_equal(csv_reader_next(&r), CSV_END);
	csv_reader_release(&r);
}

static void test_read_quoted(void **state)
{
	struct csv_reader r;

	(void)state;
	READER_INIT(&r,
		    "name,note\n"
		    "\"Mixed, multiple\",\"said \"\"no\"\"\"\n"
		    "\"two\nlines\",\"crlf\r\ninside\"\n"
		    "\"\",\"\"\"\"\n"
		    "after,end\n");
	RECORD(&r, 1, "name", "note");
	RECORD(&r, 2, "Mixed, multiple", "said \"no\"");
	RECORD(&r, 3, "two\nlines", "crlf\r\ninside");
	/* The embedded newlines above moved this record two lines down. */
	RECORD(&r, 6, "", "\"");
	RECORD(&r, 7, "after", "end");
	assert_int_equal(csv_reader_next(&r), CSV_END);
	csv_reader_release(&r);

	READER_INIT(&r, "\"last\"");
	RECORD(&r, 1, "last");
	assert_int_equal(csv_reader_next(&r), CSV_END);
	csv_reader_release(&r);
}

static void test_read_empty_fields(void **state)
{
	struct csv_reader r;

	(void)state;
	READER_INIT(&r, ",\na,,b\n,,\nx,\n");
	RECORD(&r, 1, "", "");
	RECORD(&r, 2, "a", "", "b");
	RECORD(&r, 3, "", "", "");
	RECORD(&r, 4, "x", "");
	assert_int_equal(csv_reader_next(&r), CSV_END);
	csv_reader_release(&r);

	READER_INIT(&r, "a,");
	RECORD(&r, 1, "a", "");
	assert_int_equal(csv_reader_next(&r), CSV_END);
	csv_reader_release(&r);
}

static void test_read_blank_lines(void **state)
{
	struct csv_reader r;

	(void)state;
	READER_INIT(&r, "a\n\n\r\nb\n\n\n\r\n");
	RECORD(&r, 1, "a");
	/* Blank lines hold no record but still count as lines. */
	RECORD(&r, 4, "b");
	assert_int_equal(csv_reader_next(&r), CSV_END);
	csv_reader_release(&r);

	READER_INIT(&r, "");
	assert_int_equal(csv_reader_next(&r), CSV_END);
	csv_reader_release(&r);

	csv_reader_init(&r, NULL, 0);
	assert_int_equal(csv_reader_next(&r), CSV_END);
	csv_reader_release(&r);

	/* Spaces are data, not blank. */
	READER_INIT(&r, " \n");
	RECORD(&r, 1, " ");
	csv_reader_release(&r);
}

/* Reading `text` fails on the record starting at `line` with `message`. */
static void expect_error(const char *text, size_t len, size_t line,
			 const char *message)
{
	struct csv_reader r;
	enum csv_status st;

	csv_reader_init(&r, text, len);
	while ((st = csv_reader_next(&r)) == CSV_RECORD)
		;
	assert_int_equal(st, CSV_ERROR);
	assert_non_null(r.error);
	assert_string_equal(r.error, message);
	assert_int_equal(r.line, line);
	/* The error sticks, and no half-read fields are offered. */
	assert_int_equal(csv_reader_next(&r), CSV_ERROR);
	assert_null(csv_reader_field(&r, 0));
	csv_reader_release(&r);
}

#define EXPECT_ERROR(lit, line, message) \
	expect_error((lit), sizeof(lit) - 1, (line), (message))

static void test_error_quote_in_unquoted(void **state)
{
	(void)state;
	EXPECT_ERROR("a,b\nc,d\"e\n", 2, "quote in unquoted field");
	EXPECT_ERROR("ab\"", 1, "quote in unquoted field");
	EXPECT_ERROR("a,b\n 'x',\"y\"\nq,r\" s\n", 3, "quote in unquoted field");
}

static void test_error_text_after_quote(void **state)
{
	(void)state;
	EXPECT_ERROR("h\n\"a\"b,c\n", 2, "text after closing quote");
	EXPECT_ERROR("\"a\" ,b\n", 1, "text after closing quote");
	EXPECT_ERROR("x\ny\n\n\"a\"\"\"x\n", 4, "text after closing quote");
}

static void test_error_unterminated(void **state)
{
	(void)state;
	EXPECT_ERROR("a,\"b\n", 1, "unterminated quoted field");
	/* Reported where the record starts, not where the input ran out. */
	EXPECT_ERROR("h\n\"multi\nline\nnever closed\n", 2, "unterminated quoted field");
	EXPECT_ERROR("\"", 1, "unterminated quoted field");
	EXPECT_ERROR("\"\"\"", 1, "unterminated quoted field");
}

static void test_error_nul(void **state)
{
	(void)state;
	EXPECT_ERROR("a,b\nc\0d\n", 2, "NUL byte in input");
	EXPECT_ERROR("h\n\"q\0\"\n", 2, "NUL byte in input");
	EXPECT_ERROR("\"q\"\0\n", 1, "NUL byte in input");
	EXPECT_ERROR("\0", 1, "NUL byte in input");
}

/* Many fields and long values: storage grows without losing earlier ones. */
static void test_read_wide_record(void **state)
{
	struct buf in = BUF_INIT;
	struct csv_reader r;
	char want[32];
	size_t i;

	(void)state;
	for (i = 0; i < 500; i++)
		assert_int_equal(buf_appendf(&in, "%s\"v%zu,%0200zu\"", i ? "," : "",
					     i, i), 0);
	assert_int_equal(buf_append_str(&in, "\nend\n"), 0);
	csv_reader_init(&r, in.data, in.len);
	assert_int_equal(csv_reader_next(&r), CSV_RECORD);
	assert_int_equal(r.nfields, 500);
	for (i = 0; i < 500; i += 97) {
		const char *f = csv_reader_field(&r, i);
		size_t n = strlen(f);

		snprintf(want, sizeof(want), "v%zu,", i);
		assert_memory_equal(f, want, strlen(want));
		assert_int_equal(n, strlen(want) + 200);
	}
	RECORD(&r, 2, "end");
	assert_int_equal(csv_reader_next(&r), CSV_END);
	csv_reader_release(&r);
	buf_release(&in);
}

/* What the writer produces, the reader gives back. */
static void test_round_trip(void **state)
{
	static const char *const fields[] = {
		"plain", "with,comma", "with \"quotes\"", "multi\nline",
		"", "crlf\r\nin", "trailing space ",
	};
	const size_t n = sizeof(fields) / sizeof(fields[0]);
	struct buf out = BUF_INIT;
	struct csv_reader r;
	size_t i;

	(void)state;
	for (i = 0; i < n; i++) {
		if (i)
			assert_int_equal(buf_append_char(&out, ','), 0);
		assert_int_equal(csv_append_field(&out, fields[i],
						  strlen(fields[i])), 0);
	}
	assert_int_equal(buf_append_str(&out, "\r\n"), 0);
	csv_reader_init(&r, out.data, out.len);
	expect_record(&r, 1, n, fields);
	assert_int_equal(csv_reader_next(&r), CSV_END);
	csv_reader_release(&r);
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_plain),
		cmocka_unit_test(test_escape_empty),
		cmocka_unit_test(test_escape_formula),
		cmocka_unit_test(test_escape_uses_len),
		cmocka_unit_test(test_escape_appends),
		cmocka_unit_test(test_read_simple),
		cmocka_unit_test(test_read_no_trailing_newline),
		cmocka_unit_test(test_read_crlf),
		cmocka_unit_test(test_read_bom),
		cmocka_unit_test(test_read_quoted),
		cmocka_unit_test(test_read_empty_fields),
		cmocka_unit_test(test_read_blank_lines),
		cmocka_unit_test(test_error_quote_in_unquoted),
		cmocka_unit_test(test_error_text_after_quote),
		cmocka_unit_test(test_error_unterminated),
		cmocka_unit_test(test_error_nul),
		cmocka_unit_test(test_read_wide_record),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
