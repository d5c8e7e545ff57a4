/* The decisions of a versioned edit: when If-Match is required, when it
 * fails, and what a partial update merges into. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "domain/versioned_edit.h"

static const char *const fields[] = { "title", "due", "lead", NULL };

static void test_required_if_match_is_refused_before_the_lock(void **state)
{
	(void)state;
	assert_int_equal(edit_precondition_unlocked(EDIT_IF_MATCH_REQUIRED, false),
			 EDIT_PRECONDITION_REQUIRED);
	assert_int_equal(edit_precondition_unlocked(EDIT_IF_MATCH_REQUIRED, true),
			 EDIT_PRECONDITION_MET);
	assert_int_equal(edit_precondition_unlocked(EDIT_IF_MATCH_OPTIONAL, false),
			 EDIT_PRECONDITION_MET);
	assert_int_equal(edit_precondition_unlocked(EDIT_IF_MATCH_UNUSED, false),
			 EDIT_PRECONDITION_MET);
}

static void test_if_match_must_name_the_current_version(void **state)
{
	static const enum edit_if_match checked[] = { EDIT_IF_MATCH_REQUIRED, EDIT_IF_MATCH_OPTIONAL };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(edit_precondition_locked(checked[i], true, 1), EDIT_PRECONDITION_MET);
		/* Another version, and "*" or a weak tag, both stale. */
		assert_int_equal(edit_precondition_locked(checked[i], true, 0), EDIT_PRECONDITION_FAILED);
		assert_int_equal(edit_precondition_locked(checked[i], true, -1), EDIT_PRECONDITION_FAILED);
	}
}

static void test_absent_if_match_by_policy(void **state)
{
	(void)state;
	assert_int_equal(edit_precondition_locked(EDIT_IF_MATCH_OPTIONAL, false, 0),
			 EDIT_PRECONDITION_MET);
	assert_int_equal(edit_precondition_locked(EDIT_IF_MATCH_REQUIRED, false, 0),
			 EDIT_PRECONDITION_REQUIRED);
}

static void test_unused_if_match_is_never_judged(void **state)
{
	(void)state;
	assert_int_equal(edit_precondition_locked(EDIT_IF_MATCH_UNUSED, true, 0), EDIT_PRECONDITION_MET);
	assert_int_equal(edit_precondition_locked(EDIT_IF_MATCH_UNUSED, true, -1), EDIT_PRECONDITION_MET);
}

static void test_merge_replaces_clears_and_keeps(void **state)
{
	json_t *current = json_loads("{\"title\": \"Old\", \"due\": \"2025-03-31\", \"lead\": \"HR\","
				     " \"version\": 4}", 0, NULL);
	json_t *patch = json_loads("{\"title\": \"New\", \"lead\": null}", 0, NULL);
	json_t *merged;
	struct validation v;

	(void)state;
	validation_init(&v);
	merged = edit_merge_new(current, patch, fields, &v);
	assert_non_null(merged);
	assert_true(validation_ok(&v));
	assert_string_equal(json_string_value(json_object_get(merged, "title")), "New");
	assert_string_equal(json_string_value(json_object_get(merged, "due")), "2025-03-31");
	/* null clears; members outside fields (the version) are not carried. */
	assert_null(json_object_get(merged, "lead"));
	assert_null(json_object_get(merged, "version"));
	assert_int_equal(json_object_size(merged), 2);
	json_decref(merged);
	validation_release(&v);
	json_decref(current);
	json_decref(patch);
}

static void test_empty_patch_changes_nothing_and_is_an_error(void **state)
{
	json_t *current = json_loads("{\"title\": \"Old\"}", 0, NULL);
	json_t *patch = json_object();
	struct validation v;

	(void)state;
	validation_init(&v);
	assert_null(edit_merge_new(current, patch, fields, &v));
	assert_false(v.oom);
	assert_int_equal(json_array_size(v.errors), 1);
	/* The body as a whole (validation_add writes "" as "/"). */
	assert_string_equal(json_string_value(json_object_get(json_array_get(v.errors, 0), "pointer")), "/");
	assert_string_equal(json_string_value(json_object_get(json_array_get(v.errors, 0), "detail")),
			    "must change at least one field");
	validation_release(&v);
	json_decref(current);
	json_decref(patch);
}

static void test_merge_keeps_earlier_problems(void **state)
{
	json_t *current = json_loads("{\"title\": \"Old\"}", 0, NULL);
	json_t *patch = json_loads("{\"due\": \"2025-04-01\"}", 0, NULL);
	json_t *merged;
	struct validation v;

	(void)state;
	validation_init(&v);
	validation_add(&v, "/colour", "is not a field of this resource");
	merged = edit_merge_new(current, patch, fields, &v);
	assert_non_null(merged);
	assert_int_equal(json_array_size(v.errors), 1);
	assert_string_equal(json_string_value(json_object_get(merged, "title")), "Old");
	json_decref(merged);
	validation_release(&v);
	json_decref(current);
	json_decref(patch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_required_if_match_is_refused_before_the_lock),
		cmocka_unit_test(test_if_match_must_name_the_current_version),
		cmocka_unit_test(test_absent_if_match_by_policy),
		cmocka_unit_test(test_unused_if_match_is_never_judged),
		cmocka_unit_test(test_merge_replaces_clears_and_keeps),
		cmocka_unit_test(test_empty_patch_changes_nothing_and_is_an_error),
		cmocka_unit_test(test_merge_keeps_earlier_problems),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
