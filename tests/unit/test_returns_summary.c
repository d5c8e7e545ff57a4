/* The summary of accepted returns: top-level cells, sub-categories counted
 * towards their parent, nothing published below the minimum of partners,
 * and disclosure control over the whole table. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "domain/returns_summary.h"

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
	{ "religion", "none", NULL, "No religion" },
};
static const struct return_catalogue cat = { rows, sizeof(rows) / sizeof(rows[0]) };

/* A workforce return of total people, all female, white, not disabled,
 * aged 20 to 24, but asian ones given as asian_indian. */
static json_t *lines_new(int white, int asian_indian)
{
	return json_pack("{s:{s:i}, s:{s:i, s:i}, s:{s:i}, s:{s:i}}",
			 "sex", "female", white + asian_indian,
			 "ethnicity", "white", white, "asian_indian", asian_indian,
			 "disability", "not_disabled", white + asian_indian,
			 "age", "age_20_24", white + asian_indian);
}

static size_t cell(const struct returns_summary *s, const char *ch, const char *code)
{
	for (size_t k = 1; k < s->ncells; k++)
		if (strcmp(s->cells[k].characteristic, ch) == 0 && strcmp(s->cells[k].category, code) == 0)
			return k;
	fail_msg("no cell %s/%s", ch, code);
	return 0;
}

static void test_cells_are_the_total_and_top_level_categories(void **state)
{
	struct returns_summary s;

	(void)state;
	assert_int_equal(returns_summary_build(&s, return_kind_find("workforce"), &cat, NULL, 0, 10), 0);
	/* total + 2 sex + 2 ethnicity (asian_indian is not a cell) + 2 + 2;
	 * religion is not asked of a workforce return. */
	assert_int_equal(s.ncells, 9);
	assert_null(s.cells[0].characteristic);
	assert_string_equal(s.cells[0].category, "total");
	assert_string_equal(s.cells[cell(&s, "ethnicity", "asian")].name, "Asian");
	assert_true(returns_summary_in(&s, 0, "age"));
	assert_true(returns_summary_in(&s, cell(&s, "age", "age_20_24"), "age"));
	assert_false(returns_summary_in(&s, cell(&s, "sex", "male"), "age"));
	returns_summary_release(&s);
}

static void test_fewer_than_three_partners_publish_nothing(void **state)
{
	json_t *a = lines_new(100, 50), *b = lines_new(200, 80);
	struct accepted_return acc[] = { { 150, a }, { 280, b } };
	struct returns_summary s;

	(void)state;
	assert_int_equal(returns_summary_build(&s, return_kind_find("workforce"), &cat, acc, 2, 10), 0);
	assert_int_equal(s.partners, 2);
	assert_int_equal(s.values[0], 430);
	for (size_t k = 0; k < s.ncells; k++)
		assert_true(s.suppressed[k]);
	returns_summary_release(&s);
	json_decref(a);
	json_decref(b);
}

static void test_sums_by_parent_and_suppresses_small_counts(void **state)
{
	json_t *a = lines_new(100, 2), *b = lines_new(200, 3), *c = lines_new(300, 0);
	struct accepted_return acc[] = { { 102, a }, { 203, b }, { 300, c } };
	struct returns_summary s;

	(void)state;
	assert_int_equal(returns_summary_build(&s, return_kind_find("workforce"), &cat, acc, 3, 10), 0);
	assert_int_equal(s.values[0], 605);
	assert_int_equal(s.values[cell(&s, "ethnicity", "asian")], 5);
	assert_int_equal(s.values[cell(&s, "ethnicity", "white")], 600);
	/* 5 is below 10; white would give it away by subtraction. */
	assert_true(s.suppressed[cell(&s, "ethnicity", "asian")]);
	assert_true(s.suppressed[cell(&s, "ethnicity", "white")]);
	/* Zero is published as zero. */
	assert_int_equal(s.values[cell(&s, "sex", "male")], 0);
	assert_false(s.suppressed[cell(&s, "sex", "male")]);
	assert_false(s.suppressed[0]);
	returns_summary_release(&s);
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

static void test_unknown_categories_and_missing_lines_count_nothing(void **state)
{
	json_t *odd = json_pack("{s:{s:i}}", "sex", "purple", 7);
	struct accepted_return acc[] = { { 7, odd }, { 1, NULL }, { 2, NULL } };
	struct returns_summary s;

	(void)state;
	assert_int_equal(returns_summary_build(&s, return_kind_find("workforce"), &cat, acc, 3, 10), 0);
	assert_int_equal(s.values[0], 10);
	for (size_t k = 1; k < s.ncells; k++)
		assert_int_equal(s.values[k], 0);
	returns_summary_release(&s);
	json_decref(odd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cells_are_the_total_and_top_level_categories),
		cmocka_unit_test(test_fewer_than_three_partners_publish_nothing),
		cmocka_unit_test(test_sums_by_parent_and_suppresses_small_counts),
		cmocka_unit_test(test_unknown_categories_and_missing_lines_count_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
