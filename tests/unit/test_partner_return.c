/* The rules of a partner's return: characteristics of the kind, known
 * categories, no category together with its parent, counts adding up. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "domain/partner_return.h"

static const struct return_category rows[] = {
	{ "sex", "female", NULL, "Female" },
	{ "sex", "male", NULL, "Male" },
	{ "ethnicity", "asian", NULL, "Asian" },
	{ "ethnicity", "asian_indian", "asian", "Indian" },
	{ "ethnicity", "white", NULL, "White" },
	{ "disability", "disabled", NULL, "Disabled" },
	{ "disability", "not_disabled", NULL, "Not disabled" },
	{ "age", "age_20_24", NULL, "20 to 24" },
	{ "age", "age_25_29", NULL, "25 to 29" },
	{ "religion", "female", NULL, "A code shared with sex" },
};
static const struct return_catalogue cat = { rows, sizeof(rows) / sizeof(rows[0]) };

static const char *const good =
	"{\"total\": 10, \"lines\": {\"sex\": {\"female\": 6, \"male\": 4},"
	" \"ethnicity\": {\"asian_indian\": 3, \"white\": 7},"
	" \"disability\": {\"disabled\": 1, \"not_disabled\": 9},"
	" \"age\": {\"age_20_24\": 5, \"age_25_29\": 5}}}";

/* The pointers of v's errors, joined by spaces. */
static const char *pointers(const struct validation *v, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < json_array_size(v->errors) && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s", i ? " " : "",
			json_string_value(json_object_get(json_array_get(v->errors, i), "pointer")));
	return out;
}

static const char *judge(const char *text, const char *kind, char *out, size_t size)
{
	json_t *body = json_loads(text, 0, NULL);
	struct validation v;

	assert_non_null(body);
	validation_init(&v);
	return_validate_content(&v, body, return_kind_find(kind), &cat);
	pointers(&v, out, size);
	validation_release(&v);
	json_decref(body);
	return out;
}

static void test_kinds(void **state)
{
	(void)state;
	assert_string_equal(return_kind_find("workforce")->kind, "workforce");
	assert_int_equal(return_kind_size(return_kind_find("workforce")), 4);
	assert_int_equal(return_kind_size(return_kind_find("service_users")), 6);
	assert_null(return_kind_find("pets"));
	assert_null(return_kind_find(NULL));
}

static void test_catalogue_find_and_top(void **state)
{
	(void)state;
	assert_int_equal(return_catalogue_find(&cat, "ethnicity", "asian_indian"), 3);
	/* The same code under another characteristic is another category. */
	assert_int_equal(return_catalogue_find(&cat, "religion", "female"), 9);
	assert_int_equal(return_catalogue_find(&cat, "ethnicity", "female"), -1);
	assert_int_equal(return_catalogue_top(&cat, 3), 2);
	assert_int_equal(return_catalogue_top(&cat, 4), 4);
	assert_int_equal(return_catalogue_top(&cat, -1), -1);
}

static void test_a_good_return_passes(void **state)
{
	char out[512];

	(void)state;
	assert_string_equal(judge(good, "workforce", out, sizeof(out)), "");
}

static void test_service_users_need_more_characteristics(void **state)
{
	char out[512];

	(void)state;
	assert_string_equal(judge(good, "service_users", out, sizeof(out)),
			    "/lines/religion /lines/sexual_orientation");
}

static void test_every_problem_with_its_pointer(void **state)
{
	char out[512];

	(void)state;
	judge("{\"total\": 10, \"lines\": {\"sex\": {\"female\": 6, \"male\": 5},"
	      " \"ethnicity\": {\"asian\": 3, \"asian_indian\": 3, \"white\": 4},"
	      " \"disability\": {\"disabled\": -1, \"purple\": 11},"
	      " \"pets\": {}, \"a/b\": 1}}", "workforce", out, sizeof(out));
	assert_string_equal(out,
		"/lines/sex /lines/ethnicity/asian_indian /lines/disability/disabled"
		" /lines/disability/purple /lines/pets /lines/a~1b /lines/age");
}

static void test_totals_and_types(void **state)
{
	char out[512];

	(void)state;
	assert_string_equal(judge("{\"total\": \"ten\", \"lines\": []}", "workforce", out, sizeof(out)),
			    "/total /lines");
	/* Without a total, counts are judged but not summed. */
	assert_string_equal(judge("{\"lines\": {\"sex\": {\"female\": 1}, \"ethnicity\": {\"white\": 1},"
				  " \"disability\": {\"disabled\": 1}, \"age\": {\"age_20_24\": 1}}}",
				  "workforce", out, sizeof(out)), "/total");
	/* An unknown window's kind: only total and lines are judged. */
	assert_string_equal(judge("{\"total\": 1, \"lines\": {\"pets\": 1}}", "pets", out, sizeof(out)), "");
}

static void test_too_many_categories(void **state)
{
	json_t *body = json_pack("{s:i, s:{s:{}}}", "total", 0, "lines", "sex");
	json_t *sex = json_object_get(json_object_get(body, "lines"), "sex");
	struct validation v;
	char out[512];

	(void)state;
	for (int i = 0; i <= RETURN_MAX_CATEGORIES; i++) {
		char code[16];

		snprintf(code, sizeof(code), "c%d", i);
		json_object_set_new(sex, code, json_integer(0));
	}
	validation_init(&v);
	return_validate_content(&v, body, return_kind_find("workforce"), &cat);
	assert_string_equal(pointers(&v, out, sizeof(out)),
			    "/lines/sex /lines/ethnicity /lines/disability /lines/age");
	assert_string_equal(json_string_value(json_object_get(json_array_get(v.errors, 0), "detail")),
			    "has too many categories");
	validation_release(&v);
	json_decref(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_catalogue_find_and_top),
		cmocka_unit_test(test_a_good_return_passes),
		cmocka_unit_test(test_service_users_need_more_characteristics),
		cmocka_unit_test(test_every_problem_with_its_pointer),
		cmocka_unit_test(test_totals_and_types),
		cmocka_unit_test(test_too_many_categories),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
