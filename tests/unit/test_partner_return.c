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

/* judge under a window's age bands and universe (NULL: the defaults). */
static const char *judge_in(const char *text, const char *kind, const char *bands,
			    const char *universe, char *out, size_t size)
{
	json_t *body = json_loads(text, 0, NULL);
	struct return_rules rules = return_rules_of(kind, bands, universe);
	struct validation v;

	assert_non_null(body);
	validation_init(&v);
	return_validate_content(&v, body, &rules, &cat);
	pointers(&v, out, size);
	validation_release(&v);
	json_decref(body);
	return out;
}

static const char *judge(const char *text, const char *kind, char *out, size_t size)
{
	return judge_in(text, kind, NULL, NULL, out, size);
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
			    "/adult_total /lines/religion /lines/sexual_orientation");
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
	struct return_rules rules = return_rules_of("workforce", NULL, NULL);
	char out[512];

	(void)state;
	for (int i = 0; i <= RETURN_MAX_CATEGORIES; i++) {
		char code[16];

		snprintf(code, sizeof(code), "c%d", i);
		json_object_set_new(sex, code, json_integer(0));
	}
	validation_init(&v);
	return_validate_content(&v, body, &rules, &cat);
	assert_string_equal(pointers(&v, out, sizeof(out)),
			    "/lines/sex /lines/ethnicity /lines/disability /lines/age");
	assert_string_equal(json_string_value(json_object_get(json_array_get(v.errors, 0), "detail")),
			    "has too many categories");
	validation_release(&v);
	json_decref(body);
}

/* One of the edit rules on text, with s; the pointers into out.  a and b
 * borrow from the body, kept until the next call (and freed by main). */
static json_t *edit_body;

static const char *judge_edit(const char *text, const struct return_state *s, int which,
			      const char **a, const char **b, char *out, size_t size)
{
	struct validation v;

	json_decref(edit_body);
	edit_body = json_loads(text, 0, NULL);
	assert_non_null(edit_body);
	validation_init(&v);
	if (which == 0)
		return_validate_replacement(&v, edit_body, s, &cat);
	else if (which == 1)
		return_validate_submission(&v, edit_body, s, a);
	else
		return_validate_review(&v, edit_body, a, b);
	pointers(&v, out, size);
	validation_release(&v);
	return out;
}

static void test_editable_states(void **state)
{
	(void)state;
	assert_true(return_editable("draft"));
	assert_true(return_editable("returned"));
	assert_false(return_editable("submitted"));
	assert_false(return_editable("accepted"));
}

static void test_replacement_needs_an_open_window(void **state)
{
	struct return_state open = { "draft", "workforce", true, false, "2025-04-01", "2025-05-01", NULL, NULL, false };
	struct return_state shut = { "draft", "workforce", false, false, "2025-04-01", "2025-05-01", NULL, NULL, false };
	char out[512];

	(void)state;
	assert_string_equal(judge_edit(good, &open, 0, NULL, NULL, out, sizeof(out)), "");
	assert_string_equal(judge_edit(good, &shut, 0, NULL, NULL, out, sizeof(out)), "/");
	/* The window is fixed at creation: naming it again is not a field. */
	assert_string_equal(judge_edit("{\"window\": \"x\", \"total\": 0, \"lines\": {}}", &open, 0,
				       NULL, NULL, out, sizeof(out)),
			    "/window /lines/sex /lines/ethnicity /lines/disability /lines/age");
}

static void test_late_submission_needs_a_reason(void **state)
{
	struct return_state on_time = { "draft", "workforce", true, false, "2025-04-01", "2025-05-01", NULL, NULL, false };
	struct return_state late = { "draft", "workforce", true, true, "2025-04-01", "2025-05-01", NULL, NULL, false };
	const char *reason = "unset";
	char out[512];

	(void)state;
	assert_string_equal(judge_edit("{}", &on_time, 1, &reason, NULL, out, sizeof(out)), "");
	assert_null(reason);
	/* On time, a reason given anyway is not kept. */
	judge_edit("{\"late_reason\": \"Staff away\"}", &on_time, 1, &reason, NULL, out, sizeof(out));
	assert_null(reason);
	assert_string_equal(judge_edit("{}", &late, 1, &reason, NULL, out, sizeof(out)), "/late_reason");
	assert_string_equal(judge_edit("{\"late_reason\": \"\"}", &late, 1, &reason, NULL, out, sizeof(out)),
			    "/late_reason");
	assert_string_equal(judge_edit("{\"late_reason\": \"Staff away\"}", &late, 1, &reason, NULL,
				       out, sizeof(out)), "");
	assert_string_equal(reason, "Staff away");
}

static void test_a_return_sent_back_needs_a_note(void **state)
{
	const char *outcome, *note;
	char out[512];

	(void)state;
	assert_string_equal(judge_edit("{\"outcome\": \"accepted\"}", NULL, 2, &outcome, &note,
				       out, sizeof(out)), "");
	assert_string_equal(judge_edit("{\"outcome\": \"returned\"}", NULL, 2, &outcome, &note,
				       out, sizeof(out)), "/note");
	assert_string_equal(judge_edit("{\"outcome\": \"returned\", \"note\": \"a\\u0007\"}", NULL, 2,
				       &outcome, &note, out, sizeof(out)), "/note");
	assert_null(note);
	assert_string_equal(judge_edit("{\"outcome\": \"kept\", \"colour\": 1}", NULL, 2, &outcome, &note,
				       out, sizeof(out)), "/colour /outcome");
}

