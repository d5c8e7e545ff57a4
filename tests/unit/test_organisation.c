/*
 * test_organisation.c - who may change what of an organisation
 * (src/domain/organisation.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/organisation.h"

static json_t *pointers(struct validation *v)
{
	json_t *errors = validation_take_errors(v), *out = json_array();
	size_t i;
	json_t *e;

	json_array_foreach(errors, i, e)
		json_array_append(out, json_object_get(e, "pointer"));
	json_decref(errors);
	return out;
}

static void check(const char *patch_text, bool council, const char *expect_text)
{
	json_t *patch = json_loads(patch_text, 0, NULL), *expect = json_loads(expect_text, 0, NULL);
	struct validation v;
	json_t *got;

	assert_non_null(patch);
	validation_init(&v);
	organisation_patch_check(&v, patch, council);
	got = pointers(&v);
	assert_true(json_equal(got, expect));
	json_decref(got);
	json_decref(expect);
	json_decref(patch);
	validation_release(&v);
}

static void test_council_changes_anything(void **state)
{
	(void)state;
	check("{\"name\":\"x\",\"equalities_policy_url\":null,\"policy_reviewed_on\":\"2025-01-01\"}",
	      true, "[]");
}

static void test_partner_changes_its_link_only(void **state)
{
	(void)state;
	check("{\"equalities_policy_url\":\"https://example.org/p\"}", false, "[]");
	check("{\"equalities_policy_url\":null}", false, "[]");
	check("{\"name\":\"x\"}", false, "[\"/name\"]");
	check("{\"policy_reviewed_on\":\"2025-01-01\",\"equalities_policy_url\":\"https://x\","
	      "\"name\":\"y\"}", false, "[\"/policy_reviewed_on\", \"/name\"]");
}

static void test_council_kind(void **state)
{
	(void)state;
	assert_true(organisation_kind_is_council("council"));
	assert_false(organisation_kind_is_council("partner"));
	assert_false(organisation_kind_is_council("councils"));
	assert_false(organisation_kind_is_council(""));
	assert_false(organisation_kind_is_council(NULL));
	/* The council is a kind, the first one listed. */
	assert_true(organisation_kind_is_council(organisation_kinds[0]));
}

static void test_kinds(void **state)
{
	static const char *const expected[] = { "council", "partner", "reporting_centre", "police" };
	size_t n = 0;

	(void)state;
	while (organisation_kinds[n]) {
		assert_true(n < 4);
		assert_string_equal(organisation_kinds[n], expected[n]);
		n++;
	}
	assert_int_equal(n, 4);
}

static void test_fields_are_the_patchable_members(void **state)
{
	size_t n = 0;

	(void)state;
	while (organisation_fields[n])
		n++;
	assert_int_equal(n, 3);
	assert_string_equal(organisation_fields[1], "equalities_policy_url");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_council_changes_anything),
		cmocka_unit_test(test_partner_changes_its_link_only),
		cmocka_unit_test(test_council_kind),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_fields_are_the_patchable_members),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
