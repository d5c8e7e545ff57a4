/*
 * The registry of problem types (src/http/problems.c).
 *
 * What must hold: sorted by slug with no slug twice (the lookup is a binary
 * search, and one slug has one meaning); every slug is a lowercase token
 * that fits the contract's pattern; every status is a client or server
 * error; every entry has a title and one sentence; each entry is found by
 * its slug and a slug not registered is not found.  That the sources use
 * only registered slugs, and that the contract lists the registry, is
 * tests/integration/test_problem_registry.py's part.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "http/problems.h"

static void test_sorted_and_unique(void **state)
{
	(void)state;
	assert_true(problem_ntypes > 0);
	for (size_t i = 1; i < problem_ntypes; i++)
		assert_true(strcmp(problem_types[i - 1].slug, problem_types[i].slug) < 0);
}

static void test_entries_complete(void **state)
{
	(void)state;
	for (size_t i = 0; i < problem_ntypes; i++) {
		const struct problem_type *p = &problem_types[i];
		size_t len = strlen(p->slug);

		assert_true(len > 0);
		assert_int_equal(strspn(p->slug, "abcdefghijklmnopqrstuvwxyz0123456789-"), len);
		assert_true(p->status >= 400 && p->status <= 599);
		assert_true(strlen(p->title) > 0);
		/* One sentence: ends with a full stop, and the title is no longer. */
		assert_true(strlen(p->description) > strlen(p->title));
		assert_int_equal(p->description[strlen(p->description) - 1], '.');
	}
}

static void test_find(void **state)
{
	(void)state;
	for (size_t i = 0; i < problem_ntypes; i++)
		assert_ptr_equal(problem_type_find(problem_types[i].slug), &problem_types[i]);
	assert_int_equal(problem_type_find("not-found")->status, 404);
	assert_string_equal(problem_type_find("validation-failed")->title, "Validation failed");
	assert_null(problem_type_find("no-such-problem"));
	assert_null(problem_type_find(""));
	assert_null(problem_type_find("Not-Found"));
	assert_null(problem_type_find(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sorted_and_unique),
		cmocka_unit_test(test_entries_complete),
		cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
