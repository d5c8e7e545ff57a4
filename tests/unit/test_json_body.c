/* The JSON body reader behind the contract's body check and
 * request_json_or_respond: the media type test and each verdict. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "http/json_body.h"

static void test_media_type(void **state)
{
	(void)state;
	assert_true(json_body_is_json_type("application/json"));
	assert_true(json_body_is_json_type("Application/JSON; charset=utf-8"));
	assert_true(json_body_is_json_type("application/json;charset=utf-8"));
	assert_false(json_body_is_json_type(NULL));
	assert_false(json_body_is_json_type(""));
	assert_false(json_body_is_json_type("text/csv"));
	assert_false(json_body_is_json_type("application/jsonx"));
	assert_false(json_body_is_json_type("application/json-patch+json"));
}

static void test_object_parsed(void **state)
{
	char detail[JSON_BODY_DETAIL_MAX] = "";
	static const char text[] = "{\"a\": 1}";
	json_t *doc = json_body_parse_new(text, strlen(text), true, detail);

	(void)state;
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(doc, "a")), 1);
	assert_string_equal(detail, "");
	json_decref(doc);
}

static void test_malformed_names_line_and_column(void **state)
{
	char detail[JSON_BODY_DETAIL_MAX];
	static const char text[] = "{\"a\":\n  1,}";

	(void)state;
	assert_null(json_body_parse_new(text, strlen(text), true, detail));
	assert_non_null(strstr(detail, "The body is not valid JSON: "));
	assert_non_null(strstr(detail, "(line 2, column "));
	/* An empty body is malformed too, not an empty object. */
	assert_null(json_body_parse_new(NULL, 0, false, detail));
	assert_non_null(strstr(detail, "The body is not valid JSON: "));
}

static void test_duplicate_keys_refused(void **state)
{
	char detail[JSON_BODY_DETAIL_MAX];
	static const char text[] = "{\"a\": 1, \"a\": 2}";

	(void)state;
	assert_null(json_body_parse_new(text, strlen(text), true, detail));
	assert_non_null(strstr(detail, "duplicate"));
}

static void test_object_required_only_when_asked(void **state)
{
	char detail[JSON_BODY_DETAIL_MAX];
	static const char text[] = "[1, 2]";
	json_t *doc;

	(void)state;
	assert_null(json_body_parse_new(text, strlen(text), true, detail));
	assert_string_equal(detail, "The body must be a JSON object.");
	doc = json_body_parse_new(text, strlen(text), false, detail);
	assert_non_null(doc);
	assert_true(json_is_array(doc));
	json_decref(doc);
}

static void test_detail_is_valid_utf8(void **state)
{
	char detail[JSON_BODY_DETAIL_MAX];
	/* A raw byte that is not UTF-8, quoted back by jansson. */
	static const char text[] = "{\"a\": \"\xff\"}";

	(void)state;
	assert_null(json_body_parse_new(text, strlen(text), true, detail));
	for (const unsigned char *p = (const unsigned char *)detail; *p; p++)
		assert_true(*p < 0x80);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_media_type),
		cmocka_unit_test(test_object_parsed),
		cmocka_unit_test(test_malformed_names_line_and_column),
		cmocka_unit_test(test_duplicate_keys_refused),
		cmocka_unit_test(test_object_required_only_when_asked),
		cmocka_unit_test(test_detail_is_valid_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
