/* FNV-1a 64: the published test vectors, and what the seed does. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "util/fnv.h"

static void test_known_answers(void **state)
{
	(void)state;
	/* From the FNV reference test suite (isthe.com/chongo/tech/comp/fnv). */
	assert_int_equal(fnv1a64("", 0), 0xcbf29ce484222325ULL);
	assert_int_equal(fnv1a64("a", 0), 0xaf63dc4c8601ec8cULL);
	assert_int_equal(fnv1a64("foobar", 0), 0x85944171f73967e8ULL);
}

static void test_high_bytes_are_unsigned(void **state)
{
	(void)state;
	/* A byte over 0x7f must hash as itself, not sign-extended: one step
	 * of FNV-1a from the basis. */
	assert_int_equal(fnv1a64("\xff", 0), (0xcbf29ce484222325ULL ^ 0xffULL) * 1099511628211ULL);
}

static void test_seed_changes_every_hash(void **state)
{
	(void)state;
	/* The seed is XORed into the basis: the empty text hashes to it. */
	assert_int_equal(fnv1a64("", 0x1234), 0xcbf29ce484222325ULL ^ 0x1234);
	assert_int_not_equal(fnv1a64("10.0.0.1", 0), fnv1a64("10.0.0.1", 0x9e3779b97f4a7c15ULL));
	assert_int_equal(fnv1a64("10.0.0.1", 7), fnv1a64("10.0.0.1", 7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_high_bytes_are_unsigned),
		cmocka_unit_test(test_seed_changes_every_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
