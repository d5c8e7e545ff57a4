/*
 * The rules of action plans, actions and progress updates: each rule with
 * a body that keeps it and one that breaks it, the indicators crash
 * ([null, "a"] once reached strcmp with a NULL), and every field given
 * every JSON type without a crash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "domain/action_plan.h"
#include "json_fixture.h"

#define ACTION "\"reference\":\"A3.2\",\"title\":\"Publish the profile\",\"outcome\":\"equal-access\"," \
	"\"lead\":\"adults-and-health\",\"start_date\":\"2024-04-01\",\"due_date\":\"2025-03-31\""

static void test_action_valid(void **state)
{
	json_t *b = body("{" ACTION ",\"description\":\"Line one\\nline two\","
			 "\"indicators\":[\"hate-crime-reported\",\"pay-gap\"]}");
	struct validation v;
	struct action_values av;

	(void)state;
	validation_init(&v);
	action_validate(&v, b, &av);
	assert_true(validation_ok(&v));
	assert_string_equal(av.reference, "A3.2");
	assert_string_equal(av.description, "Line one\nline two");
	assert_string_equal(av.start_date, "2024-04-01");
	assert_string_equal(av.due_date, "2025-03-31");
	assert_int_equal(av.nindicators, 2);
	assert_string_equal(av.indicators[1], "pay-gap");
	validation_release(&v);
	json_decref(b);
}

/* The crash of issue 11: a null before a code in indicators. */
static void test_action_indicators_null_then_code(void **state)
{
	json_t *b = body("{" ACTION ",\"indicators\":[null,\"a\"]}");
	struct validation v;
	struct action_values av;

	(void)state;
	validation_init(&v);
	action_validate(&v, b, &av);
	assert_false(validation_ok(&v));
	assert_int_equal(errors_at(&v, "/indicators/0"), 1);
	assert_int_equal(errors_at(&v, "/indicators/1"), 0);
	assert_int_equal(json_array_size(v.errors), 1);
	validation_release(&v);
	json_decref(b);
}

static void test_action_indicators(void **state)
{
	json_t *b = body("{" ACTION ",\"indicators\":[\"a\",1,\"a\",{},\"B\",[],true,\"a\",\"b\"]}");
	struct validation v;
	struct action_values av;

	(void)state;
	validation_init(&v);
	action_validate(&v, b, &av);
	assert_int_equal(errors_at(&v, "/indicators/0"), 0);
	assert_int_equal(errors_at(&v, "/indicators/1"), 1);
	assert_int_equal(errors_at(&v, "/indicators/2"), 1);   /* repeats a */
	assert_int_equal(errors_at(&v, "/indicators/3"), 1);
	assert_int_equal(errors_at(&v, "/indicators/4"), 1);   /* not lower case */
	assert_int_equal(errors_at(&v, "/indicators/7"), 1);
	assert_int_equal(errors_at(&v, "/indicators/8"), 0);
	assert_int_equal(av.nindicators, 2);
	validation_release(&v);
	json_decref(b);

	/* More than 20 is one error for the array. */
	b = body("{" ACTION ",\"indicators\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\","
		 "\"j\",\"k\",\"l\",\"m\",\"n\",\"o\",\"p\",\"q\",\"r\",\"s\",\"t\",\"u\"]}");
	validation_init(&v);
	action_validate(&v, b, &av);
	assert_int_equal(errors_at(&v, "/indicators"), 1);
	assert_int_equal(json_array_size(v.errors), 1);
	validation_release(&v);
	json_decref(b);
}

static void test_action_rules(void **state)
{
	json_t *b = body("{\"reference\":\".A3\",\"title\":\"\",\"outcome\":\"Equal access\","
			 "\"lead\":\"x\",\"start_date\":\"2025-04-01\",\"due_date\":\"2025-03-31\","
			 "\"description\":\"tab\\u0001\",\"colour\":\"red\"}");
	struct validation v;
	struct action_values av;

	(void)state;
	validation_init(&v);
	action_validate(&v, b, &av);
	assert_int_equal(errors_at(&v, "/reference"), 1);
	assert_int_equal(errors_at(&v, "/title"), 1);
	assert_int_equal(errors_at(&v, "/outcome"), 1);
	assert_int_equal(errors_at(&v, "/lead"), 0);
	assert_int_equal(errors_at(&v, "/due_date"), 1);
	assert_int_equal(errors_at(&v, "/description"), 1);
	assert_int_equal(errors_at(&v, "/colour"), 1);
	assert_null(av.reference);
	validation_release(&v);
	json_decref(b);
}

