/* The rules of a hate-crime report's body: dates, location, strands and
 * their reason, people against the database's verdicts, references, and
 * the withdrawal. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "domain/hate_crime_report.h"

static const char *const valid =
	"{\"occurred_from\": \"2025-04-02\", \"reported_on\": \"2025-04-05\","
	" \"location\": {\"kind\": \"ward\", \"ward\": \"E05013628\"},"
	" \"strands\": [\"race\", \"other\"], \"other_strand_reason\": \"accent\","
	" \"offence_type\": \"harassment\", \"channel\": \"third_party_centre\","
	" \"submitter_reference\": \"TPC-1\","
	" \"victim\": [{\"characteristic\": \"ethnicity\", \"category\": \"asian_indian\"}]}";

/* Judge text against a database with today 2025-06-30, the ward known or
 * not and verdicts as given; the error pointers into out.  rv borrows from
 * the body, which is freed before the next judge (and by the last test). */
static json_t *body;

static const char *judge(const char *text, const char *verdicts, bool ward_known,
			 struct hcr_values *rv, char *out, size_t size)
{
	struct hcr_lookup lk;
	struct validation v;
	size_t used = 0;

	json_decref(body);
	body = json_loads(text, 0, NULL);
	assert_non_null(body);
	hcr_lookup_collect(body, &lk);
	lk.today = (struct date){ 2025, 6, 30 };
	lk.ward_known = ward_known;
	hcr_lookup_verdicts(&lk, verdicts);
	validation_init(&v);
	hcr_validate(&v, body, &lk, rv);
	out[0] = '\0';
	for (size_t i = 0; i < json_array_size(v.errors); i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s", i ? " " : "",
			json_string_value(json_object_get(json_array_get(v.errors, i), "pointer")));
	validation_release(&v);
	return out;
}

static void test_a_valid_report_gives_every_value(void **state)
{
	struct hcr_values rv;
	char out[512];

	(void)state;
	assert_string_equal(judge(valid, "", true, &rv, out, sizeof(out)), "");
	/* occurred_to defaults to occurred_from. */
	assert_string_equal(rv.occurred_from, "2025-04-02");
	assert_string_equal(rv.occurred_to, "2025-04-02");
	assert_string_equal(rv.ward, "E05013628");
	assert_string_equal(rv.strands, "{race,other}");
	assert_string_equal(rv.other_reason, "accent");
	assert_null(rv.police_reference);
	assert_string_equal(rv.victim, "[{\"characteristic\":\"ethnicity\",\"category\":\"asian_indian\"}]");
	assert_string_equal(rv.suspect, "[]");
	hcr_values_release(&rv);
}

static void test_lookup_collects_only_well_formed_pairs(void **state)
{
	json_t *pairs = json_loads("{\"location\": {\"ward\": \"E05013628\"},"
				  " \"victim\": [{\"characteristic\": \"sex\", \"category\": \"female\"}, 7,"
				  "  {\"characteristic\": \"Bad Code\", \"category\": \"x\"}],"
				  " \"suspect\": [{\"characteristic\": \"age\", \"category\": \"age_20_24\"}]}",
				  0, NULL);
	struct hcr_lookup lk;

	(void)state;
	hcr_lookup_collect(pairs, &lk);
	assert_int_equal(lk.npairs, 2);
	assert_string_equal(lk.pairs[0].pointer, "/victim/0");
	assert_string_equal(lk.pairs[1].pointer, "/suspect/0");
	assert_string_equal(hcr_lookup_ward(pairs), "E05013628");
	/* Out-of-range and malformed verdicts are ignored. */
	hcr_lookup_verdicts(&lk, "2:x,9:c,junk,1:c");
	assert_int_equal(lk.verdict[0], 'c');
	assert_int_equal(lk.verdict[1], 'x');
	json_decref(pairs);
}

