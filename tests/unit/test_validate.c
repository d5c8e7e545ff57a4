/* Request-body validation: every problem at once, with JSON pointers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "domain/validate.h"

static const char *const fields[] = { "title", "description", "due", NULL };

static const char *pointer_at(const struct validation *v, size_t i)
{
	return json_string_value(json_object_get(json_array_get(v->errors, i), "pointer"));
}

static void test_every_problem_is_reported(void **state)
{
	json_t *body = json_loads("{\"title\": 7, \"due\": \"2024-02-30\", \"colour\": \"red\"}", 0, NULL);
	struct validation v;
	struct date d;

	(void)state;
	validation_init(&v);
	validate_known_fields(&v, body, "", fields);
	assert_null(validate_string(&v, body, "", "title", true, 200));
	assert_false(validate_date(&v, body, "", "due", true, &d));
	assert_null(validate_string(&v, body, "", "description", true, 200));
	assert_false(validation_ok(&v));
	assert_int_equal(json_array_size(v.errors), 4);
	assert_string_equal(pointer_at(&v, 0), "/colour");
	assert_string_equal(pointer_at(&v, 1), "/title");
	assert_string_equal(pointer_at(&v, 2), "/due");
	assert_string_equal(pointer_at(&v, 3), "/description");
	validation_release(&v);
	json_decref(body);
}

static void test_pointer_escapes(void **state)
{
	json_t *body = json_loads("{\"a/b~c\": 1}", 0, NULL);
	struct validation v;

	(void)state;
	validation_init(&v);
	validate_known_fields(&v, body, "/x", fields);
	assert_string_equal(pointer_at(&v, 0), "/x/a~1b~0c");
	validation_release(&v);
	json_decref(body);
}

static void test_string_limits(void **state)
{
	json_t *body = json_loads("{\"title\": \"abcdef\", \"description\": \"\"}", 0, NULL);
	struct validation v;

	(void)state;
	validation_init(&v);
	assert_null(validate_string(&v, body, "", "title", true, 5));
	assert_string_equal(validate_string(&v, body, "", "title", true, 6), "abcdef");
	/* Empty is refused only where the field is required. */
	assert_null(validate_string(&v, body, "", "description", true, 10));
	assert_string_equal(validate_string(&v, body, "", "description", false, 10), "");
	assert_int_equal(json_array_size(v.errors), 2);
	validation_release(&v);
	json_decref(body);
}

static void test_merge(void **state)
{
	json_t *current = json_loads("{\"title\": \"old\", \"description\": \"keep?\", \"due\": \"2024-04-01\", \"id\": 9}", 0, NULL);
	json_t *patch = json_loads("{\"title\": \"new\", \"description\": null}", 0, NULL);
	json_t *merged;

	(void)state;
	merged = validate_merge(current, patch, fields);
	assert_non_null(merged);
	assert_string_equal(json_string_value(json_object_get(merged, "title")), "new");
	/* null clears; absent keeps; fields outside the list are not copied. */
	assert_null(json_object_get(merged, "description"));
	assert_string_equal(json_string_value(json_object_get(merged, "due")), "2024-04-01");
	assert_null(json_object_get(merged, "id"));
	json_decref(merged);
	json_decref(patch);
	json_decref(current);
}

/* A member name cut inside a multi-byte character, in a pointer or a detail,
 * still gives an error (it used to set oom: a 500 instead of the 422). */
static void test_cut_utf8_is_repaired(void **state)
{
	char key[400], body_text[512];
	json_t *body;
	struct validation v;
	const char *ptr;

	(void)state;
	/* "a" then 150 two-byte characters: the 160-byte pointer cuts one. */
	strcpy(key, "a");
	for (int i = 0; i < 150; i++)
		strcat(key, "\xc3\xa9");
	snprintf(body_text, sizeof(body_text), "{\"%s\": 1}", key);
	body = json_loads(body_text, 0, NULL);
	assert_non_null(body);
	validation_init(&v);
	validate_known_fields(&v, body, "", fields);
	assert_false(v.oom);
	assert_int_equal(json_array_size(v.errors), 1);
	ptr = pointer_at(&v, 0);
	assert_non_null(ptr);
	assert_memory_equal(ptr, "/a\xc3\xa9", 4);

	/* Raw invalid bytes in a detail and a pointer become '?'. */
	validation_add(&v, "/x\xff\xc3", "bad %s", "\xe2\x82");
	assert_false(v.oom);
	assert_string_equal(pointer_at(&v, 1), "/x??");
	assert_string_equal(json_string_value(json_object_get(json_array_get(v.errors, 1), "detail")),
			    "bad ??");
	validation_release(&v);
	json_decref(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_problem_is_reported),
		cmocka_unit_test(test_pointer_escapes),
		cmocka_unit_test(test_string_limits),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_cut_utf8_is_repaired),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