static void test_reference_and_plan_id(void **state)
{
	(void)state;
	assert_true(action_reference_is_valid("A3.2"));
	assert_true(action_reference_is_valid("a-1"));
	assert_true(action_reference_is_valid("A234567890123456"));
	assert_false(action_reference_is_valid("A2345678901234567"));
	assert_false(action_reference_is_valid(".A"));
	assert_false(action_reference_is_valid("-A"));
	assert_false(action_reference_is_valid("A 3"));
	assert_false(action_reference_is_valid(""));
	assert_false(action_reference_is_valid(NULL));
	assert_true(action_plan_id_is_valid("2024-25"));
	assert_true(action_plan_id_is_valid("current"));
	assert_false(action_plan_id_is_valid("2024/25"));
	assert_false(action_plan_id_is_valid("2024-2"));
	assert_false(action_plan_id_is_valid("2024-255"));
	assert_false(action_plan_id_is_valid("20a4-25"));
	assert_false(action_plan_id_is_valid(NULL));
}

static void test_plan(void **state)
{
	json_t *b = body("{\"period\":\"2024/25\",\"title\":\"Plan\",\"years\":3}");
	struct validation v;
	struct action_plan_values pv;

	(void)state;
	validation_init(&v);
	action_plan_validate(&v, b, &pv);
	assert_true(validation_ok(&v));
	assert_string_equal(pv.slug, "2024-25");
	assert_string_equal(pv.starts_on, "2024-04-01");
	assert_string_equal(pv.ends_on, "2027-03-31");
	assert_string_equal(pv.status, "draft");
	assert_null(pv.description);
	validation_release(&v);
	json_decref(b);

	/* A null status once reached strcmp as NULL. */
	b = body("{\"period\":\"2024-25\",\"title\":\"\",\"years\":11,\"status\":null}");
	validation_init(&v);
	action_plan_validate(&v, b, &pv);
	assert_int_equal(errors_at(&v, "/period"), 1);
	assert_int_equal(errors_at(&v, "/title"), 1);
	assert_int_equal(errors_at(&v, "/years"), 1);
	assert_int_equal(errors_at(&v, "/status"), 1);
	assert_null(pv.status);
	validation_release(&v);
	json_decref(b);

	b = body("{\"period\":\"1999/00\",\"title\":\"T\",\"status\":\"current\"}");
	validation_init(&v);
	action_plan_validate(&v, b, &pv);
	assert_true(validation_ok(&v));
	assert_string_equal(pv.slug, "1999-00");
	assert_string_equal(pv.ends_on, "2003-03-31");
	assert_string_equal(pv.status, "current");
	validation_release(&v);
	json_decref(b);
}

static void test_patch(void **state)
{
	json_t *current = body("{" ACTION ",\"description\":\"d\",\"indicators\":[\"a\"]}");
	json_t *patch, *merged;
	struct validation v;
	struct action_values av;

	(void)state;
	/* An unknown field is one problem among the others. */
	patch = body("{\"id\":\"x\",\"due_date\":\"2001-01-01\"}");
	merged = validate_merge(current, patch, action_fields);
	validation_init(&v);
	action_patch_validate(&v, patch, merged, &av);
	assert_int_equal(errors_at(&v, "/id"), 1);
	assert_int_equal(errors_at(&v, "/due_date"), 1);
	assert_int_equal(json_array_size(v.errors), 2);
	validation_release(&v);
	json_decref(merged);
	json_decref(patch);

	/* A null clears an optional field; the rest stays. */
	patch = body("{\"title\":\"New\",\"description\":null}");
	merged = validate_merge(current, patch, action_fields);
	validation_init(&v);
	action_patch_validate(&v, patch, merged, &av);
	assert_true(validation_ok(&v));
	assert_string_equal(av.title, "New");
	assert_null(av.description);
	assert_string_equal(av.reference, "A3.2");
	assert_int_equal(av.nindicators, 1);
	validation_release(&v);
	json_decref(merged);
	json_decref(patch);
	json_decref(current);
}

