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

static struct return_rules workforce;

static size_t cell(const struct returns_summary *s, const char *ch, const char *code)
{
	for (size_t k = 1; k < s->ncells; k++)
		if (s->cells[k].characteristic && strcmp(s->cells[k].characteristic, ch) == 0 &&
		    strcmp(s->cells[k].category, code) == 0)
			return k;
	fail_msg("no cell %s/%s", ch, code);
	return 0;
}

static void test_cells_are_the_total_and_top_level_categories(void **state)
{
	struct returns_summary s;

	(void)state;
	assert_int_equal(returns_summary_build(&s, &workforce, &cat, NULL, 0, 10), 0);
	/* total + 2 sex + 2 ethnicity (asian_indian is not a cell) + 2 + 2,
	 * and prefer_not_to_say and not_known for each of the four;
	 * religion is not asked of a workforce return. */
	assert_int_equal(s.ncells, 17);
	assert_string_equal(s.cells[cell(&s, "sex", "prefer_not_to_say")].name, "Prefer not to say");
	assert_int_equal(s.adult_cell, 0);
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
	struct accepted_return acc[] = { { 150, a, 150 }, { 280, b, 280 } };
	struct returns_summary s;

	(void)state;
	assert_int_equal(returns_summary_build(&s, &workforce, &cat, acc, 2, 10), 0);
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
	struct accepted_return acc[] = { { 102, a, 102 }, { 203, b, 203 }, { 300, c, 300 } };
	struct returns_summary s;

	(void)state;
	assert_int_equal(returns_summary_build(&s, &workforce, &cat, acc, 3, 10), 0);
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
	struct accepted_return acc[] = { { 7, odd, 7 }, { 1, NULL, 1 }, { 2, NULL, 2 } };
	struct returns_summary s;

	(void)state;
	assert_int_equal(returns_summary_build(&s, &workforce, &cat, acc, 3, 10), 0);
	assert_int_equal(s.values[0], 10);
	for (size_t k = 1; k < s.ncells; k++)
		assert_int_equal(s.values[k], 0);
	returns_summary_release(&s);
	json_decref(odd);
}

static void test_undeclared_hr_bands_and_the_adult_total(void **state)
{
	struct return_rules users = return_rules_of("service_users", "hr", NULL);
	json_t *l = json_pack("{s:{s:i, s:i}, s:{s:i, s:i}, s:{s:i}}",
			      "sex", "female", 20, "prefer_not_to_say", 10,
			      "age", "age_16_24", 25, "not_known", 5,
			      "sexual_orientation", "not_known", 18);
	struct accepted_return acc[] = { { 30, l, 18 }, { 30, l, 18 }, { 30, l, 18 } };
	struct returns_summary s;

	(void)state;
	assert_int_equal(returns_summary_build(&s, &users, &cat, acc, 3, 10), 0);
	assert_int_not_equal(s.adult_cell, 0);
	assert_string_equal(s.cells[s.adult_cell].category, "adult_total");
	assert_int_equal(s.values[s.adult_cell], 54);
	assert_int_equal(s.values[cell(&s, "sex", "prefer_not_to_say")], 30);
	assert_int_equal(s.values[cell(&s, "age", "age_16_24")], 75);
	assert_int_equal(s.values[cell(&s, "age", "not_known")], 15);
	assert_int_equal(s.values[cell(&s, "sexual_orientation", "not_known")], 54);
	/* Sexual orientation sits under the adult total, the rest under the total. */
	assert_int_equal(returns_summary_base(&s, "sexual_orientation"), s.adult_cell);
	assert_int_equal(returns_summary_base(&s, "sex"), 0);
	assert_true(returns_summary_in(&s, s.adult_cell, "sexual_orientation"));
	assert_false(returns_summary_in(&s, 0, "sexual_orientation"));
	assert_false(returns_summary_in(&s, s.adult_cell, "sex"));
	returns_summary_release(&s);
	json_decref(l);
}

int main(void)
{
	workforce = return_rules_of("workforce", NULL, NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cells_are_the_total_and_top_level_categories),
		cmocka_unit_test(test_fewer_than_three_partners_publish_nothing),
		cmocka_unit_test(test_sums_by_parent_and_suppresses_small_counts),
		cmocka_unit_test(test_unknown_categories_and_missing_lines_count_nothing),
		cmocka_unit_test(test_undeclared_hr_bands_and_the_adult_total),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
