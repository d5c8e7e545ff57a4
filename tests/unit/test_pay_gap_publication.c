/*
 * Published pay gaps: the stored form of good figures, and every problem
 * of bad ones reported with its pointer (unknown fields and groups, a
 * group twice, out-of-range numbers, quartiles that do not sum to 100,
 * unknown categories).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "domain/pay_gap_publication.h"

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	assert_non_null(j);
	return j;
}

/* Is there a problem at pointer? */
static bool has_problem(const struct validation *v, const char *pointer)
{
	size_t i;
	json_t *e;

	json_array_foreach(v->errors, i, e)
		if (strcmp(json_string_value(json_object_get(e, "pointer")), pointer) == 0)
			return true;
	return false;
}

static void test_good_gaps_are_stored(void **state)
{
	json_t *obj = parse("{\"gaps\": [{\"group\": \"female\", \"mean_gap\": 8.5, \"median_gap\": -2,"
			    " \"bonus_share_group\": 40}]}");
	json_t *gaps = json_array(), *g;
	struct validation v;

	(void)state;
	validation_init(&v);
	assert_int_equal(pgp_gaps(&v, obj, 0, gaps), 0);
	assert_true(validation_ok(&v));
	assert_int_equal(json_array_size(gaps), 1);
	g = json_array_get(gaps, 0);
	assert_string_equal(json_string_value(json_object_get(g, "characteristic")), "sex");
	assert_string_equal(json_string_value(json_object_get(g, "reference")), "male");
	assert_true(json_is_true(json_object_get(g, "published")));
	assert_true(json_number_value(json_object_get(g, "mean_gap")) == 8.5);
	assert_true(json_is_null(json_object_get(g, "mean_bonus_gap")));
	validation_release(&v);
	json_decref(gaps);
	json_decref(obj);
}

static void test_bad_gaps_report_every_problem(void **state)
{
	json_t *obj = parse("{\"gaps\": [{\"group\": \"asian\", \"mean_gap\": 1, \"median_gap\": 1},"
			    " {\"group\": \"asian\", \"mean_gap\": \"x\", \"colour\": 1},"
			    " {\"group\": \"female\", \"mean_gap\": 200, \"median_gap\": 1,"
			    "  \"bonus_share_group\": -1}, 7], \"extra\": 1}");
	json_t *gaps = json_array();
	struct validation v;

	(void)state;
	validation_init(&v);
	assert_int_equal(pgp_gaps(&v, obj, 1, gaps), 0);
	assert_false(validation_ok(&v));
	assert_true(has_problem(&v, "/ethnicity/extra"));
	assert_true(has_problem(&v, "/ethnicity/gaps/1/group"));        /* given twice */
	assert_true(has_problem(&v, "/ethnicity/gaps/1/mean_gap"));     /* not a number */
	assert_true(has_problem(&v, "/ethnicity/gaps/1/median_gap"));   /* required */
	assert_true(has_problem(&v, "/ethnicity/gaps/2/group"));        /* not an ethnic group */
	assert_true(has_problem(&v, "/ethnicity/gaps/2/mean_gap"));     /* over 100 */
	assert_true(has_problem(&v, "/ethnicity/gaps/2/bonus_share_group"));
	assert_true(has_problem(&v, "/ethnicity/gaps/3"));              /* not an object */
	assert_false(has_problem(&v, "/ethnicity/gaps/0/group"));
	validation_release(&v);
	json_decref(gaps);
	json_decref(obj);
}

static void test_quartiles(void **state)
{
	static const char *const known[] = { "disabled", "not_disabled", "not_recorded" };
	json_t *qs = parse("[{\"disabled\": 10, \"not_disabled\": 90},"
			   " {\"disabled\": 10, \"not_disabled\": 80},"
			   " {\"disabled\": 10, \"martian\": 90},"
			   " {\"disabled\": 10, \"not_disabled\": 190}]");
	json_t *quarts = json_array(), *q;
	struct validation v;

	(void)state;
	validation_init(&v);
	assert_int_equal(pgp_quartiles(&v, qs, 2, known, 3, quarts), 0);
	assert_false(has_problem(&v, "/disability/quartiles/0"));
	assert_true(has_problem(&v, "/disability/quartiles/1"));        /* sums to 90 */
	assert_true(has_problem(&v, "/disability/quartiles/2/martian"));
	assert_true(has_problem(&v, "/disability/quartiles/3/not_disabled"));
	q = json_array_get(quarts, 0);
	assert_string_equal(json_string_value(json_object_get(q, "characteristic")), "disability");
	assert_int_equal(json_integer_value(json_object_get(q, "quartile")), 1);
	assert_true(json_number_value(json_object_get(q, "share")) == 10.0);
	validation_release(&v);
	json_decref(quarts);
	json_decref(qs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_gaps_are_stored),
		cmocka_unit_test(test_bad_gaps_report_every_problem),
		cmocka_unit_test(test_quartiles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