static void test_update(void **state)
{
	const struct date today = { 2025, 6, 30 }, last = { 2025, 1, 15 };
	struct action_update_values uv;
	struct validation v;
	json_t *b;

	(void)state;
	b = body("{\"status\":\"in_progress\",\"rag\":\"green\"}");
	validation_init(&v);
	action_update_validate(&v, b, "not_started", &last, &today, &uv);
	assert_true(validation_ok(&v));
	assert_int_equal(date_compare(&uv.date, &today), 0);
	assert_string_equal(uv.status, "in_progress");
	assert_null(uv.note);
	validation_release(&v);
	json_decref(b);

	/* Completing needs a note; leaving complete needs a reason. */
	b = body("{\"status\":\"complete\",\"rag\":\"green\",\"date\":\"2025-07-01\"}");
	validation_init(&v);
	action_update_validate(&v, b, "in_progress", NULL, &today, &uv);
	assert_int_equal(errors_at(&v, "/note"), 1);
	assert_int_equal(errors_at(&v, "/date"), 1);   /* in the future */
	validation_release(&v);
	json_decref(b);

	b = body("{\"status\":\"in_progress\",\"rag\":\"amber\",\"date\":\"2025-01-14\"}");
	validation_init(&v);
	action_update_validate(&v, b, "complete", &last, &today, &uv);
	assert_int_equal(errors_at(&v, "/reason"), 1);
	assert_int_equal(errors_at(&v, "/date"), 1);   /* before the latest update */
	validation_release(&v);
	json_decref(b);

	b = body("{\"status\":\"in_progress\",\"rag\":\"amber\",\"date\":\"2025-01-15\",\"reason\":\"Reopened\"}");
	validation_init(&v);
	action_update_validate(&v, b, "complete", &last, &today, &uv);
	assert_true(validation_ok(&v));
	assert_string_equal(uv.reason, "Reopened");
	validation_release(&v);
	json_decref(b);

	b = body("{\"status\":\"done\",\"rag\":null,\"note\":\"\",\"date\":null}");
	validation_init(&v);
	action_update_validate(&v, b, "complete", &last, &today, &uv);
	assert_int_equal(errors_at(&v, "/status"), 1);
	assert_int_equal(errors_at(&v, "/rag"), 1);
	assert_int_equal(errors_at(&v, "/note"), 1);
	assert_int_equal(errors_at(&v, "/reason"), 0);   /* no status to judge by */
	validation_release(&v);
	json_decref(b);

	/* A null date is an absent one: today, never a date left unset (it
	 * once reached PostgreSQL as uninitialised memory). */
	b = body("{\"status\":\"in_progress\",\"rag\":\"green\",\"date\":null}");
	validation_init(&v);
	action_update_validate(&v, b, "not_started", &last, &today, &uv);
	assert_true(validation_ok(&v));
	assert_int_equal(date_compare(&uv.date, &today), 0);
	validation_release(&v);
	json_decref(b);
}

/* Every member of every body, given every kind of JSON value: never a
 * crash, and always an answer (ok or errors). */
static void test_every_type(void **state)
{
	static const char *const names[] = {
		"reference", "title", "description", "outcome", "lead", "start_date", "due_date",
		"indicators", "period", "years", "status", "date", "rag", "note", "reason",
	};
	static const char *const values[] = {
		"null", "0", "-1", "1e300", "1.5", "true", "\"\"", "\"x\"", "[]", "{}", "[null]",
		"[null,\"a\"]", "[\"a\",null]", "[1,\"a\",{}]", "[\"a\",\"a\"]", "{\"a\":null}",
	};
	const struct date today = { 2025, 6, 30 };

	(void)state;
	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++)
		for (size_t k = 0; k < sizeof(values) / sizeof(values[0]); k++) {
			json_t *b = body("{" ACTION ",\"period\":\"2024/25\",\"status\":\"draft\",\"rag\":\"red\"}");
			json_t *val = body(values[k]), *merged;
			struct validation v;
			struct action_values av;
			struct action_plan_values pv;
			struct action_update_values uv;

			json_object_set_new(b, names[n], val);
			validation_init(&v);
			action_validate(&v, b, &av);
			action_plan_validate(&v, b, &pv);
			action_update_validate(&v, b, "complete", &today, &today, &uv);
			merged = validate_merge(b, b, action_fields);
			action_patch_validate(&v, b, merged, &av);
			assert_false(v.oom);
			assert_false(validation_ok(&v));   /* the bodies mix three resources */
			json_decref(merged);
			validation_release(&v);
			json_decref(b);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_action_valid),
		cmocka_unit_test(test_action_indicators_null_then_code),
		cmocka_unit_test(test_action_indicators),
		cmocka_unit_test(test_action_rules),
		cmocka_unit_test(test_reference_and_plan_id),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_patch),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_every_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
