/*
 * test_impact_assessment.c - the rules of an equality impact assessment
 * (src/domain/impact_assessment.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "domain/impact_assessment.h"

/* Every characteristic assessed neutral on evidence, as a JSON array. */
static json_t *all_neutral(void)
{
	json_t *a = json_array();

	for (size_t i = 0; impact_assessment_characteristics[i]; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "characteristic",
						   impact_assessment_characteristics[i],
						   "impact", "neutral", "evidence", "Service data."));
	return a;
}

static json_t *published(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}",
			 "reference", "EIA-1", "title", "Library hours", "service_area", "libraries",
			 "status", "published", "decision", "Agreed", "decision_date", "2025-01-10",
			 "review_date", "2026-01-10", "impacts", all_neutral());
}

/* The pointers of v's problems, in order, as one "a b c" string. */
static void expect(struct validation *v, const char *pointers)
{
	json_t *errors = validation_take_errors(v), *e;
	char got[512] = "";
	size_t i, used = 0;

	json_array_foreach(errors, i, e)
		used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s", i ? " " : "",
					 json_string_value(json_object_get(e, "pointer")));
	json_decref(errors);
	assert_string_equal(got, pointers);
}

static void run(json_t *body, const char *was, const char *pointers)
{
	struct validation v;

	validation_init(&v);
	impact_assessment_validate(&v, body, was);
	expect(&v, pointers);
	validation_release(&v);
	json_decref(body);
}

static void test_a_complete_assessment_passes(void **state)
{
	(void)state;
	run(published(), NULL, "");
	run(published(), "draft", "");
	run(published(), "published", "");
}

static void test_a_draft_may_be_incomplete(void **state)
{
	(void)state;
	run(json_pack("{s:s, s:s, s:s, s:s}", "reference", "EIA-2", "title", "t",
		      "service_area", "libraries", "status", "draft"), NULL, "");
}

static void test_published_needs_decision_dates_and_every_characteristic(void **state)
{
	json_t *b = published();

	(void)state;
	json_object_del(b, "decision");
	json_object_set_new(b, "review_date", json_null());
	json_array_remove(json_object_get(b, "impacts"), 2);   /* ethnicity */
	json_array_remove(json_object_get(b, "impacts"), 0);   /* age */
	run(b, NULL, "/decision /review_date /impacts");
}

static void test_missing_characteristics_are_named(void **state)
{
	json_t *b = published();
	struct validation v;
	json_t *errors;
	const char *detail;

	(void)state;
	json_array_remove(json_object_get(b, "impacts"), 8);   /* sexual_orientation */
	json_array_remove(json_object_get(b, "impacts"), 0);   /* age */
	validation_init(&v);
	impact_assessment_validate(&v, b, NULL);
	errors = validation_take_errors(&v);
	assert_int_equal(json_array_size(errors), 1);
	detail = json_string_value(json_object_get(json_array_get(errors, 0), "detail"));
	assert_non_null(strstr(detail, "missing: age, sexual_orientation"));
	json_decref(errors);
	validation_release(&v);
	json_decref(b);
}

static void test_impacts_need_evidence_and_mitigations(void **state)
{
	json_t *b = published();
	json_t *impacts = json_object_get(b, "impacts");

	(void)state;
	/* negative without mitigations; positive without evidence; unknown
	 * needs neither; the same characteristic twice. */
	json_object_set_new(json_array_get(impacts, 1), "impact", json_string("negative"));
	json_object_set_new(json_array_get(impacts, 3), "impact", json_string("positive"));
	json_object_del(json_array_get(impacts, 3), "evidence");
	json_object_set_new(json_array_get(impacts, 4), "impact", json_string("unknown"));
	json_object_del(json_array_get(impacts, 4), "evidence");
	json_array_append_new(impacts, json_pack("{s:s, s:s, s:s}", "characteristic", "sex",
						 "impact", "negative", "evidence", "x"));
	json_object_set_new(json_array_get(impacts, 9), "mitigations", json_string("Extra hours."));
	run(b, NULL, "/impacts/1/mitigations /impacts/3/evidence /impacts/9/characteristic");
}

static void test_review_after_decision(void **state)
{
	json_t *b = published();

	(void)state;
	json_object_set_new(b, "review_date", json_string("2025-01-10"));
	run(b, NULL, "/review_date");
}

static void test_status_moves_forward_only(void **state)
{
	json_t *b = published();

	(void)state;
	json_object_set_new(b, "status", json_string("draft"));
	run(json_deep_copy(b), "published", "/status");
	run(json_deep_copy(b), "reviewed", "/status");
	json_object_set_new(b, "status", json_string("reviewed"));
	run(json_deep_copy(b), NULL, "/status");
	run(json_deep_copy(b), "draft", "/status");
	run(json_deep_copy(b), "published", "");
	run(b, "reviewed", "");
	assert_int_equal(impact_assessment_status_rank("draft"), 0);
	assert_int_equal(impact_assessment_status_rank("reviewed"), 2);
	assert_int_equal(impact_assessment_status_rank("withdrawn"), -1);
	assert_int_equal(impact_assessment_status_rank(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_complete_assessment_passes),
		cmocka_unit_test(test_a_draft_may_be_incomplete),
		cmocka_unit_test(test_published_needs_decision_dates_and_every_characteristic),
		cmocka_unit_test(test_missing_characteristics_are_named),
		cmocka_unit_test(test_impacts_need_evidence_and_mitigations),
		cmocka_unit_test(test_review_after_decision),
		cmocka_unit_test(test_status_moves_forward_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
