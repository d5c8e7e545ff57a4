/*
 * JSON as CSV: one value as a field, and a meta object as name,value rows
 * (nested members by dotted path, arrays by index, formula guard kept).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "domain/csv_json.h"

static void assert_flat(const char *json, const char *want)
{
	struct buf out = BUF_INIT;
	json_t *v = json_loads(json, 0, NULL);

	assert_non_null(v);
	assert_int_equal(csv_json_append_flat(&out, v), 0);
	assert_string_equal(buf_cstr(&out), want);
	json_decref(v);
	buf_release(&out);
}

static void assert_value(const char *json, const char *want)
{
	struct buf out = BUF_INIT;
	json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);

	assert_non_null(v);
	assert_int_equal(csv_json_append_value(&out, v), 0);
	assert_string_equal(buf_cstr(&out), want);
	json_decref(v);
	buf_release(&out);
}

static void test_values(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	assert_value("\"Hendon, West\"", "\"Hendon, West\"");
	assert_value("5", "5");
	assert_value("7.8", "7.8");
	assert_value("true", "true");
	assert_value("false", "false");
	assert_value("null", "");
	assert_value("{\"a\":[1,2]}", "\"{\"\"a\"\":[1,2]}\"");
	assert_value("\"=HYPERLINK(1)\"", "\"'=HYPERLINK(1)\"");
	assert_int_equal(csv_json_append_value(&out, NULL), 0);
	assert_int_equal(out.len, 0);
	buf_release(&out);
}

static void test_flat_nested(void **state)
{
	(void)state;
	assert_flat("{\"status\":\"illustrative\",\"disclosure\":{\"threshold\":5,\"method\":\"primary and secondary cell suppression\"},\"count\":2}",
		    "name,value\r\n"
		    "status,illustrative\r\n"
		    "disclosure.threshold,5\r\n"
		    "disclosure.method,primary and secondary cell suppression\r\n"
		    "count,2\r\n");
	assert_flat("{\"sources\":[{\"slug\":\"police\"},{\"slug\":\"centre\"}],\"months\":[\"2024-08\"]}",
		    "name,value\r\n"
		    "sources.0.slug,police\r\n"
		    "sources.1.slug,centre\r\n"
		    "months.0,2024-08\r\n");
}

static void test_flat_keeps_empty_members_and_nulls(void **state)
{
	(void)state;
	assert_flat("{}", "name,value\r\n");
	assert_flat("{\"a\":{},\"b\":[],\"c\":null,\"d\":false}",
		    "name,value\r\na,\r\nb,\r\nc,\r\nd,false\r\n");
}

static void test_flat_escapes_names_and_values(void **state)
{
	(void)state;
	assert_flat("{\"note\":\"-1 means, none\",\"=x\":\"+y\"}",
		    "name,value\r\n"
		    "note,\"'-1 means, none\"\r\n"
		    "\"'=x\",\"'+y\"\r\n");
}

static void test_flat_cuts_long_names(void **state)
{
	char key[300], json[400];
	struct buf out = BUF_INIT;
	json_t *v;
	const char *comma;

	(void)state;
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	snprintf(json, sizeof(json), "{\"%s\":{\"inner\":1}}", key);
	v = json_loads(json, 0, NULL);
	assert_non_null(v);
	assert_int_equal(csv_json_append_flat(&out, v), 0);
	comma = strchr(buf_cstr(&out) + strlen("name,value\r\n"), ',');
	assert_non_null(comma);
	assert_int_equal(comma - (buf_cstr(&out) + strlen("name,value\r\n")), 255);
	json_decref(v);
	buf_release(&out);
}

static void test_flat_refuses_a_non_object(void **state)
{
	struct buf out = BUF_INIT;
	json_t *v = json_array();

	(void)state;
	assert_int_equal(csv_json_append_flat(&out, v), -1);
	assert_int_equal(csv_json_append_flat(&out, NULL), -1);
	json_decref(v);
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_flat_nested),
		cmocka_unit_test(test_flat_keeps_empty_members_and_nulls),
		cmocka_unit_test(test_flat_escapes_names_and_values),
		cmocka_unit_test(test_flat_cuts_long_names),
		cmocka_unit_test(test_flat_refuses_a_non_object),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