static void test_unknown_codes_and_ward_are_named(void **state)
{
	struct hcr_values rv;
	char out[512];

	(void)state;
	judge(valid, "1:c", false, &rv, out, sizeof(out));
	assert_string_equal(out, "/location/ward /victim/0/category");
	hcr_values_release(&rv);
	judge(valid, "1:x", true, &rv, out, sizeof(out));
	assert_string_equal(out, "/victim/0/characteristic");
	hcr_values_release(&rv);
}

static void test_every_problem_at_once(void **state)
{
	struct hcr_values rv;
	char out[512];

	(void)state;
	judge("{\"occurred_from\": \"2025-04-02\", \"occurred_to\": \"2025-04-01\","
	      " \"reported_on\": \"2025-07-01\", \"location\": {\"kind\": \"unknown\", \"ward\": \"E05013628\"},"
	      " \"strands\": [\"race\", \"race\", \"weather\"], \"other_strand_reason\": \"\","
	      " \"offence_type\": \"theft\", \"channel\": \"police\", \"submitter_reference\": \"a\\u0001b\","
	      " \"suspect\": [{\"characteristic\": \"sex\"}], \"victim_name\": \"X\"}",
	      "", true, &rv, out, sizeof(out));
	assert_string_equal(out,
		"/victim_name /occurred_to /reported_on /location/ward /strands/1 /strands/2"
		" /other_strand_reason /offence_type /submitter_reference /suspect/0/category");
	hcr_values_release(&rv);
}

static void test_other_strand_reason_goes_with_other(void **state)
{
	struct hcr_values rv;
	char out[512];

	(void)state;
	judge("{\"occurred_from\": \"2025-04-02\", \"reported_on\": \"2025-04-05\","
	      " \"location\": {\"kind\": \"outside_borough\"}, \"strands\": [\"other\"],"
	      " \"offence_type\": \"online\", \"channel\": \"online_form\", \"submitter_reference\": \"R\"}",
	      "", true, &rv, out, sizeof(out));
	assert_string_equal(out, "/other_strand_reason");
	hcr_values_release(&rv);
	judge("{\"occurred_from\": \"2025-04-02\", \"reported_on\": \"2025-04-05\","
	      " \"location\": {\"kind\": \"outside_borough\"}, \"strands\": [\"race\"],"
	      " \"other_strand_reason\": \"why\","
	      " \"offence_type\": \"online\", \"channel\": \"online_form\", \"submitter_reference\": \"R\"}",
	      "", true, &rv, out, sizeof(out));
	assert_string_equal(out, "/other_strand_reason");
	hcr_values_release(&rv);
}

static void test_withdrawal_takes_a_reason_and_nothing_else(void **state)
{
	json_t *ok = json_loads("{\"status\": \"withdrawn\", \"withdrawn_reason\": \"Duplicate\"}", 0, NULL);
	json_t *bad = json_loads("{\"status\": \"active\", \"channel\": \"police\"}", 0, NULL);
	struct validation v;
	const char *reason;

	(void)state;
	validation_init(&v);
	hcr_validate_withdrawal(&v, ok, &reason);
	assert_true(validation_ok(&v));
	assert_string_equal(reason, "Duplicate");
	hcr_validate_withdrawal(&v, bad, &reason);
	assert_null(reason);
	assert_int_equal(json_array_size(v.errors), 3);   /* status, withdrawn_reason, channel */
	validation_release(&v);
	json_decref(ok);
	json_decref(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_valid_report_gives_every_value),
		cmocka_unit_test(test_lookup_collects_only_well_formed_pairs),
		cmocka_unit_test(test_unknown_codes_and_ward_are_named),
		cmocka_unit_test(test_every_problem_at_once),
		cmocka_unit_test(test_other_strand_reason_goes_with_other),
		cmocka_unit_test(test_withdrawal_takes_a_reason_and_nothing_else),
	};

	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	json_decref(body);
	return failed;
}
