/*
 * Unit tests for src/domain/text.c: the checks on free text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "domain/text.h"

/* The single error v holds: its pointer and detail. */
static void assert_one_error(const struct validation *v, const char *pointer, const char *detail)
{
	const json_t *e = json_array_get(v->errors, 0);

	assert_int_equal(json_array_size(v->errors), 1);
	assert_string_equal(json_string_value(json_object_get(e, "pointer")), pointer);
	assert_string_equal(json_string_value(json_object_get(e, "detail")), detail);
}

static void test_control_chars(void **state)
{
	(void)state;
	assert_false(text_has_control_chars("plain text, with punctuation."));
	assert_true(text_has_control_chars("two\nlines"));
	assert_true(text_has_control_chars("tab\there"));
	assert_true(text_has_control_chars("del\x7f"));
}

static void test_member_accepts_text(void **state)
{
	json_t *obj = json_pack("{s:s, s:s}", "title", "Hate crime", "notes", "one\r\ntwo\tthree");
	struct validation v;

	(void)state;
	validation_init(&v);
	assert_string_equal(text_member(&v, obj, "title", true, 64, false), "Hate crime");
	assert_string_equal(text_member(&v, obj, "notes", false, 64, true), "one\r\ntwo\tthree");
	/* Absent and optional: nothing to say. */
	assert_null(text_member(&v, obj, "missing", false, 64, false));
	assert_true(validation_ok(&v));
	validation_release(&v);
	json_decref(obj);
}

static void test_member_refuses(void **state)
{
	static const struct {
		const char *json, *pointer, *detail;
		bool required, multiline;
	} cases[] = {
		{ "{}", "/t", "is required", true, false },
		{ "{\"t\": \"\"}", "/t", "must not be empty", false, false },
		{ "{\"t\": \"\"}", "/t", "must not be empty", true, false },
		{ "{\"t\": \"a\\nb\"}", "/t", "must not contain control characters", false, false },
		{ "{\"t\": \"a\\u0001b\"}", "/t", "must not contain control characters", false, true },
		{ "{\"t\": \"a\\u007fb\"}", "/t", "must not contain control characters", false, true },
		{ "{\"t\": \"12345\"}", "/t", "must be at most 4 bytes long", false, false },
		{ "{\"t\": 5}", "/t", "must be a string", false, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *obj = json_loads(cases[i].json, 0, NULL);
		struct validation v;

		assert_non_null(obj);
		validation_init(&v);
		assert_null(text_member(&v, obj, "t", cases[i].required, 4, cases[i].multiline));
		assert_one_error(&v, cases[i].pointer, cases[i].detail);
		validation_release(&v);
		json_decref(obj);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_chars),
		cmocka_unit_test(test_member_accepts_text),
		cmocka_unit_test(test_member_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