static void test_undeclared_people_are_counted(void **state)
{
	char out[512];

	(void)state;
	/* Every characteristic takes prefer_not_to_say and not_known, and
	 * they count towards the total. */
	assert_string_equal(judge("{\"total\": 10, \"lines\": {\"sex\": {\"female\": 6, \"prefer_not_to_say\": 4},"
				  " \"ethnicity\": {\"white\": 7, \"not_known\": 3},"
				  " \"disability\": {\"not_known\": 10},"
				  " \"age\": {\"age_20_24\": 5, \"prefer_not_to_say\": 5}}}",
				  "workforce", out, sizeof(out)), "");
	assert_string_equal(judge("{\"total\": 10, \"lines\": {\"sex\": {\"female\": 6, \"unknown\": 4},"
				  " \"ethnicity\": {\"white\": 7, \"not_known\": 2},"
				  " \"disability\": {\"not_known\": 10},"
				  " \"age\": {\"age_20_24\": 10}}}",
				  "workforce", out, sizeof(out)), "/lines/sex/unknown /lines/ethnicity");
}

static void test_age_bands_follow_the_window(void **state)
{
	static const char *const hr =
		"{\"total\": 10, \"lines\": {\"sex\": {\"female\": 10}, \"ethnicity\": {\"white\": 10},"
		" \"disability\": {\"disabled\": 10}, \"age\": {\"age_16_24\": 4, \"age_65_plus\": 5,"
		" \"not_known\": 1}}}";
	char out[512];

	(void)state;
	assert_string_equal(judge_in(hr, "workforce", "hr", NULL, out, sizeof(out)), "");
	/* A census window refuses HR bands, and an HR window census bands. */
	assert_string_equal(judge_in(hr, "workforce", "census", NULL, out, sizeof(out)),
			    "/lines/age/age_16_24 /lines/age/age_65_plus");
	assert_string_equal(judge_in(good, "workforce", "hr", NULL, out, sizeof(out)),
			    "/lines/age/age_20_24 /lines/age/age_25_29");
}

static void test_adult_only_measures_add_up_to_the_adult_total(void **state)
{
	static const char *const users =
		"{\"total\": 10, \"adult_total\": 6, \"lines\": {\"sex\": {\"female\": 10},"
		" \"ethnicity\": {\"white\": 10}, \"disability\": {\"disabled\": 10},"
		" \"age\": {\"age_20_24\": 10}, \"religion\": {\"female\": 10},"
		" \"sexual_orientation\": {\"prefer_not_to_say\": 6}}}";
	char out[512];

	(void)state;
	assert_string_equal(judge(users, "service_users", out, sizeof(out)), "");
	/* Adults only: the adult total is the total, so 6 is wrong twice. */
	assert_string_equal(judge_in(users, "service_users", NULL, "adults", out, sizeof(out)),
			    "/adult_total /lines/sexual_orientation");
	assert_string_equal(judge("{\"total\": 1, \"adult_total\": 2, \"lines\": {}}", "service_users",
				  out, sizeof(out)),
			    "/adult_total /lines/sex /lines/ethnicity /lines/disability /lines/age"
			    " /lines/religion /lines/sexual_orientation");
	assert_true(return_needs_adult_total(&(struct return_rules){ return_kind_find("service_users"), false, false }));
	assert_false(return_needs_adult_total(&(struct return_rules){ return_kind_find("workforce"), false, false }));
}

static void test_lateness_of_a_correction(void **state)
{
	struct return_state s = { "returned", "workforce", true, true, "2025-04-01", "2025-05-01",
				  NULL, NULL, false };
	const char *reason = "unset";
	char out[512];

	(void)state;
	/* First submitted on time, sent back, corrected after the due date:
	 * not late, no reason asked for. */
	assert_false(return_submission_late(&s));
	assert_string_equal(judge_edit("{}", &s, 1, &reason, NULL, out, sizeof(out)), "");
	s.was_late = true;
	assert_true(return_submission_late(&s));
	s.status = "draft";
	s.was_late = false;
	assert_true(return_submission_late(&s));
	s.past_due = false;
	assert_false(return_submission_late(&s));
	/* A reason may run over several lines. */
	s.past_due = true;
	assert_string_equal(judge_edit("{\"late_reason\": \"Staff away.\\nBack on Monday.\"}", &s, 1,
				       &reason, NULL, out, sizeof(out)), "");
	assert_string_equal(reason, "Staff away.\nBack on Monday.");
}

static void test_recall_and_next_steps(void **state)
{
	(void)state;
	assert_true(return_recallable("submitted"));
	assert_false(return_recallable("accepted"));
	assert_false(return_recallable("draft"));
	assert_non_null(strstr(return_next_step("submitted"), "/recall"));
	assert_non_null(strstr(return_next_step("draft"), "PUT"));
	assert_non_null(strstr(return_next_step("accepted"), "final"));
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
		cmocka_unit_test(test_editable_states),
		cmocka_unit_test(test_replacement_needs_an_open_window),
		cmocka_unit_test(test_late_submission_needs_a_reason),
		cmocka_unit_test(test_a_return_sent_back_needs_a_note),
		cmocka_unit_test(test_undeclared_people_are_counted),
		cmocka_unit_test(test_age_bands_follow_the_window),
		cmocka_unit_test(test_adult_only_measures_add_up_to_the_adult_total),
		cmocka_unit_test(test_lateness_of_a_correction),
		cmocka_unit_test(test_recall_and_next_steps),
	};

	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	json_decref(edit_body);
	return failed;
}
